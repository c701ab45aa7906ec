# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import os
import subprocess
import sys

import paramiko


def archive(name):
    # ruleid: gatecheck.python.subprocess-shell-true
    subprocess.run("tar czf backup.tgz " + name, shell=True)
    # ruleid: gatecheck.python.subprocess-shell-true
    subprocess.check_output(args=f"du -sh {name}", shell=True)
    # ok: gatecheck.python.subprocess-shell-true
    subprocess.run("/bin/tar czf backup.tgz " + shlex.quote(name), shell=True)
    # ok: gatecheck.python.subprocess-shell-true
    subprocess.run(["/bin/tar", "czf", "backup.tgz", "."])
    # ruleid: gatecheck.python.subprocess-shell-true-literal
    subprocess.run("/usr/bin/uptime", shell=True)


def constant():
    # ruleid: gatecheck.python.subprocess-shell-true-literal
    subprocess.call("/usr/bin/uptime", shell=True)
    # ruleid: gatecheck.python.subprocess-shell-true-literal
    os.system("/usr/bin/clear")
    # ok: gatecheck.python.subprocess-shell-true-literal
    subprocess.call(["/usr/bin/uptime"])


def cleanup(directory):
    # ruleid: gatecheck.python.os-system-injection
    os.system("/bin/rm -rf " + directory)
    # ruleid: gatecheck.python.os-system-injection
    stream = os.popen(f"/bin/ls {directory}")
    # ok: gatecheck.python.os-system-injection
    os.system("/bin/rm -rf " + shlex.quote(directory))
    # ok: gatecheck.python.os-system-injection
    os.system(shlex.join(["/bin/rm", "-rf", directory]))
    return stream


def wrappers(cmd):
    # ruleid: gatecheck.python.shell-true-other-call
    fabric_run(cmd, shell=True)
    # ok: gatecheck.python.shell-true-other-call
    subprocess.Popen(["/bin/echo", "hi"])


def no_shell(path, program):
    # ruleid: gatecheck.python.subprocess-without-shell
    subprocess.run(["/usr/bin/file", path])
    # ruleid: gatecheck.python.subprocess-without-shell
    subprocess.Popen(program)
    # ok: gatecheck.python.subprocess-without-shell
    subprocess.run(["/usr/bin/uptime"])
    # ok: gatecheck.python.subprocess-without-shell
    subprocess.run([sys.executable, "-m", "pip", "--version"])
    # ruleid: gatecheck.python.process-without-shell
    os.execv(program, [program, path])
    # ok: gatecheck.python.process-without-shell
    os.execl("/usr/bin/true", "true")


def partial():
    # ruleid: gatecheck.python.process-partial-path
    subprocess.run(["git", "status"])
    # ruleid: gatecheck.python.process-partial-path, gatecheck.python.subprocess-shell-true-literal
    os.system("ls -l")
    # ok: gatecheck.python.process-partial-path
    subprocess.run(["/usr/bin/git", "status"])


def wildcards():
    # ruleid: gatecheck.python.shell-wildcard, gatecheck.python.subprocess-shell-true-literal
    os.system("/bin/tar czf /backup/all.tgz *")
    # ruleid: gatecheck.python.shell-wildcard, gatecheck.python.subprocess-shell-true-literal
    subprocess.Popen("/bin/chown root:root *", shell=True)
    # ok: gatecheck.python.shell-wildcard
    subprocess.Popen(["/bin/tar", "czf", "/backup/all.tgz", "--", "a"])


def remote(host, name):
    client = paramiko.SSHClient()
    client.connect(host)
    # ruleid: gatecheck.python.paramiko-exec-command
    client.exec_command("cat /var/log/" + name)
    # ok: gatecheck.python.paramiko-exec-command
    client.exec_command("uptime")
