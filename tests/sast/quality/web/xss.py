# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Cross-site scripting: request data in an HTML response without escaping.
import html
import json

import bleach
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import escape as django_escape, format_html
from django.utils.safestring import mark_safe
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, Response, jsonify, make_response, render_template, request
from markupsafe import Markup, escape

app = Flask(__name__)
api = FastAPI()


@app.route("/search")
def vuln_returned_string():
    q = request.args.get("q", "")
    return "<h2>Results for " + q + "</h2>"


@app.route("/greet")
def vuln_fstring_through_variable():
    name = request.args.get("name", "guest")
    body = f"<p>Welcome back, {name}!</p>"
    page = "<html><body>" + body + "</body></html>"
    return page


@app.route("/comment", methods=["POST"])
def vuln_markup_of_user_text():
    text = request.form["text"]
    return render_template("comment.html", comment=Markup(text))


def vuln_django_httpresponse(request):
    title = request.GET.get("title", "")
    return HttpResponse("<h1>%s</h1>" % title)


def vuln_django_mark_safe(request):
    bio = request.POST["bio"]
    return render(request, "profile.html", {"bio": mark_safe(bio)})


@api.get("/page", response_class=HTMLResponse)
def vuln_fastapi_html_response(title: str):
    return HTMLResponse(content="<title>" + title + "</title>")


@app.route("/error")
def vuln_make_response_format():
    msg = request.args["msg"]
    return make_response("<div class='error'>{}</div>".format(msg), 400)


@app.route("/list")
def vuln_join_of_items():
    items = request.args.getlist("item")
    return "<ul>" + "".join("<li>" + i + "</li>" for i in items) + "</ul>"


def vuln_django_format_html_preformatted(request):
    user = request.GET["user"]
    return HttpResponse(format_html("<b>" + user + "</b>"))


@app.route("/ua")
def vuln_header_reflected():
    agent = request.headers.get("User-Agent")
    return Response("<pre>" + agent + "</pre>")


@app.route("/search-safe")
def safe_escaped_string():
    q = request.args.get("q", "")
    return "<h2>Results for " + escape(q) + "</h2>"


@app.route("/greet-safe")
def safe_template_render():
    return render_template("greet.html", name=request.args.get("name", "guest"))


@app.route("/comment-safe", methods=["POST"])
def safe_bleach_clean_then_markup():
    text = bleach.clean(request.form["text"], tags=["b", "i"])
    return render_template("comment.html", comment=Markup(text))


def safe_django_escape(request):
    title = request.GET.get("title", "")
    return HttpResponse("<h1>%s</h1>" % django_escape(title))


def safe_django_render_context(request):
    return render(request, "profile.html", {"bio": request.POST["bio"]})


@api.get("/page-safe", response_class=HTMLResponse)
def safe_fastapi_html_escape(title: str):
    return HTMLResponse(content="<title>" + html.escape(title) + "</title>")


@app.route("/error-safe")
def safe_json_response():
    return jsonify(error=request.args["msg"]), 400


@app.route("/list-safe")
def safe_plain_text_response():
    items = request.args.getlist("item")
    return Response("\n".join(items), mimetype="text/plain")


def safe_django_format_html_args(request):
    return HttpResponse(format_html("<b>{}</b>", request.GET["user"]))


@app.route("/ua-safe")
def safe_numeric_value():
    size = int(request.args.get("size", "10"))
    return "<div style='width:%dpx'></div>" % size


def _banner(text):
    return Markup("<div class='banner'>" + text + "</div>")


@app.route("/banner")
def vuln_through_helper_function():
    return render_template("page.html", banner=_banner(request.args["msg"]))


@app.route("/banner-safe")
def safe_length_only():
    message = request.args["msg"]
    return "<p>Your message has %d characters</p>" % len(message)
