# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import urllib.request

import requests
import uvicorn
from flask import Flask

app = Flask(__name__)


def positives(url, sock):
    # ruleid: gatecheck.python.bind-all-interfaces
    app.run(host="0.0.0.0", port=8000)
    # ruleid: gatecheck.python.bind-all-interfaces
    uvicorn.run("main:app", host="0.0.0.0")
    # ruleid: gatecheck.python.bind-all-interfaces
    sock.bind(("0.0.0.0", 9000))
    # ruleid: gatecheck.python.bind-all-interfaces
    sock.bind(("", 9000))
    # ruleid: gatecheck.python.request-without-timeout
    r1 = requests.get(url)
    # ruleid: gatecheck.python.request-without-timeout
    r2 = requests.post(url, json={"a": 1})
    # ruleid: gatecheck.python.request-without-timeout
    r3 = urllib.request.urlopen(url)
    return r1, r2, r3


def negatives(url, sock, options):
    # ok: gatecheck.python.bind-all-interfaces
    app.run(host="127.0.0.1", port=8000)
    # ok: gatecheck.python.bind-all-interfaces
    sock.bind(("127.0.0.1", 9000))
    # ok: gatecheck.python.request-without-timeout
    r1 = requests.get(url, timeout=10)
    # ok: gatecheck.python.request-without-timeout
    r2 = requests.post(url, json={}, timeout=(3.05, 27))
    # ok: gatecheck.python.request-without-timeout
    r3 = requests.get(url, **options)
    # ok: gatecheck.python.request-without-timeout
    r4 = urllib.request.urlopen(url, timeout=5)
    return r1, r2, r3, r4
