# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Trust-boundary violations: request data stored in the server-side session as if the server set it.
from django.http import HttpResponse
from fastapi import FastAPI, Request
from flask import Flask, abort, request, session

app = Flask(__name__)
api = FastAPI()
ROLES = {"viewer", "editor"}


@app.route("/prefs")
def vuln_role_from_query():
    session["role"] = request.args.get("role")
    return "saved"


@app.post("/profile")
def vuln_form_field_through_variable():
    display = request.form["display_name"].strip()
    session["display_name"] = display
    return "ok"


def vuln_django_session_from_get(request):
    request.session["lang"] = request.GET["lang"]
    return HttpResponse("ok")


def vuln_django_session_update(request):
    request.session.update({"tenant": request.POST["tenant"]})
    return HttpResponse("ok")


@app.route("/cart/add")
def vuln_cookie_into_session():
    session["discount_code"] = request.cookies.get("promo")
    return "added"


@app.route("/impersonate/<user_id>")
def vuln_route_parameter_into_session(user_id):
    session["user_id"] = user_id
    return "switched"


@app.post("/wizard")
def vuln_json_step_into_session():
    data = request.get_json()
    session["wizard_step"] = data["step"]
    return "next"


def vuln_django_header_into_session(request):
    request.session["client"] = request.headers.get("X-Client-Id")
    return HttpResponse("ok")


@app.route("/theme")
def vuln_session_setdefault():
    session.setdefault("theme", request.args["theme"])
    return "ok"


@app.route("/referrer")
def vuln_built_value():
    source = request.args.get("utm_source", "")
    session["campaign"] = "utm:" + source
    return "tracked"


@app.route("/prefs-safe")
def safe_role_allow_list():
    role = request.args.get("role")
    if role not in ROLES:
        abort(400)
    session["role"] = role
    return "saved"


@app.post("/profile-safe")
def safe_constant_in_session():
    session["onboarded"] = True
    return "ok"


def safe_django_language_validated(request):
    lang = request.GET["lang"]
    if lang in ("en", "de", "fr"):
        request.session["lang"] = lang
    return HttpResponse("ok")


def safe_django_session_read_only(request):
    tenant = request.session.get("tenant")
    return HttpResponse(tenant or "none")


@app.route("/cart/add-safe")
def safe_numeric_quantity():
    session["quantity"] = int(request.args.get("qty", "1"))
    return "added"


@app.route("/impersonate-safe/<user_id>")
def safe_server_looked_up_user(user_id):
    user = USERS.get(int(user_id))
    session["user_id"] = user.id if user else None
    return "switched"


@app.post("/wizard-safe")
def safe_step_counter():
    session["wizard_step"] = session.get("wizard_step", 0) + 1
    return "next"


def safe_django_authenticated_user(request):
    request.session["client"] = request.user.pk
    return HttpResponse("ok")


@app.route("/theme-safe")
def safe_theme_mapping():
    session["theme"] = {"dark": "dark", "light": "light"}.get(request.args["theme"], "light")
    return "ok"


@app.route("/referrer-safe")
def safe_logged_not_stored():
    LOG.info("campaign %s", request.args.get("utm_source", ""))
    return "tracked"
