# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Insecure deserialization: client-supplied bytes loaded with a format that constructs objects.
import base64
import json
import marshal
import pickle

import jsonpickle
import numpy as np
import torch
import yaml
from django.http import JsonResponse
from fastapi import FastAPI, Request, UploadFile
from flask import Flask, jsonify, request

app = Flask(__name__)
api = FastAPI()


@app.post("/restore")
def vuln_pickle_body():
    state = pickle.loads(request.data)
    return jsonify(keys=list(state))


@app.route("/cart")
def vuln_pickle_cookie_base64():
    blob = base64.b64decode(request.cookies["cart"])
    cart = pickle.loads(blob)
    return jsonify(items=len(cart))


def vuln_django_yaml_unsafe(request):
    config = yaml.load(request.body, Loader=yaml.UnsafeLoader)
    return JsonResponse({"keys": list(config)})


@api.post("/import")
async def vuln_fastapi_yaml_full_loader(request: Request):
    body = await request.body()
    return {"n": len(yaml.load(body, Loader=yaml.FullLoader))}


@app.post("/upload-model")
def vuln_torch_load_upload():
    model = torch.load(request.files["model"])
    return jsonify(type=type(model).__name__)


@app.post("/jsonpickle")
def vuln_jsonpickle_decode():
    obj = jsonpickle.decode(request.get_data(as_text=True))
    return jsonify(type=type(obj).__name__)


def vuln_django_marshal(request):
    code = marshal.loads(request.FILES["code"].read())
    return JsonResponse({"name": code.co_name})


@api.post("/arrays")
async def vuln_fastapi_numpy_allow_pickle(file: UploadFile):
    array = np.load(file.file, allow_pickle=True)
    return {"shape": list(array.shape)}


@app.route("/session-restore")
def vuln_pickle_header():
    token = request.headers["X-State"]
    state = pickle.loads(base64.urlsafe_b64decode(token.encode()))
    return jsonify(state=str(state))


@app.post("/yaml-all")
def vuln_yaml_load_all():
    docs = list(yaml.load_all(request.data, Loader=yaml.Loader))
    return jsonify(n=len(docs))


@app.post("/restore-safe")
def safe_json_body():
    state = json.loads(request.data)
    return jsonify(keys=list(state))


@app.route("/cart-safe")
def safe_signed_json_cookie():
    cart = SIGNER.loads(request.cookies["cart"])
    return jsonify(items=len(cart))


def safe_django_yaml_safe_load(request):
    config = yaml.safe_load(request.body)
    return JsonResponse({"keys": list(config)})


@api.post("/import-safe")
async def safe_fastapi_yaml_safe_loader(request: Request):
    body = await request.body()
    return {"n": len(yaml.load(body, Loader=yaml.SafeLoader))}


@app.post("/upload-model-safe")
def safe_torch_weights_only():
    weights = torch.load(request.files["model"], weights_only=True)
    return jsonify(n=len(weights))


@app.post("/jsonpickle-safe")
def safe_json_decode():
    obj = json.loads(request.get_data(as_text=True))
    return jsonify(type=type(obj).__name__)


def safe_django_own_cache(request):
    with open("/var/cache/shop/catalog.pickle", "rb") as fh:
        catalog = pickle.load(fh)
    return JsonResponse({"n": len(catalog)})


@api.post("/arrays-safe")
async def safe_fastapi_numpy_default(file: UploadFile):
    array = np.load(file.file)
    return {"shape": list(array.shape)}


@app.route("/session-restore-safe")
def safe_deep_copy_round_trip():
    state = {"user": request.headers["X-User"]}
    copy = pickle.loads(pickle.dumps(state))
    return jsonify(state=copy)


@app.post("/yaml-all-safe")
def safe_yaml_safe_load_all():
    docs = list(yaml.safe_load_all(request.data))
    return jsonify(n=len(docs))


def _load_state(blob):
    return pickle.loads(blob)


@app.post("/restore-helper")
def vuln_through_helper_function():
    return jsonify(keys=list(_load_state(request.data)))


@app.post("/restore-signed")
def safe_hmac_verified_then_json():
    body = request.data
    if not hmac_ok(body, request.headers["X-Signature"]):
        return "forbidden", 403
    return jsonify(keys=list(json.loads(body)))
