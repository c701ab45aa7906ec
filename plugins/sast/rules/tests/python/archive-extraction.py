# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import shutil
import tarfile
import zipfile


def positives(upload, dest):
    # ruleid: gatecheck.python.tarfile-extract-unfiltered
    tarfile.open(upload).extractall(dest)
    with tarfile.open(upload) as tar:
        # ruleid: gatecheck.python.tarfile-extract-unfiltered
        tar.extractall(path=dest)
    archive = tarfile.open(upload, "r:gz")
    for member in archive.getmembers():
        # ruleid: gatecheck.python.tarfile-extract-unfiltered
        archive.extract(member, dest)
    # ruleid: gatecheck.python.tarfile-extract-unfiltered
    shutil.unpack_archive(upload, dest)


def negatives(upload, dest):
    with tarfile.open(upload) as tar:
        # ok: gatecheck.python.tarfile-extract-unfiltered
        tar.extractall(dest, filter="data")
    # ok: gatecheck.python.tarfile-extract-unfiltered
    shutil.unpack_archive(upload, dest, filter="data")
    with zipfile.ZipFile(upload) as zf:
        # ok: gatecheck.python.tarfile-extract-unfiltered
        zf.extractall(dest)
