# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import ftplib  # expect: B402
import telnetlib  # expect: B401
import urllib.request
import xmlrpc.client  # expect: B411
from wsgiref.handlers import CGIHandler  # expect: B412

import pyghmi.ipmi.command  # expect: B415
import requests
from pysnmp.hlapi import CommunityData, UsmUserData


def fetch(url, host):
    r1 = requests.get(url)  # expect: B113
    r2 = requests.post(url, data={"a": 1})  # expect: B113
    r3 = requests.get(url, verify=False, timeout=10)  # expect: B501
    r4 = requests.delete(url, verify=False)  # expect: B113, B501
    page = urllib.request.urlopen(url, timeout=10)  # expect: B310
    tn = telnetlib.Telnet(host)  # expect: B312
    ftp = ftplib.FTP(host)  # expect: B321
    return r1, r2, r3, r4, page, tn, ftp


def snmp():
    community = CommunityData("public", mpModel=0)  # expect: B508
    user = UsmUserData("monitor")  # expect: B509
    return community, user
