# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Weak hashing: MD5/SHA-1 protecting passwords, tokens or integrity.
import hashlib
import hmac

from Crypto.Hash import MD5, SHA1
from cryptography.hazmat.primitives import hashes
from django.http import HttpResponse
from fastapi import FastAPI
from flask import Flask, jsonify, request

app = Flask(__name__)
api = FastAPI()


@app.post("/register")
def vuln_md5_password():
    password = request.form["password"]
    USERS[request.form["user"]] = hashlib.md5(password.encode()).hexdigest()
    return "ok"


@app.post("/token")
def vuln_sha1_token():
    token = hashlib.sha1((request.form["user"] + SECRET).encode()).hexdigest()
    return jsonify(token=token)


def vuln_django_hashlib_new(request):
    digest = hashlib.new("md5", request.POST["document"].encode()).hexdigest()
    return HttpResponse(digest)


@api.post("/checksum")
def vuln_fastapi_sha1_integrity(payload: str):
    return {"sha1": hashlib.sha1(payload.encode()).hexdigest()}


@app.route("/signature")
def vuln_pycryptodome_md5():
    h = MD5.new()
    h.update(request.args["data"].encode())
    return h.hexdigest()


@app.route("/cert-fingerprint")
def vuln_cryptography_sha1():
    digest = hashes.Hash(hashes.SHA1())
    digest.update(request.data)
    return digest.finalize().hex()


def vuln_django_sha1_new(request):
    return HttpResponse(hashlib.new("sha1", request.body).hexdigest())


@app.route("/api-key")
def vuln_md5_of_random():
    key = hashlib.md5(str(TIME()).encode()).hexdigest()
    return jsonify(key=key)


@api.get("/etag")
def vuln_fastapi_pycryptodome_sha1(content: str):
    return {"tag": SHA1.new(content.encode()).hexdigest()}


@app.post("/verify")
def vuln_md5_compare():
    supplied = request.form["digest"]
    return jsonify(ok=supplied == hashlib.md5(DOCUMENT).hexdigest())


@app.post("/register-safe")
def safe_scrypt_password():
    password = request.form["password"]
    salt = SALT()
    USERS[request.form["user"]] = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1).hex()
    return "ok"


@app.post("/token-safe")
def safe_hmac_sha256():
    token = hmac.new(SECRET, request.form["user"].encode(), hashlib.sha256).hexdigest()
    return jsonify(token=token)


def safe_django_sha256(request):
    digest = hashlib.sha256(request.POST["document"].encode()).hexdigest()
    return HttpResponse(digest)


@api.post("/checksum-safe")
def safe_fastapi_blake2b(payload: str):
    return {"blake2b": hashlib.blake2b(payload.encode()).hexdigest()}


@app.route("/cache-key")
def safe_md5_not_for_security():
    key = hashlib.md5(request.args["url"].encode(), usedforsecurity=False).hexdigest()
    return jsonify(key=key)


@app.route("/cert-fingerprint-safe")
def safe_cryptography_sha256():
    digest = hashes.Hash(hashes.SHA256())
    digest.update(request.data)
    return digest.finalize().hex()


def safe_django_hashlib_new_sha512(request):
    return HttpResponse(hashlib.new("sha512", request.body).hexdigest())


@app.route("/block-size")
def safe_block_size_property():
    return jsonify(size=hashlib.sha1().block_size)


@api.get("/etag-safe")
def safe_fastapi_sha3(content: str):
    return {"tag": hashlib.sha3_256(content.encode()).hexdigest()}


@app.post("/verify-safe")
def safe_compare_digest_sha256():
    supplied = request.form["digest"]
    return jsonify(ok=hmac.compare_digest(supplied, hashlib.sha256(DOCUMENT).hexdigest()))
