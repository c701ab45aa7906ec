# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import logging.config
import os
import tempfile


def plugin(source, expression, namespace):
    exec(source, namespace)  # expect: B102
    value = eval(expression)  # expect: B307
    assert namespace, "empty namespace"  # expect: B101
    logging.config.listen(9020)  # expect: B612
    return value


def workspace(path):
    os.chmod(path, 0o777)  # expect: B103
    os.chmod(path + "/run.sh", 0o757)  # expect: B103
    scratch = tempfile.mktemp(suffix=".json")  # expect: B306
    report = "/tmp/report.csv"  # expect: B108
    with open("/var/tmp/cache.db", "wb") as fh:  # expect: B108
        fh.write(b"")
    return scratch, report


def tolerant(items):
    for item in items:
        try:  # expect: B112
            handle(item)
        except Exception:
            continue
    try:  # expect: B110
        cleanup()
    except:
        pass


HOST = "0.0.0.0"  # expect: B104


def serve(sock):
    sock.bind(("0.0.0.0", 8080))  # expect: B104
