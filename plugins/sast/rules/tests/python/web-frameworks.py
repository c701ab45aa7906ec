# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import unittest

import aiohttp_jinja2
import jinja2
import jwt
import tornado.web
from app import settings
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from flask import Flask, make_response
from flask_wtf.csrf import CSRFProtect
from jinja2 import Environment, FileSystemLoader, select_autoescape
from mako.lookup import TemplateLookup
from markupsafe import Markup

app = Flask(__name__)
csrf = CSRFProtect(app)

# ruleid: gatecheck.python.django-debug-true
DEBUG = True
# ok: gatecheck.python.django-debug-true
TEMPLATE_DEBUG = False

# ruleid: gatecheck.python.hardcoded-secret-key
SECRET_KEY = "django-insecure-8f3k2j4h5g6f7d8s9a0"
# ok: gatecheck.python.hardcoded-secret-key
SECRET_KEY_FALLBACKS = []

# ruleid: gatecheck.python.insecure-session-settings
SESSION_COOKIE_SECURE = False
# ok: gatecheck.python.insecure-session-settings
CSRF_COOKIE_SECURE = True

# ruleid: gatecheck.python.csrf-protection-disabled
WTF_CSRF_ENABLED = False

# ruleid: gatecheck.python.django-csrf-middleware-missing
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]

# ok: gatecheck.python.django-csrf-middleware-missing
MIDDLEWARE_SAFE = [
    "django.middleware.csrf.CsrfViewMiddleware",
]


def configure_for_tests(env):
    # ok: gatecheck.python.django-debug-true
    DEBUG = True
    return DEBUG


def environments(comment):
    # ruleid: gatecheck.python.jinja2-autoescape-default
    env = jinja2.Environment(autoescape=False)
    # ruleid: gatecheck.python.jinja2-autoescape-disabled
    app.jinja_env.autoescape = False
    # ruleid: gatecheck.python.jinja2-autoescape-default
    env2 = Environment(loader=FileSystemLoader("templates"))
    # ok: gatecheck.python.jinja2-autoescape-disabled, gatecheck.python.jinja2-autoescape-default
    env3 = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
    # ruleid: gatecheck.python.jinja2-autoescape-disabled
    aiohttp_jinja2.setup(web_app, loader=FileSystemLoader("templates"), autoescape=False)
    return env, env2, env3


def marking(comment):
    # ruleid: gatecheck.python.mark-safe-dynamic
    html = mark_safe("<p>%s</p>" % comment)
    # ruleid: gatecheck.python.mark-safe-dynamic
    m = Markup(comment)
    # ok: gatecheck.python.mark-safe-dynamic
    fixed = mark_safe("<br>")
    # ok: gatecheck.python.mark-safe-dynamic
    escaped = mark_safe(escape(comment))
    return html, m, fixed, escaped


def mako():
    # ruleid: gatecheck.python.mako-templates
    lookup = TemplateLookup(directories=["templates"])
    # ok: gatecheck.python.mako-templates
    safe = TemplateLookup(directories=["templates"], default_filters=["h"])
    return lookup, safe


def debuggers(result, suite):
    # ruleid: gatecheck.python.flask-debug-enabled
    app.run(debug=True)
    # ruleid: gatecheck.python.flask-debug-enabled
    app.run(host="127.0.0.1", debug=settings.DEBUG)
    # ok: gatecheck.python.flask-debug-enabled
    app.run(debug=False)
    # ok: gatecheck.python.flask-debug-enabled
    suite.run(result, debug=True)
    # ruleid: gatecheck.python.framework-debug-enabled
    application = tornado.web.Application([], debug=True)
    # ok: gatecheck.python.framework-debug-enabled
    quiet = tornado.web.Application([], debug=False)
    return application, quiet


# ruleid: gatecheck.python.csrf-protection-disabled
@csrf_exempt
def webhook(request):
    return HttpResponse("ok")


# ruleid: gatecheck.python.csrf-protection-disabled
@csrf.exempt
@app.route("/hook", methods=["POST"])
def flask_hook():
    return "ok"


def protected(request):
    # ok: gatecheck.python.csrf-protection-disabled
    return HttpResponse("ok")


def cookies(value):
    resp = make_response("ok")
    # ruleid: gatecheck.python.insecure-cookie
    resp.set_cookie("session_hint", value)
    # ruleid: gatecheck.python.insecure-cookie
    resp.set_cookie("remember", value, secure=False, httponly=True)
    # ruleid: gatecheck.python.insecure-cookie
    resp.set_cookie("remember", value, secure=True, httponly=False)
    # ok: gatecheck.python.insecure-cookie
    resp.set_cookie("remember", value, secure=True, httponly=True, samesite="Lax")
    # ok: gatecheck.python.insecure-cookie
    resp.set_cookie("remember", value, secure=settings.COOKIE_SECURE, httponly=True)
    # ok: gatecheck.python.insecure-cookie
    jar.set_cookie(cookie)
    return resp


def flask_config():
    # ruleid: gatecheck.python.insecure-session-settings
    app.config["SESSION_COOKIE_HTTPONLY"] = False
    # ruleid: gatecheck.python.hardcoded-secret-key
    app.secret_key = "change-me-please-now"
    # ok: gatecheck.python.hardcoded-secret-key
    app.secret_key = os.environ["FLASK_SECRET_KEY"]


def tokens(payload, token, key):
    # ruleid: gatecheck.python.jwt-hardcoded-key
    signed = jwt.encode(payload, "s3cr3t-signing-key", algorithm="HS256")
    # ok: gatecheck.python.jwt-hardcoded-key
    signed2 = jwt.encode(payload, key, algorithm="HS256")
    # ruleid: gatecheck.python.jwt-verification-disabled
    claims = jwt.decode(token, options={"verify_signature": False})
    # ruleid: gatecheck.python.jwt-verification-disabled
    claims2 = jwt.decode(token, key, algorithms=["HS256", "none"])
    # ok: gatecheck.python.jwt-verification-disabled
    claims3 = jwt.decode(token, key, algorithms=["HS256"])
    return signed, signed2, claims, claims2, claims3


def paypal_auth_assertion(client_id, payer_id):
    # An unsigned token *made* for a receiver that expects one (PayPal's auth assertion): nothing
    # here accepts an unverified token.
    # ok: gatecheck.python.jwt-verification-disabled
    return jwt.encode({"iss": client_id, "payer_id": payer_id}, key=None, algorithm="none")
