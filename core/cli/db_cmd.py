"""``gatecheck db``: keep the offline vulnerability database (OSV's PyPI export) fresh.

The gate never reaches the network on its own; this command is the one place where the
user asks for a download. ``db update`` fetches osv.dev's ``PyPI/all.zip`` (or any URL
or ``file:`` path given with ``--url``, for air-gapped mirrors), checks that it is a zip of
OSV JSON records, swaps it in atomically and writes a manifest beside it. The ``sca`` check
reads that manifest to report the database's age and to warn when it is stale.

The manifest is ``<database>.manifest.json``::

    {"format": "gatecheck-osv-manifest/1", "source": "https://...", "updated_at": "...Z",
     "downloaded_at": "...Z", "sha256": "...", "size": 123, "records": 456,
     "etag": "...", "last_modified": "..."}

``updated_at`` is the last time the source was confirmed to hold exactly this data (a
download, or an HTTP 304 answer to a conditional request).
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import platformdirs

from gatecheck import __version__, limits
from gatecheck.cli.durations import Duration
from gatecheck.cli.output import Output, notice, output_options
from gatecheck.errors import BadInput
from gatecheck.files import atomic_write

#: osv.dev's export of every PyPI advisory (the format the ``sca`` check reads).
DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
#: Environment variable that overrides where the database lives.
DATABASE_ENV = "GATECHECK_OSV_DB"
MANIFEST_FORMAT = "gatecheck-osv-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"


def default_database_path() -> Path:
    """Where ``db update`` writes and the ``sca`` check looks when no path is configured."""
    configured = os.environ.get(DATABASE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_cache_dir("gatecheck")) / "osv" / "PyPI-all.zip"


def manifest_path(database: Path) -> Path:
    """The manifest that describes ``database`` (a sibling file)."""
    return database.with_name(database.name + MANIFEST_SUFFIX)


def read_manifest(database: Path) -> dict[str, Any] | None:
    """The manifest of ``database``, or None when it has none (or one gatecheck did not write)."""
    path = manifest_path(database)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    return data


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def count_records(archive: Path) -> int:
    """Check that ``archive`` is a zip of OSV JSON records and return how many it holds.

    Every member is parsed, so a truncated or corrupted download is refused here rather
    than discovered by a gate run.
    """
    # What was downloaded is input like any other: bounded (gatecheck.limits), and anything wrong
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
                previous["updated_at"] = _now()
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
    now = _now()
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


def describe(database: Path) -> dict[str, Any]:
    """What is known about ``database`` without a network: where, how big, how old."""
    info: dict[str, Any] = {"path": str(database), "exists": database.exists()}
    manifest = read_manifest(database)
    if manifest:
        info.update({k: manifest.get(k) for k in ("source", "updated_at", "downloaded_at", "sha256", "records")})
        updated = parse_time(manifest.get("updated_at"))
        if updated is not None:
            info["age_days"] = round((datetime.now(UTC) - updated).total_seconds() / 86400, 2)
    elif database.is_file():
        with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(database) as zf:
            info["records"] = sum(1 for n in zf.namelist() if n.endswith(".json"))
    elif database.is_dir():
        info["records"] = sum(1 for _ in database.rglob("*.json"))
    if database.is_file():
        info["size"] = database.stat().st_size
    return info


def _resolve(path: str | None) -> Path:
    return Path(path).expanduser() if path else default_database_path()


@click.group("db")
def db() -> None:
    """Manage the offline OSV vulnerability database the ``sca`` check reads.

    The database is osv.dev's export of PyPI advisories (a zip of OSV JSON records).
    Its default location is the user cache directory; set GATECHECK_OSV_DB or pass
    --path to use another, and point [checks.sca] database at the same file.

    \b
    Examples:
      gatecheck db update                       # fetch osv.dev's PyPI/all.zip
      gatecheck db update --url file:///mirror/PyPI/all.zip --path ./osv-pypi.zip
      gatecheck db info --max-age 7d            # exit 1 when older than a week
    """


@db.command("update")
@click.option("--path", "path", metavar="FILE", help="Where to store the database (default: user cache or $GATECHECK_OSV_DB).")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="Where to fetch the zip from (http(s): or file:).")
@click.option("--timeout", type=Duration(bare_unit="s", positive=True), default="120s", show_default=True,
              help="Network timeout (a duration; a plain number is seconds).")
@click.option("--force", is_flag=True, help="Download even when the server says nothing changed.")
@output_options()
def update_cmd(path: str | None, url: str, timeout: timedelta, force: bool, out: Output) -> None:
    """Download a fresh copy of the OSV PyPI database (the only command that uses the network).

    \b
    Examples:
      gatecheck db update
      gatecheck db update --path .gatecheck/osv/PyPI-all.zip --format json
    """
    if not url.startswith(("https://", "http://", "file:")):
        raise BadInput(f"unsupported URL {url!r}: use https://, http:// or file:", key="--url")
    database = _resolve(path)
    manifest = update(database, url, timeout=timeout.total_seconds(), force=force)
    out.emit({"path": str(database), **manifest}, lambda: (
        f"{database}: {manifest.get('records')} records from {manifest.get('source')}, "
        f"sha256 {str(manifest.get('sha256'))[:16]}…, updated {manifest.get('updated_at')}\n"
    ))


@db.command("info")
@click.option("--path", "path", metavar="PATH", help="The database (a zip or a directory; default: the user cache).")
@output_options()
@click.option("--max-age", type=Duration(bare_unit=None), metavar="DURATION",
              help="Exit 1 when the database is older than this (or its age is unknown): 7d, 36h.")
@click.option("--max-age-days", type=Duration(bare_unit="d"), hidden=True, deprecated="Use --max-age 7d.")
def info_cmd(path: str | None, max_age: timedelta | None, max_age_days: timedelta | None, out: Output) -> None:
    """Show where the database is, how many records it holds and how old it is.

    \b
    Examples:
      gatecheck db info
      gatecheck db info --format json --max-age 7d
    """
    database = _resolve(path)
    info = describe(database)

    def text() -> str:
        lines = [f"{key:>11}: {info[key]}" for key in ("path", "exists", "source", "records", "size", "sha256",
                                                         "updated_at", "age_days") if info.get(key) is not None]
        if info["exists"] and "updated_at" not in info:
            lines.append("        age: unknown (no manifest: not written by `gatecheck db update`)")
        return "\n".join(lines) + "\n"

    out.emit(info, text)
    if not info["exists"]:
        # Like a stale database, a missing one fails the guard (exit 1); it is no bug of gatecheck's.
        notice(f"gatecheck: no database at {database}: run `gatecheck db update`")
        raise click.exceptions.Exit(1)
    limit = max_age if max_age is not None else max_age_days
    if limit is not None:
        age = info.get("age_days")
        if age is None or timedelta(days=float(age)) > limit:
            notice(f"database is older than {_days(limit)} (or of unknown age)")
            raise click.exceptions.Exit(1)


def _days(duration: timedelta) -> str:
    return f"{duration / timedelta(days=1):g} days"


COMMANDS = [db]
