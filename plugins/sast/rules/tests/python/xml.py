# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import xml.dom.minidom
import xml.sax
import xml.etree.ElementTree as ET
from xml.sax.handler import feature_external_ges

import defusedxml.ElementTree as SafeET
from lxml import etree


def stdlib(text, path):
    # ruleid: gatecheck.python.xml-unsafe-parser
    root = ET.fromstring(text)
    # ruleid: gatecheck.python.xml-unsafe-parser
    doc = xml.dom.minidom.parseString(text)
    # ok: gatecheck.python.xml-unsafe-parser
    safe = SafeET.fromstring(text)
    return root, doc, safe


def with_lxml(text):
    # ruleid: gatecheck.python.lxml-resolve-entities
    parser = etree.XMLParser(resolve_entities=True)
    # ok: gatecheck.python.lxml-resolve-entities
    safe_parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ruleid: gatecheck.python.lxml-default-parser
    default = etree.fromstring(text)
    # ok: gatecheck.python.lxml-default-parser
    explicit = etree.fromstring(text, safe_parser)
    return parser, default, explicit


def sax(stream):
    # ruleid: gatecheck.python.xml-unsafe-parser
    parser = xml.sax.make_parser()
    # ruleid: gatecheck.python.sax-external-entities
    parser.setFeature(feature_external_ges, True)
    # ok: gatecheck.python.sax-external-entities
    parser.setFeature(feature_external_ges, False)
    parser.parse(stream)
