# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes): uses bandit reports that
# gatecheck leaves out by design (a fixed program or code, SQL text that reaches no database call).
import os
import subprocess

import requests


def fixed(a, url):
    subprocess.run(["/bin/ls", "-l"])  # expect: B603
    os.execl("/usr/bin/true", "true")  # expect: B606
    exec("print('ready')")  # expect: B102
    query = "SELECT * FROM accounts WHERE owner = '%s'" % a  # expect: B608
    requests.get(url, timeout=None)  # expect: B113
    return query
