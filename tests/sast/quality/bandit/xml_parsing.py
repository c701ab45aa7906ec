# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import xml.dom.expatbuilder  # expect: B407
import xml.dom.minidom  # expect: B408
import xml.dom.pulldom  # expect: B409
import xml.etree.cElementTree as cET  # expect: B405
import xml.etree.ElementTree as ET  # expect: B405
import xml.sax  # expect: B406
from xml.sax import expatreader  # expect: B406

import lxml.etree  # expect: B410


def parse_all(text, path, handler):
    a = ET.fromstring(text)  # expect: B314
    b = ET.parse(path)  # expect: B314
    c = cET.fromstring(text)  # expect: B313
    d = expatreader.create_parser()  # expect: B315
    e = xml.dom.expatbuilder.parseString(text)  # expect: B316
    xml.sax.parseString(text, handler)  # expect: B317
    f = xml.dom.minidom.parseString(text)  # expect: B318
    g = xml.dom.pulldom.parseString(text)  # expect: B319
    h = lxml.etree.fromstring(text)  # expect: B320
    i = lxml.etree.parse(path)  # expect: B320
    return a, b, c, d, e, f, g, h, i
