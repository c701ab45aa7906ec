# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Insecure randomness: predictable values used where an attacker must not guess them.
import random
import secrets
import string
import uuid

from django.http import HttpResponse
from fastapi import FastAPI, Response
from flask import Flask, jsonify, make_response, session

app = Flask(__name__)
api = FastAPI()
ALPHABET = string.ascii_letters + string.digits


@app.route("/password/reset")
def vuln_reset_token_random_choice():
    token = "".join(random.choice(ALPHABET) for _ in range(32))
    RESETS[token] = session["user_id"]
    return jsonify(sent=True)


@app.route("/remember")
def vuln_cookie_from_getrandbits():
    value = str(random.getrandbits(64))
    resp = make_response("ok")
    resp.set_cookie("remember_me", value, secure=True, httponly=True)
    return resp


def vuln_django_otp(request):
    code = random.randint(100000, 999999)
    send_sms(request.user.phone, "Your code is %d" % code)
    request.session["otp"] = code
    return HttpResponse("sent")


@api.post("/keys")
def vuln_fastapi_api_key():
    api_key = "".join(random.choices(ALPHABET, k=40))
    return {"api_key": api_key}


def generate_session_id():
    return "%032x" % random.getrandbits(128)


@app.route("/invite")
def vuln_invite_code_random_random():
    invite_code = hex(int(random.random() * 10**12))
    return jsonify(invite=invite_code)


@app.route("/csrf")
def vuln_csrf_token_seeded():
    rng = random.Random()
    csrf_token = "".join(rng.choice(ALPHABET) for _ in range(24))
    session["csrf"] = csrf_token
    return jsonify(token=csrf_token)


def vuln_django_salt(request):
    salt = "".join(random.sample(ALPHABET, 16))
    return HttpResponse(hash_password(request.POST["password"], salt))


@api.get("/nonce")
def vuln_fastapi_nonce(response: Response):
    nonce = random.randrange(1 << 62)
    response.headers["X-Nonce"] = str(nonce)
    return {"nonce": nonce}


@app.route("/temp-password")
def vuln_temporary_password():
    temp_password = "".join(random.choice(ALPHABET) for _ in range(12))
    return jsonify(password=temp_password)


@app.route("/activation")
def vuln_activation_link():
    activation = random.randbytes(16).hex()
    return jsonify(link="/activate/" + activation)


@app.route("/password/reset-safe")
def safe_reset_token_secrets():
    token = secrets.token_urlsafe(32)
    RESETS[token] = session["user_id"]
    return jsonify(sent=True)


@app.route("/remember-safe")
def safe_cookie_from_token_hex():
    resp = make_response("ok")
    resp.set_cookie("remember_me", secrets.token_hex(16), secure=True, httponly=True)
    return resp


def safe_django_otp(request):
    code = secrets.randbelow(900000) + 100000
    request.session["otp"] = code
    return HttpResponse("sent")


@api.post("/keys-safe")
def safe_fastapi_api_key():
    api_key = "".join(secrets.choice(ALPHABET) for _ in range(40))
    return {"api_key": api_key}


@app.route("/invite-safe")
def safe_system_random():
    rng = random.SystemRandom()
    invite_code = "".join(rng.choice(ALPHABET) for _ in range(12))
    return jsonify(invite=invite_code)


@app.route("/csrf-safe")
def safe_uuid4_token():
    csrf_token = uuid.uuid4().hex
    session["csrf"] = csrf_token
    return jsonify(token=csrf_token)


def safe_django_shuffle_display(request):
    products = list(FEATURED)
    random.shuffle(products)
    return HttpResponse(", ".join(p.name for p in products))


@api.get("/retry-after")
def safe_fastapi_jitter(response: Response):
    delay = 30 + random.uniform(0, 5)
    response.headers["Retry-After"] = str(int(delay))
    return {"retry": True}


@app.route("/sample")
def safe_ab_test_bucket():
    bucket = random.random() < 0.1
    return jsonify(experiment=bucket)


@app.route("/temp-password-safe")
def safe_token_bytes():
    return jsonify(password=secrets.token_urlsafe(9))
