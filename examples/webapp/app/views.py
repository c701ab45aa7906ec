"""HTTP handlers for the orders service."""

import hashlib
import os
import pickle
import subprocess

import requests
import yaml
from flask import Flask, request
from sqlalchemy import create_engine, text

from app import settings

app = Flask(__name__)
engine = create_engine(settings.DATABASE_URL)


@app.route("/orders/<customer>")
def orders_for(customer):
    # SQL built by string formatting: injectable.
    query = "SELECT id, total FROM orders WHERE customer = '%s'" % customer
    with engine.connect() as conn:
        rows = conn.execute(text(query)).fetchall()
    return {"orders": [dict(r._mapping) for r in rows]}


@app.route("/import", methods=["POST"])
def import_orders():
    # Unsafe YAML loading of a request body.
    data = yaml.load(request.data)
    return {"imported": len(data or [])}


@app.route("/restore", methods=["POST"])
def restore():
    # Unpickling untrusted input.
    state = pickle.loads(request.data)
    return {"restored": len(state)}


@app.route("/report/<name>")
def report(name):
    # Shell command built from user input.
    output = subprocess.check_output("generate-report --name " + name, shell=True)
    return output


@app.route("/rates")
def rates():
    # TLS verification disabled and no timeout.
    response = requests.get("https://rates.example.com/today", verify=False)
    return response.json()


def token_for(user_id):
    # Weak hash for a security token.
    return hashlib.md5(str(user_id).encode()).hexdigest()


def save_upload(name, payload):
    path = os.path.join(settings.UPLOAD_DIR, name)
    with open(path, "wb") as fh:
        fh.write(payload)
    return path


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=settings.DEBUG)
