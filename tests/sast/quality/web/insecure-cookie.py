# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Insecure cookies: session or token cookies without Secure / HttpOnly.
from django.http import HttpResponse
from fastapi import FastAPI, Response
from flask import Flask, make_response, request

app = Flask(__name__)
api = FastAPI()


@app.route("/login", methods=["POST"])
def vuln_session_cookie_no_flags():
    resp = make_response("welcome")
    resp.set_cookie("session_token", issue_token(request.form["user"]))
    return resp


@app.route("/remember")
def vuln_secure_false():
    resp = make_response("ok")
    resp.set_cookie("remember", REMEMBER.new_token(), secure=False, httponly=True)
    return resp


def vuln_django_httponly_false(request):
    response = HttpResponse("ok")
    response.set_cookie("auth", make_auth(request.user), secure=True, httponly=False)
    return response


@api.post("/login")
def vuln_fastapi_cookie_without_secure(response: Response, user: str):
    response.set_cookie(key="access_token", value=issue_token(user), httponly=True)
    return {"ok": True}


def vuln_django_signed_cookie(request):
    response = HttpResponse("ok")
    response.set_signed_cookie("cart", "1,2,3")
    return response


def vuln_flask_config_secure_off(app):
    app.config["SESSION_COOKIE_SECURE"] = False
    return app


def vuln_flask_config_update_httponly_off(app):
    app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE="Lax")
    return app


@app.route("/prefs")
def vuln_max_age_only():
    resp = make_response("ok")
    resp.set_cookie("prefs_token", "dark", max_age=3600)
    return resp


def vuln_django_csrf_cookie_script_readable(request):
    response = HttpResponse("ok")
    response.set_cookie("api_token", make_auth(request.user), secure=False, httponly=False)
    return response


@api.get("/track")
def vuln_fastapi_secure_false(response: Response):
    response.set_cookie("visitor", "v1", secure=False, httponly=True)
    return {"ok": True}


@app.route("/login-safe", methods=["POST"])
def safe_session_cookie_all_flags():
    resp = make_response("welcome")
    resp.set_cookie("session_token", issue_token(request.form["user"]), secure=True, httponly=True, samesite="Lax")
    return resp


@app.route("/remember-safe")
def safe_flags_from_settings():
    resp = make_response("ok")
    resp.set_cookie("remember", REMEMBER.new_token(), secure=SETTINGS.secure_cookies, httponly=True)
    return resp


def safe_django_all_flags(request):
    response = HttpResponse("ok")
    response.set_cookie("auth", make_auth(request.user), secure=True, httponly=True, samesite="Strict")
    return response


@api.post("/login-safe")
def safe_fastapi_all_flags(response: Response, user: str):
    response.set_cookie(key="access_token", value=issue_token(user), httponly=True, secure=True, samesite="strict")
    return {"ok": True}


def safe_django_delete_cookie(request):
    response = HttpResponse("bye")
    response.delete_cookie("cart")
    return response


def safe_flask_config_secure_on(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    return app


def safe_flask_config_update_on(app):
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=True)
    return app


@app.route("/prefs-safe")
def safe_options_passed_through():
    resp = make_response("ok")
    resp.set_cookie("prefs", "dark", **COOKIE_OPTIONS)
    return resp


def safe_django_read_cookie(request):
    return HttpResponse(request.COOKIES.get("theme", "light"))


@api.get("/track-safe")
def safe_fastapi_secure(response: Response):
    response.set_cookie("visitor", "v1", secure=True, httponly=True)
    return {"ok": True}
