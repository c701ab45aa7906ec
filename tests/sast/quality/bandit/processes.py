# ruff: noqa  -- benchmark cases for bench/sast_quality.py: every line that ends in `# expect: B<id>` is one
# bandit's check of that id reports; the check classes, not bandit's code or tests, are the reference.
import os
import subprocess  # expect: B404
from subprocess import Popen  # expect: B404

import paramiko  # noqa


def deploy(branch, host, user_cmd, files):
    subprocess.call("git checkout " + branch, shell=True)  # expect: B602
    subprocess.Popen("make release", shell=True)  # expect: B602
    subprocess.check_output(f"scp build.tgz {host}:/srv", shell=True)  # expect: B602
    subprocess.run(["/usr/bin/rsync", "-a", files, host])  # expect: B603
    Popen([user_cmd, "--quiet"])  # expect: B603
    subprocess.check_call(user_cmd)  # expect: B603
    run_remote(user_cmd, shell=True)  # expect: B604
    os.system("rm -rf /tmp/build-" + branch)  # expect: B605
    os.popen("uptime")  # expect: B605
    os.popen(user_cmd)  # expect: B605
    os.execv(user_cmd, [user_cmd])  # expect: B606
    os.spawnlp(os.P_WAIT, user_cmd, user_cmd)  # expect: B606
    os.startfile(files)  # expect: B606
    subprocess.run(["make", "test"])  # expect: B607
    os.system("ls -l")  # expect: B605, B607
    os.system("tar czf /backup/site.tgz *")  # expect: B605, B609
    subprocess.Popen("chmod 644 *", shell=True)  # expect: B602, B609


def remote(host, name):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # expect: B507
    client.connect(host)
    client.exec_command("tail -n 100 /var/log/" + name)  # expect: B601
    client.set_missing_host_key_policy(paramiko.WarningPolicy())  # expect: B507
