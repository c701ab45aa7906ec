# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import ssl

import httpx
import requests


def positives(url, session):
    # ruleid: gatecheck.python.tls-verify-disabled
    r1 = requests.get(url, verify=False, timeout=5)
    # ruleid: gatecheck.python.tls-verify-disabled
    r2 = httpx.post(url, verify=False)
    # ruleid: gatecheck.python.tls-verify-disabled
    session.verify = False
    # ruleid: gatecheck.python.tls-verify-disabled
    ctx = ssl._create_unverified_context()
    other = ssl.create_default_context()
    # ruleid: gatecheck.python.tls-verify-disabled
    other.check_hostname = False
    # ruleid: gatecheck.python.tls-verify-disabled
    other.verify_mode = ssl.CERT_NONE
    return r1, r2, ctx


def negatives(url):
    # ok: gatecheck.python.tls-verify-disabled
    r1 = requests.get(url, timeout=5)
    # ok: gatecheck.python.tls-verify-disabled
    r2 = requests.get(url, verify="/etc/ssl/corp-ca.pem", timeout=5)
    ctx = ssl.create_default_context()
    # ok: gatecheck.python.tls-verify-disabled
    ctx.verify_mode = ssl.CERT_REQUIRED
    return r1, r2
