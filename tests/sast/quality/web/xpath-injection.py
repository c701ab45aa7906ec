# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# XPath injection: request data pasted into an XPath expression.
import xml.etree.ElementTree as ET

import elementpath
from django.http import JsonResponse
from fastapi import FastAPI
from flask import Flask, abort, jsonify, request
from lxml import etree

app = Flask(__name__)
api = FastAPI()
USERS = etree.parse("/srv/data/users.xml")
CATALOG = ET.parse("/srv/data/catalog.xml")


@app.route("/login", methods=["POST"])
def vuln_xpath_login():
    user = request.form["user"]
    password = request.form["password"]
    found = USERS.xpath("//user[name='" + user + "' and password='" + password + "']")
    return jsonify(ok=bool(found))


@app.route("/users/<name>")
def vuln_xpath_route_parameter(name):
    return jsonify(emails=[e.text for e in USERS.xpath(f"//user[@name='{name}']/email")])


def vuln_django_elementtree_find(request):
    sku = request.GET["sku"]
    item = CATALOG.getroot().find(".//item[@sku='%s']" % sku)
    return JsonResponse({"found": item is not None})


@api.get("/catalog")
def vuln_fastapi_findall(category: str):
    return {"n": len(CATALOG.findall(".//item[@category='" + category + "']"))}


@app.route("/search")
def vuln_xpath_object():
    expression = etree.XPath("//product[contains(title, '" + request.args["q"] + "')]")
    return jsonify(n=len(expression(USERS)))


@app.route("/path")
def vuln_whole_expression_from_user():
    return jsonify(n=len(USERS.xpath(request.args["expr"])))


def vuln_django_elementpath(request):
    attr = request.GET["attr"]
    return JsonResponse({"n": len(elementpath.select(CATALOG.getroot(), "//item/@" + attr))})


@app.route("/roles")
def vuln_xpath_format_helper():
    role = request.args["role"]
    query = "//user[role='{}']/name".format(role)
    names = USERS.getroot().xpath(query)
    return jsonify(names=[n.text for n in names])


@api.get("/stock")
def vuln_fastapi_iterfind(warehouse: str):
    return {"n": sum(1 for _ in CATALOG.iterfind(f".//stock[@warehouse='{warehouse}']"))}


@app.route("/orders")
def vuln_cookie_into_xpath():
    customer = request.cookies.get("customer", "")
    return jsonify(n=len(USERS.xpath("//order[customer='%s']" % customer)))


@app.route("/login-safe", methods=["POST"])
def safe_xpath_variables():
    found = USERS.xpath("//user[name=$user and password=$pw]", user=request.form["user"], pw=request.form["password"])
    return jsonify(ok=bool(found))


@app.route("/users-safe/<name>")
def safe_filter_in_python(name):
    return jsonify(emails=[u.findtext("email") for u in USERS.xpath("//user") if u.get("name") == name])


def safe_django_find_fixed_path(request):
    sku = request.GET["sku"]
    items = [i for i in CATALOG.getroot().iter("item") if i.get("sku") == sku]
    return JsonResponse({"found": bool(items)})


@api.get("/catalog-safe")
def safe_fastapi_allow_list(category: str):
    if category not in ("books", "music", "games"):
        return {"n": 0}
    return {"n": len(CATALOG.findall(".//item[@category='" + category + "']"))}


@app.route("/search-safe")
def safe_xpath_object_with_variable():
    expression = etree.XPath("//product[contains(title, $q)]")
    return jsonify(n=len(expression(USERS, q=request.args["q"])))


@app.route("/path-safe")
def safe_string_find_not_xpath():
    text = request.args["text"]
    return jsonify(position=text.find("needle"))


def safe_django_numeric_position(request):
    index = int(request.GET["index"])
    return JsonResponse({"n": len(elementpath.select(CATALOG.getroot(), "//item[%d]" % index))})


@app.route("/roles-safe")
def safe_constant_query():
    names = USERS.getroot().xpath("//user[role='admin']/name")
    return jsonify(names=[n.text for n in names])


@api.get("/stock-safe")
def safe_fastapi_numeric_warehouse(warehouse: int):
    return {"n": sum(1 for _ in CATALOG.iterfind(".//stock[@warehouse='%d']" % warehouse))}


@app.route("/orders-safe")
def safe_cookie_as_variable():
    customer = request.cookies.get("customer", "")
    return jsonify(n=len(USERS.xpath("//order[customer=$c]", c=customer)))
