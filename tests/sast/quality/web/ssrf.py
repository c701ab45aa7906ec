# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Server-side request forgery: request data choosing where the server connects.
import urllib.request
from urllib.parse import quote, urlparse

import aiohttp
import httpx
import requests
from django.http import HttpResponse, JsonResponse
from fastapi import FastAPI
from flask import Flask, abort, jsonify, request

app = Flask(__name__)
api = FastAPI()
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}
WEATHER_API = "https://api.weather.example/v1/"


@app.route("/fetch")
def vuln_requests_get_param():
    url = request.args["url"]
    return requests.get(url, timeout=5).text


@app.route("/preview")
def vuln_urlopen_form():
    target = request.form.get("link")
    with urllib.request.urlopen(target, timeout=5) as resp:
        return resp.read()


def vuln_django_httpx(request):
    feed = request.GET["feed"]
    return HttpResponse(httpx.get(feed, timeout=5).content)


@api.get("/proxy")
def vuln_fastapi_session(target: str):
    with requests.Session() as session:
        return {"status": session.get(target, timeout=5).status_code}


@app.post("/webhook/test")
def vuln_json_body_url():
    hook = request.get_json()["callback"]
    requests.post(hook, json={"ping": True}, timeout=5)
    return "sent"


@app.route("/avatar-import")
def vuln_scheme_and_host_from_user():
    host = request.args["host"]
    return requests.get("https://" + host + "/avatar.png", timeout=5).content


@api.get("/aio")
async def vuln_aiohttp_client(source: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(source) as resp:
            return {"status": resp.status}


def vuln_django_header_url(request):
    origin = request.headers.get("X-Origin-Url")
    return JsonResponse(requests.get(origin, timeout=5).json())


@app.route("/image")
def vuln_url_built_with_format():
    server = request.args["server"]
    url = "http://{}/status".format(server)
    return requests.get(url, timeout=3).text


@api.post("/import")
def vuln_fastapi_httpx_client(url: str):
    with httpx.Client() as client:
        return client.get(url).json()


@app.route("/fetch-safe")
def safe_fixed_host_path_param():
    city = request.args["city"]
    return requests.get(WEATHER_API + quote(city), timeout=5).text


@app.route("/preview-safe")
def safe_host_allow_list():
    target = request.form.get("link", "")
    if urlparse(target).hostname not in ALLOWED_HOSTS:
        abort(400)
    return requests.get("https://images.example.com/" + quote(urlparse(target).path), timeout=5).content


def safe_django_fixed_url(request):
    return HttpResponse(httpx.get("https://status.example.com/health", timeout=5).content)


@api.get("/proxy-safe")
def safe_fastapi_fstring_fixed_host(item: str):
    with requests.Session() as session:
        return {"status": session.get(f"https://api.example.com/items/{quote(item)}", timeout=5).status_code}


@app.post("/webhook/test-safe")
def safe_registered_webhook():
    hook_id = int(request.get_json()["hook"])
    hook = WEBHOOKS[hook_id]
    requests.post(hook, json={"ping": True}, timeout=5)
    return "sent"


@app.route("/avatar-import-safe")
def safe_query_param_to_fixed_host():
    user = request.args["user"]
    return requests.get("https://avatars.example.com/u", params={"name": user}, timeout=5).content


@api.get("/aio-safe")
async def safe_aiohttp_fixed(source: str):
    async with aiohttp.ClientSession() as session:
        async with session.get("https://feeds.example.com/latest", params={"q": source}) as resp:
            return {"status": resp.status}


def safe_django_header_logged(request):
    origin = request.headers.get("X-Origin-Url")
    LOG.info("origin %s", origin)
    return JsonResponse(requests.get("https://api.example.com/me", timeout=5).json())


@app.route("/image-safe")
def safe_host_from_mapping():
    server = request.args["server"]
    url = {"eu": "https://eu.example.com/status", "us": "https://us.example.com/status"}.get(server)
    if url is None:
        abort(404)
    return requests.get(url, timeout=3).text


@api.post("/import-safe")
def safe_fastapi_id_in_path(item_id: int):
    with httpx.Client() as client:
        return client.get("https://inventory.example.com/items/%d" % item_id).json()


def _fetch(url):
    return requests.get(url, timeout=5).content


@app.route("/mirror")
def vuln_through_helper_function():
    return _fetch(request.args["url"])


@app.route("/mirror-safe")
def safe_overwritten_url():
    url = request.args.get("url")
    url = "https://mirror.example.com/index.html"
    return requests.get(url, timeout=5).content
