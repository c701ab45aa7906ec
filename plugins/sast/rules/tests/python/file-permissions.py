# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import os
import stat


def publish(path):
    # ruleid: gatecheck.python.insecure-file-permissions
    os.chmod(path, 0o777)
    # ruleid: gatecheck.python.insecure-file-permissions
    os.chmod(path, stat.S_IRWXU | stat.S_IWOTH)
    # ruleid: gatecheck.python.insecure-file-permissions
    os.makedirs(path, mode=0o777, exist_ok=True)
    # ok: gatecheck.python.insecure-file-permissions
    os.chmod(path, 0o644)
    # ok: gatecheck.python.insecure-file-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    # ok: gatecheck.python.insecure-file-permissions
    os.makedirs(path, 0o755, exist_ok=True)
