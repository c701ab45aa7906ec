# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import ftplib
import telnetlib
import urllib.request

import requests
import uvicorn
from flask import Flask
from pysnmp.hlapi import CommunityData, UsmUserData

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
    r2 = requests.post(url, json={"a": 1}, timeout=None)
    # ruleid: gatecheck.python.request-without-timeout, gatecheck.python.urlopen-any-scheme
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
    # ruleid: gatecheck.python.urlopen-any-scheme
    r4 = urllib.request.urlopen(url, timeout=5)
    return r1, r2, r3, r4


def cleartext(host):
    # ruleid: gatecheck.python.cleartext-protocol
    tn = telnetlib.Telnet(host)
    # ruleid: gatecheck.python.cleartext-protocol
    ftp = ftplib.FTP(host)
    # ok: gatecheck.python.cleartext-protocol
    ftps = ftplib.FTP_TLS(host)
    return tn, ftp, ftps


def open_any(url):
    # ruleid: gatecheck.python.urlopen-any-scheme, gatecheck.python.request-without-timeout
    data = urllib.request.urlopen(url).read()
    # ok: gatecheck.python.urlopen-any-scheme
    fixed = urllib.request.urlopen("https://example.com/feed", timeout=5).read()
    if url.startswith(("https://", "http://")):
        # ok: gatecheck.python.urlopen-any-scheme
        checked = urllib.request.urlopen(url, timeout=5).read()
    return data, fixed, checked


def snmp(engine):
    # ruleid: gatecheck.python.snmp-insecure
    community = CommunityData("public", mpModel=0)
    # ruleid: gatecheck.python.snmp-insecure
    user = UsmUserData("monitor")
    # ok: gatecheck.python.snmp-insecure
    secure = UsmUserData("monitor", "authkey1", "privkey1", authProtocol=usmHMACSHAAuthProtocol)
    return community, user, secure


# ruleid: gatecheck.python.bind-all-interfaces
LISTEN_ADDRESS = "0.0.0.0"
# ok: gatecheck.python.bind-all-interfaces
DEFAULT_ROUTE = "0.0.0.0"
