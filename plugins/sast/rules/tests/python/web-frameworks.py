# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import jinja2
from app import settings
from django.utils.safestring import mark_safe
from flask import Flask
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

app = Flask(__name__)

# ruleid: gatecheck.python.django-debug-true
DEBUG = True
# ok: gatecheck.python.django-debug-true
TEMPLATE_DEBUG = False


def configure_for_tests(env):
    # ok: gatecheck.python.django-debug-true
    DEBUG = True
    return DEBUG


def positives(request, comment):
    # ruleid: gatecheck.python.jinja2-autoescape-disabled
    env = Environment(loader=FileSystemLoader("templates"))
    # ruleid: gatecheck.python.jinja2-autoescape-disabled
    env2 = jinja2.Environment(autoescape=False)
    # ruleid: gatecheck.python.mark-safe-dynamic
    html = mark_safe("<p>%s</p>" % comment)
    # ruleid: gatecheck.python.mark-safe-dynamic
    html2 = Markup(request.args["bio"])
    # ruleid: gatecheck.python.flask-debug-enabled
    app.config["DEBUG"] = True
    return env, env2, html, html2


def negatives(comment):
    # ok: gatecheck.python.jinja2-autoescape-disabled
    env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
    # ok: gatecheck.python.jinja2-autoescape-disabled
    env2 = jinja2.Environment(autoescape=True)
    # ok: gatecheck.python.mark-safe-dynamic
    html = mark_safe("<br>")
    # ok: gatecheck.python.flask-debug-enabled
    app.run(debug=False)
    return env, env2, html


if __name__ == "__main__":
    # ruleid: gatecheck.python.flask-debug-enabled
    app.run(debug=True)
    # ruleid: gatecheck.python.flask-debug-enabled
    app.run(host="127.0.0.1", debug=settings.DEBUG)
