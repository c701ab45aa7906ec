# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import xml.etree.ElementTree as ET
from xml.dom import minidom

import defusedxml.ElementTree as SafeET
from lxml import etree


def positives(body, path):
    # ruleid: gatecheck.python.xml-unsafe-parser
    root = ET.fromstring(body)
    # ruleid: gatecheck.python.xml-unsafe-parser
    tree = ET.parse(path)
    # ruleid: gatecheck.python.xml-unsafe-parser
    doc = minidom.parseString(body)
    # ruleid: gatecheck.python.lxml-resolve-entities
    parser = etree.XMLParser(resolve_entities=True)
    # ruleid: gatecheck.python.lxml-resolve-entities
    parser2 = etree.XMLParser(no_network=False)
    return root, tree, doc, parser, parser2


def negatives(body):
    # ok: gatecheck.python.xml-unsafe-parser
    root = SafeET.fromstring(body)
    # ok: gatecheck.python.lxml-resolve-entities
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: gatecheck.python.xml-unsafe-parser
    text = ET.tostring(root)
    return parser, text
