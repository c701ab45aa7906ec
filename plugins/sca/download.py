"""``gatecheck db update``'s download: fetch an OSV export, check it, swap it in atomically.

The gate never reaches the network on its own; this is the one place where the user asks for a
download. :func:`update` fetches osv.dev's ``PyPI/all.zip`` (or any URL or ``file:`` path, for
air-gapped mirrors), checks that it is a zip of OSV JSON records, replaces the database only
then, and writes the manifest (:mod:`.database`) beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from pathlib import Path
from typing import Any

from gatecheck.api import BadInput, __version__, atomic_write, format_seconds, limits, utc_now

from .database import MANIFEST_FORMAT, manifest_path, read_manifest

#: osv.dev's export of every PyPI advisory (the format the ``sca`` check reads).
DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"


def count_records(archive: Path) -> int:
    """Check that ``archive`` is a zip of OSV JSON records and return how many it holds.

    Every member is parsed, so a truncated or corrupted download is refused here rather
    than discovered by a gate run.
    """
    # What was downloaded is input like any other: bounded (gatecheck.api.limits), and anything wrong
    # with it is bad input (exit 2) that keeps the previous database.
    name = "downloaded database"
    try:
        with zipfile.ZipFile(archive) as zf:
            count = 0
            for info in limits.zip_members(zf, name):
                if not info.filename.endswith(".json"):
                    continue
                record = limits.load_json(limits.read_member(zf, info, name), f"{name}: {info.filename}")
                if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                    raise BadInput(f"{info.filename} is not an OSV record (no 'id')", path=name)
                count += 1
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise BadInput(f"not a usable zip file: {exc}", path=name) from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"a member is not UTF-8 JSON: {exc}", path=name) from exc
    if count == 0:
        raise BadInput("holds no OSV records; keeping the previous one", path=name)
    return count


def update(database: Path, url: str, *, timeout: float = 120.0, force: bool = False) -> dict[str, Any]:
    """Download ``url`` into ``database`` when it changed; return the new manifest.

    A conditional request (ETag / Last-Modified of the previous download) avoids fetching
    an unchanged export again. Nothing replaces the previous database unless the new one
    is a valid, non-empty zip of OSV records.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(database) if database.is_file() else None
    headers = {"User-Agent": f"gatecheck/{__version__} (+db update)"}
    if previous and not force and previous.get("source") == url:
        if previous.get("etag"):
            headers["If-None-Match"] = str(previous["etag"])
        if previous.get("last_modified"):
            headers["If-Modified-Since"] = str(previous["last_modified"])
    request = urllib.request.Request(url, headers=headers)
    fd, tmp_name = tempfile.mkstemp(dir=database.parent, prefix=".download-", suffix=".zip")
    tmp = Path(tmp_name)
    out = os.fdopen(fd, "wb")
    try:
        digest = hashlib.sha256()
        size = 0
        try:
            with out, urllib.request.urlopen(request, timeout=timeout) as response:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                etag = response.headers.get("ETag")
                last_modified = response.headers.get("Last-Modified")
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and previous is not None:
                previous["updated_at"] = format_seconds(utc_now())
                atomic_write(manifest_path(database), json.dumps(previous, indent=2) + "\n")
                return previous
            # The operator's URL gives nothing usable: their input to fix, not a gatecheck bug (exit 2).
            raise BadInput(f"cannot download {url}: HTTP {exc.code} {exc.reason}", key="--url") from exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BadInput(f"cannot download {url}: {reason}", key="--url") from exc
        records = count_records(tmp)
        os.replace(tmp, database)
    finally:
        out.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
    now = format_seconds(utc_now())
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "source": url,
        "updated_at": now,
        "downloaded_at": now,
        "sha256": digest.hexdigest(),
        "size": size,
        "records": records,
        "etag": etag,
        "last_modified": last_modified,
    }
    atomic_write(manifest_path(database), json.dumps(manifest, indent=2) + "\n")
    return manifest
