# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import tempfile


def positives(data):
    # ruleid: gatecheck.python.tempfile-mktemp
    name = tempfile.mktemp(suffix=".csv")
    # ruleid: gatecheck.python.tempfile-mktemp
    other = os.tempnam("/var/spool")
    # ruleid: gatecheck.python.hardcoded-tmp-path
    with open("/tmp/report.csv", "w") as fh:
        fh.write(data)
    # ruleid: gatecheck.python.hardcoded-tmp-path
    UPLOAD_DIR = "/tmp/orders-uploads"
    return name, UPLOAD_DIR


def negatives(data):
    # ok: gatecheck.python.tempfile-mktemp
    fd, name = tempfile.mkstemp(suffix=".csv")
    # ok: gatecheck.python.tempfile-mktemp
    with tempfile.NamedTemporaryFile("w") as fh:
        fh.write(data)
    # ok: gatecheck.python.hardcoded-tmp-path
    with open("/var/lib/app/report.csv", "w") as fh:
        fh.write(data)
    # ok: gatecheck.python.hardcoded-tmp-path
    label = "/tmpl/x"
    return fd, name, label
