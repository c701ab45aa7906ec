# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# XML external entities: request XML parsed by a parser that resolves external entities.
import xml.sax
from xml.dom import pulldom
from xml.sax.handler import feature_external_ges, feature_external_pes

import defusedxml.ElementTree as SafeET
import defusedxml.lxml
from django.http import HttpResponse, JsonResponse
from fastapi import FastAPI, Request
from flask import Flask, jsonify, request
from lxml import etree, objectify

app = Flask(__name__)
api = FastAPI()
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@app.post("/import")
def vuln_lxml_resolve_entities():
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(request.data, parser)
    return jsonify(items=len(doc))


@app.post("/import-legacy")
def vuln_lxml_default_parser():
    doc = etree.fromstring(request.get_data())
    return jsonify(root=doc.tag)


def vuln_django_lxml_load_dtd(request):
    parser = etree.XMLParser(load_dtd=True, no_network=False)
    tree = etree.fromstring(request.body, parser=parser)
    return JsonResponse({"root": tree.tag})


@api.post("/feed")
async def vuln_fastapi_lxml_parse(request: Request):
    body = await request.body()
    doc = etree.XML(body)
    return {"entries": len(doc)}


@app.post("/sax")
def vuln_sax_feature_on():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    parser.parse(request.files["document"])
    return "parsed"


@app.post("/pulldom")
def vuln_pulldom_with_feature():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_pes, True)
    events = pulldom.parseString(request.data.decode(), parser=parser)
    return jsonify(n=sum(1 for _ in events))


def vuln_django_objectify(request):
    order = objectify.fromstring(request.POST["xml"])
    return JsonResponse({"id": str(order.id)})


@app.post("/upload-xml")
def vuln_uploaded_file_parse():
    upload = request.files["xml"]
    tree = etree.parse(upload)
    return jsonify(root=tree.getroot().tag)


@app.post("/import-inline")
def vuln_inline_parser():
    data = request.data
    doc = etree.fromstring(data, etree.XMLParser(resolve_entities=True))
    return jsonify(items=len(doc))


@api.post("/soap")
async def vuln_fastapi_soap(request: Request):
    envelope = await request.body()
    parser = etree.XMLParser(no_network=False)
    return {"tag": etree.fromstring(envelope, parser).tag}


@app.post("/import-safe")
def safe_lxml_hardened_parser():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(request.data, parser)
    return jsonify(items=len(doc))


@app.post("/import-legacy-safe")
def safe_defusedxml():
    doc = SafeET.fromstring(request.get_data())
    return jsonify(root=doc.tag)


def safe_django_module_parser(request):
    tree = etree.fromstring(request.body, parser=SAFE_PARSER)
    return JsonResponse({"root": tree.tag})


@api.post("/feed-safe")
async def safe_fastapi_defused_lxml(request: Request):
    body = await request.body()
    doc = defusedxml.lxml.fromstring(body)
    return {"entries": len(doc)}


@app.post("/sax-safe")
def safe_sax_default_features():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, False)
    parser.parse(request.files["document"])
    return "parsed"


@app.post("/pulldom-safe")
def safe_json_instead():
    return jsonify(n=len(request.get_json()["events"]))


def safe_django_own_file(request):
    tree = etree.parse("/etc/shop/catalog.xml")
    return JsonResponse({"root": tree.getroot().tag})


@app.post("/upload-xml-safe")
def safe_uploaded_file_defused():
    tree = SafeET.parse(request.files["xml"])
    return jsonify(root=tree.getroot().tag)


@app.post("/import-inline-safe")
def safe_inline_hardened_parser():
    doc = etree.fromstring(request.data, etree.XMLParser(resolve_entities=False, no_network=True))
    return jsonify(items=len(doc))


@api.post("/soap-safe")
async def safe_fastapi_module_parser(request: Request):
    envelope = await request.body()
    return {"tag": etree.fromstring(envelope, SAFE_PARSER).tag}
