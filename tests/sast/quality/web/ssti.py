# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Server-side template injection: request data becoming template source.
import jinja2
from django.http import HttpResponse
from django.template import Context, Template as DjangoTemplate, engines
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, render_template, render_template_string, request
from mako.template import Template as MakoTemplate

app = Flask(__name__)
api = FastAPI()
env = jinja2.Environment(autoescape=jinja2.select_autoescape())
GREETING = "<h1>Hello {{ name }}</h1>"


@app.route("/hello")
def vuln_concatenated_template():
    name = request.args.get("name", "world")
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/page")
def vuln_template_from_form():
    body = request.form["body"]
    page = "{% extends 'base.html' %}{% block content %}" + body + "{% endblock %}"
    return render_template_string(page)


def vuln_django_template_from_post(request):
    source = request.POST["template"]
    return HttpResponse(DjangoTemplate(source).render(Context({})))


@api.get("/card", response_class=HTMLResponse)
def vuln_fastapi_jinja_from_string(title: str):
    return env.from_string(f"<div class='card'>{title}</div>").render()


@app.route("/mail/preview")
def vuln_jinja_template_class():
    text = request.args["text"]
    return jinja2.Template(text).render(user="me")


@app.route("/greeting")
def vuln_format_into_template():
    greeting = request.args["greeting"]
    template = "<p>{}, {{{{ user }}}}</p>".format(greeting)
    return render_template_string(template, user="me")


def vuln_django_engine_from_string(request):
    source = request.GET["snippet"]
    return HttpResponse(engines["django"].from_string(source).render({}))


@app.route("/report")
def vuln_mako_template():
    layout = request.args["layout"]
    return MakoTemplate(layout).render()


@app.route("/banner")
def vuln_header_in_template():
    return render_template_string("<b>%s</b>" % request.headers.get("X-Banner", ""))


@api.post("/render", response_class=HTMLResponse)
async def vuln_fastapi_body_template(payload: dict):
    return jinja2.Environment().from_string(payload["template"]).render()


@app.route("/hello-safe")
def safe_template_variable():
    name = request.args.get("name", "world")
    return render_template_string(GREETING, name=name)


@app.route("/page-safe")
def safe_file_template():
    return render_template("page.html", body=request.form["body"])


def safe_django_template_constant(request):
    template = DjangoTemplate("<p>{{ comment }}</p>")
    return HttpResponse(template.render(Context({"comment": request.POST["comment"]})))


@api.get("/card-safe", response_class=HTMLResponse)
def safe_fastapi_env_variable(title: str):
    return env.from_string("<div class='card'>{{ title }}</div>").render(title=title)


@app.route("/mail/preview-safe")
def safe_jinja_named_template():
    return env.get_template("mail.txt").render(text=request.args["text"])


@app.route("/greeting-safe")
def safe_choice_of_templates():
    kind = request.args.get("kind", "short")
    template = {"short": "<p>Hi {{ user }}</p>", "long": "<p>Hello there, {{ user }}</p>"}.get(kind, "")
    return render_template_string(template, user="me")


def safe_django_engine_named(request):
    return HttpResponse(engines["django"].get_template("snippet.html").render({"s": request.GET["snippet"]}))


@app.route("/report-safe")
def safe_mako_constant():
    return MakoTemplate("<p>${title | h}</p>").render(title=request.args["layout"])


@app.route("/banner-safe")
def safe_header_as_variable():
    return render_template_string("<b>{{ banner }}</b>", banner=request.headers.get("X-Banner", ""))


@api.post("/render-safe", response_class=HTMLResponse)
async def safe_fastapi_template_by_id(payload: dict):
    template_id = int(payload["template"])
    return env.get_template("t%d.html" % template_id).render()
