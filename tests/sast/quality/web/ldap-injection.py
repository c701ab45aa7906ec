# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# LDAP injection: request data pasted into a search filter or DN.
import ldap
import ldap.filter
from django.http import JsonResponse
from fastapi import FastAPI
from flask import Flask, jsonify, request
from ldap3 import SUBTREE, Connection, Server
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)
api = FastAPI()
BASE = "ou=people,dc=example,dc=com"


def directory():
    conn = ldap.initialize("ldaps://ldap.example.com")
    conn.simple_bind_s("cn=reader,dc=example,dc=com", READER_PASSWORD)
    return conn


@app.route("/people")
def vuln_python_ldap_filter():
    uid = request.args["uid"]
    hits = directory().search_s(BASE, ldap.SCOPE_SUBTREE, "(uid=" + uid + ")")
    return jsonify(n=len(hits))


@app.route("/login", methods=["POST"])
def vuln_filter_with_two_values():
    user = request.form["user"]
    mail = request.form["mail"]
    flt = f"(&(uid={user})(mail={mail}))"
    return jsonify(n=len(directory().search_s(BASE, ldap.SCOPE_SUBTREE, flt)))


def vuln_django_ldap3(request):
    name = request.GET["name"]
    conn = Connection(Server("ldaps://ldap.example.com"), auto_bind=True)
    conn.search(BASE, "(cn=%s)" % name, SUBTREE)
    return JsonResponse({"n": len(conn.entries)})


@api.get("/groups")
def vuln_fastapi_ldap3_keyword(group: str):
    conn = Connection(Server("ldaps://ldap.example.com"), auto_bind=True)
    conn.search(search_base=BASE, search_filter="(memberOf=cn=" + group + ",ou=groups,dc=example,dc=com)")
    return {"n": len(conn.entries)}


@app.route("/ou/<unit>")
def vuln_base_dn_from_route(unit):
    hits = directory().search_s("ou=" + unit + ",dc=example,dc=com", ldap.SCOPE_ONELEVEL, "(objectClass=person)")
    return jsonify(n=len(hits))


@app.route("/bind", methods=["POST"])
def vuln_bind_dn_from_form():
    user = request.form["user"]
    conn = ldap.initialize("ldaps://ldap.example.com")
    conn.simple_bind_s("uid=" + user + ",ou=people,dc=example,dc=com", request.form["password"])
    return "ok"


def vuln_django_search_ext(request):
    phone = request.POST["phone"]
    msgid = directory().search_ext(BASE, ldap.SCOPE_SUBTREE, "(telephoneNumber=%s)" % phone)
    return JsonResponse({"msgid": msgid})


@app.route("/title")
def vuln_format_helper():
    title = request.args.get("title", "")
    query = "(title={})".format(title)
    return jsonify(n=len(directory().search_s(BASE, ldap.SCOPE_SUBTREE, query)))


@api.get("/manager")
def vuln_fastapi_ldap_header_like(manager: str):
    return {"n": len(directory().search_st(BASE, ldap.SCOPE_SUBTREE, "(manager=" + manager + ")", timeout=5))}


@app.route("/dept")
def vuln_cookie_filter():
    dept = request.cookies.get("dept", "")
    return jsonify(n=len(directory().search_s(BASE, ldap.SCOPE_SUBTREE, "(department=" + dept + ")")))


@app.route("/people-safe")
def safe_escape_filter_chars():
    uid = ldap.filter.escape_filter_chars(request.args["uid"])
    hits = directory().search_s(BASE, ldap.SCOPE_SUBTREE, "(uid=" + uid + ")")
    return jsonify(n=len(hits))


@app.route("/login-safe", methods=["POST"])
def safe_filter_format():
    flt = ldap.filter.filter_format("(&(uid=%s)(mail=%s))", [request.form["user"], request.form["mail"]])
    return jsonify(n=len(directory().search_s(BASE, ldap.SCOPE_SUBTREE, flt)))


def safe_django_ldap3_escaped(request):
    name = escape_filter_chars(request.GET["name"])
    conn = Connection(Server("ldaps://ldap.example.com"), auto_bind=True)
    conn.search(BASE, "(cn=%s)" % name, SUBTREE)
    return JsonResponse({"n": len(conn.entries)})


@api.get("/groups-safe")
def safe_fastapi_allow_list(group: str):
    if group not in ("staff", "admins", "readers"):
        return {"n": 0}
    conn = Connection(Server("ldaps://ldap.example.com"), auto_bind=True)
    conn.search(search_base=BASE, search_filter="(memberOf=cn=" + group + ",ou=groups,dc=example,dc=com)")
    return {"n": len(conn.entries)}


@app.route("/ou-safe/<unit>")
def safe_unit_from_mapping(unit):
    base = {"sales": "ou=sales,dc=example,dc=com", "it": "ou=it,dc=example,dc=com"}.get(unit, BASE)
    return jsonify(n=len(directory().search_s(base, ldap.SCOPE_ONELEVEL, "(objectClass=person)")))


@app.route("/bind-safe", methods=["POST"])
def safe_bind_dn_escaped():
    user = ldap.dn.escape_dn_chars(request.form["user"])
    conn = ldap.initialize("ldaps://ldap.example.com")
    conn.simple_bind_s("uid=" + user + ",ou=people,dc=example,dc=com", request.form["password"])
    return "ok"


def safe_django_numeric_filter(request):
    employee = int(request.POST["employee"])
    msgid = directory().search_ext(BASE, ldap.SCOPE_SUBTREE, "(employeeNumber=%d)" % employee)
    return JsonResponse({"msgid": msgid})


@app.route("/title-safe")
def safe_constant_filter():
    return jsonify(n=len(directory().search_s(BASE, ldap.SCOPE_SUBTREE, "(title=Engineer)")))


@api.get("/manager-safe")
def safe_fastapi_escaped(manager: str):
    flt = "(manager=" + escape_filter_chars(manager) + ")"
    return {"n": len(directory().search_st(BASE, ldap.SCOPE_SUBTREE, flt, timeout=5))}


@app.route("/dept-safe")
def safe_cookie_validated():
    dept = request.cookies.get("dept", "")
    if not dept.isalnum():
        return jsonify(n=0)
    return jsonify(n=len(directory().search_s(BASE, ldap.SCOPE_SUBTREE, "(department=" + dept + ")")))
