# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import os
import subprocess
from subprocess import Popen


def positives(user_input, name):
    # ruleid: gatecheck.python.subprocess-shell-true
    subprocess.check_output("generate-report --name " + name, shell=True)
    # ruleid: gatecheck.python.subprocess-shell-true
    subprocess.run(f"ls {user_input}", shell=True, check=True)
    # ruleid: gatecheck.python.subprocess-shell-true
    Popen("grep %s /var/log/app.log" % user_input, shell=True)
    cmd = "rm -rf " + user_input
    # ruleid: gatecheck.python.subprocess-shell-true
    subprocess.call(cmd, shell=True)
    # ruleid: gatecheck.python.subprocess-shell-true-literal
    subprocess.call("ls -l | wc -l", shell=True)
    # ruleid: gatecheck.python.os-system-injection
    os.system("convert " + name)
    # ruleid: gatecheck.python.os-system-injection
    os.popen(f"cat {name}")
    # ruleid: gatecheck.python.os-system-injection
    subprocess.getoutput("whois " + user_input)


def negatives(user_input, name):
    # ok: gatecheck.python.subprocess-shell-true
    subprocess.run(["ls", user_input], check=True)
    # ok: gatecheck.python.subprocess-shell-true
    subprocess.run(["ls", user_input], shell=False)
    # ok: gatecheck.python.subprocess-shell-true
    subprocess.check_output(["generate-report", "--name", name])
    # ok: gatecheck.python.subprocess-shell-true-literal
    subprocess.call(["ls", "-l"])
    # ok: gatecheck.python.os-system-injection
    os.system("make clean")
    # ok: gatecheck.python.os-system-injection
    subprocess.getoutput("uptime")
