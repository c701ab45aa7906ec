# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Open redirect: request data choosing where the response sends the browser.
from urllib.parse import urlparse

from django.http import HttpResponseRedirect
from django.shortcuts import redirect as django_redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, make_response, redirect, request, session, url_for

app = Flask(__name__)
api = FastAPI()


@app.route("/login/done")
def vuln_next_parameter():
    target = request.args.get("next", "/")
    return redirect(target)


@app.route("/logout")
def vuln_referrer_header():
    session.clear()
    return redirect(request.referrer or "/")


def vuln_django_response_redirect(request):
    return HttpResponseRedirect(request.GET.get("return_to", "/"))


def vuln_django_shortcut_post(request):
    destination = request.POST["destination"]
    return django_redirect(destination)


@api.get("/sso/callback")
def vuln_fastapi_redirect_response(state: str):
    return RedirectResponse(url=state)


@app.route("/out")
def vuln_location_header():
    response = make_response("", 302)
    response.headers["Location"] = request.args["to"]
    return response


@app.route("/lang")
def vuln_redirect_built_from_host():
    host = request.args["host"]
    return redirect("https://" + host + "/home")


@app.route("/home")
def vuln_slash_prefix_then_value():
    # "/" + "/evil.example" is "//evil.example": a protocol-relative URL to another site.
    lang = request.args["lang"]
    return redirect("/" + lang + "/home")


@app.route("/home-safe")
def safe_relative_fixed_segment():
    section = request.args["section"]
    return redirect("/help/" + section)


def vuln_django_location_item(request):
    response = HttpResponseRedirect("/")
    response["Location"] = request.GET["url"]
    return response


@app.route("/go")
def vuln_cookie_target():
    saved = request.cookies.get("after_login")
    return redirect(saved)


@api.post("/forms/done")
def vuln_fastapi_form_field(next_url: str):
    return RedirectResponse(next_url, status_code=303)


@app.route("/login/done-safe")
def safe_netloc_check():
    target = request.args.get("next", "/")
    if urlparse(target).netloc:
        target = "/"
    return redirect(target)


@app.route("/logout-safe")
def safe_url_for():
    session.clear()
    return redirect(url_for("index"))


def safe_django_allowed_host_check(request):
    target = request.GET.get("return_to", "/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect("/")


def safe_django_reverse(request):
    slug = request.POST["slug"]
    return django_redirect(reverse("article-detail", kwargs={"slug": slug}))


@api.get("/sso/callback-safe")
def safe_fastapi_fixed_target(state: str):
    return RedirectResponse(url="/dashboard?state=" + state)


@app.route("/out-safe")
def safe_location_fixed_path():
    response = make_response("", 302)
    response.headers["Location"] = "/search?q=" + request.args["q"]
    return response


@app.route("/lang-safe")
def safe_redirect_to_own_path():
    lang = request.args["lang"]
    return redirect("/settings/" + lang)


def safe_django_path_redirect(request):
    return HttpResponseRedirect(request.path + "?sent=1")


@app.route("/go-safe")
def safe_allow_listed_target():
    saved = request.cookies.get("after_login")
    if saved not in ("/orders", "/profile", "/settings"):
        saved = "/"
    return redirect(saved)


@api.post("/forms/done-safe")
def safe_fastapi_numeric_page(page: int):
    return RedirectResponse("/forms?page=%d" % page, status_code=303)
