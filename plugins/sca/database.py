"""The offline OSV database: a directory or zip of OSV JSON records, and pip-audit's service over it.

osv.dev publishes every PyPI advisory as ``PyPI/all.zip``: one ``<ID>.json`` record per
member, named by advisory id, not by package. Finding a package's records means reading
every record once, so the database is indexed into a small SQLite file (package name ->
records) kept in the check's work directory and rebuilt only when the database's files
change. A warm run then reads just the records of the packages it audits.

Where the database lives by default (:func:`default_database_path`) and the manifest
``gatecheck db update`` writes beside it (:mod:`.download`) are defined here too: the check reads
both. The manifest is ``<database>.manifest.json``::

    {"format": "gatecheck-osv-manifest/1", "source": "https://...", "updated_at": "...Z",
     "downloaded_at": "...Z", "sha256": "...", "size": 123, "records": 456,
     "etag": "...", "last_modified": "..."}

``updated_at`` is the last time the source was confirmed to hold exactly this data (a
download, or an HTTP 304 answer to a conditional request).

The pip-audit ``VulnerabilityService`` over it is :class:`.services.OfflineOsvService`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import platformdirs
from packaging.utils import canonicalize_name

from gatecheck.api import limits

from .osv import ECOSYSTEM, VERSION_KEYS, RecordError, listed_keys, load_record, parse_timestamp

INDEX_FORMAT = "gatecheck-osv-index/4"
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


def companion_files(name: str) -> list[str]:
    """Files beside a database that belong to it (the manifest `gatecheck db update` writes)."""
    return [name + MANIFEST_SUFFIX]


class DatabaseError(Exception):
    """The database is missing, unreadable or holds a malformed record (names file and line)."""


@dataclass(frozen=True)
class DatabaseInfo:
    """What a database holds and how old it is."""

    path: str
    kind: str
    records: int
    withdrawn: int
    packages: int
    newest_modified: str | None
    #: When the data was last known current, and how that is known.
    as_of: str | None
    as_of_source: str
    source: str | None

    def age_days(self, now: datetime | None = None) -> float | None:
        moment = parse_timestamp(self.as_of)
        if moment is None:
            return None
        return max(0.0, ((now or datetime.now(UTC)) - moment).total_seconds() / 86400)


class OsvDatabase:
    """A directory or zip of OSV records, indexed by PEP 503 package name."""

    def __init__(self, path: Path, index_dir: Path | None = None) -> None:
        if not path.exists():
            raise DatabaseError(f"no OSV database at {path}")
        if not (path.is_dir() or zipfile.is_zipfile(path)):
            raise DatabaseError(f"{path}: not a directory or zip of OSV JSON records")
        self.path = path
        self.index_dir = index_dir
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    # -- the files ---------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The files whose content is the database (for the gate's cache key)."""
        if self.path.is_file():
            manifest = manifest_path(self.path)
            return [self.path, *([manifest] if manifest.is_file() else [])]
        return sorted(self._record_files())

    def _record_files(self) -> Iterator[Path]:
        # Only regular files that stay inside the database directory: a database in the tree under
        # judgement could hold a symlink to /proc/self/environ or a FIFO.
        root = os.path.realpath(self.path) + os.sep
        for dirpath, dirnames, filenames in os.walk(self.path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath, name)
                if (name.endswith(".json") and not name.startswith(".") and os.path.realpath(path).startswith(root)
                        and path.is_file()):
                    yield path

    def signature(self) -> str:
        """Changes whenever a file of the database changes (name, size or mtime)."""
        h = hashlib.sha256(str(self.path.resolve()).encode())
        for f in self.files():
            st = f.stat()
            h.update(f"{f.as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return h.hexdigest()

    def _members(self) -> Iterator[tuple[str, bytes]]:
        if self.path.is_dir():
            for f in self._record_files():
                yield f.relative_to(self.path).as_posix(), f.read_bytes()
            return
        with zipfile.ZipFile(self.path) as zf:
            # Within the limits on members, sizes and compression ratios (gatecheck.api.limits).
            for info in limits.zip_members(zf, self.path):
                if info.filename.endswith(".json"):
                    yield info.filename, limits.read_member(zf, info, self.path)

    # -- the index ---------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is not None:
                return self._conn
            signature = self.signature()
            if self.index_dir is None:
                conn = sqlite3.connect(":memory:", check_same_thread=False)
                self._build(conn, signature)
            else:
                index = self.index_dir / f"osv-index-{signature[:24]}.sqlite"
                conn = self._open_index(index, signature)
            self._conn = conn
            return conn

    def _open_index(self, index: Path, signature: str) -> sqlite3.Connection:
        if index.is_file():
            with contextlib.suppress(sqlite3.Error):
                conn = sqlite3.connect(f"file:{index}?mode=ro", uri=True, check_same_thread=False)
                row = conn.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
                fmt = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                if row and row[0] == signature and fmt and fmt[0] == INDEX_FORMAT:
                    return conn
                conn.close()
        self.index_dir.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        fd, tmp = tempfile.mkstemp(dir=index.parent, prefix=".osv-index-", suffix=".sqlite")
        os.close(fd)
        try:
            conn = sqlite3.connect(tmp)
            self._build(conn, signature)
            conn.close()
            os.replace(tmp, index)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        # Older indexes of the same database are dead weight once a new one exists.
        for old in index.parent.glob("osv-index-*.sqlite"):
            if old != index:
                with contextlib.suppress(OSError):
                    old.unlink()
        return sqlite3.connect(f"file:{index}?mode=ro", uri=True, check_same_thread=False)

    def _build(self, conn: sqlite3.Connection, signature: str) -> None:
        conn.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE records (name TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (name, id));"
        )
        records = withdrawn = ignored = 0
        newest: str | None = None
        newest_at: datetime | None = None
        rows: list[tuple[str, str, str]] = []
        for member, data in self._members():
            where = f"{self.path}/{member}" if self.path.is_dir() else f"{self.path}!{member}"
            try:
                record = load_record(data, where)
            except RecordError as exc:
                # A directory may carry other JSON (a manifest, a notice); a record has an id.
                if self.path.is_dir() and "no 'id'" in str(exc):
                    ignored += 1
                    continue
                raise DatabaseError(str(exc)) from exc
            records += 1
            modified = parse_timestamp(record.get("modified"))
            if modified is not None and (newest_at is None or modified > newest_at):
                newest_at, newest = modified, str(record.get("modified"))
            if record.get("withdrawn"):
                withdrawn += 1
            names: list[str] = []
            for entry in record.get("affected") or []:
                package = entry.get("package") if isinstance(entry, dict) else None
                if isinstance(package, dict) and package.get("ecosystem") == ECOSYSTEM and package.get("name"):
                    names.append(canonicalize_name(str(package["name"])))
                    if entry.get("versions"):
                        # Stored normalized only: the raw list is for matching, and parsing the
                        # normalized form is what a warm run pays per record.
                        keys = sorted(listed_keys(entry))
                        del entry["versions"]
                        entry[VERSION_KEYS] = keys
            if names:
                body = json.dumps(record, separators=(",", ":"))
                rows.extend((name, record["id"], body) for name in names)
        conn.executemany("INSERT OR IGNORE INTO records VALUES (?, ?, ?)", rows)
        # Aliases are looked up by id (a PYSEC record's GHSA twin carries the CVSS vector).
        conn.execute("CREATE INDEX records_by_id ON records (id)")
        packages = len({r[0] for r in rows})
        meta = {
            "format": INDEX_FORMAT,
            "signature": signature,
            "records": str(records),
            "withdrawn": str(withdrawn),
            "ignored_files": str(ignored),
            "packages": str(packages),
            "newest_modified": newest or "",
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        conn.commit()

    def meta(self) -> dict[str, str]:
        conn = self._connect()
        with self._lock:
            return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}

    def records_for(self, name: str) -> list[dict[str, Any]]:
        """Every record with an ``affected[]`` entry for PyPI package ``name``."""
        conn = self._connect()
        with self._lock:
            rows = conn.execute("SELECT body FROM records WHERE name = ? ORDER BY id", (canonicalize_name(name),)).fetchall()
        return [cast(dict[str, Any], json.loads(body)) for (body,) in rows]

    def record(self, record_id: str) -> dict[str, Any] | None:
        """The record with id ``record_id`` (an alias of an advisory), or None when the database lacks it."""
        conn = self._connect()
        with self._lock:
            row = conn.execute("SELECT body FROM records WHERE id = ? LIMIT 1", (record_id,)).fetchone()
        return cast(dict[str, Any], json.loads(row[0])) if row else None

    def info(self) -> DatabaseInfo:
        """Size and age. The age comes from the manifest ``gatecheck db update`` wrote; without
        one, from the newest record's ``modified`` time (the data is at least that old)."""
        meta = self.meta()
        manifest = read_manifest(self.path) if self.path.is_file() else None
        as_of: str | None
        if manifest and parse_timestamp(manifest.get("updated_at")):
            as_of, how, source = str(manifest["updated_at"]), "manifest", manifest.get("source")
        else:
            as_of, how, source = meta.get("newest_modified") or None, "newest record", None
        return DatabaseInfo(
            path=str(self.path),
            kind="directory" if self.path.is_dir() else "zip",
            records=int(meta.get("records", 0)),
            withdrawn=int(meta.get("withdrawn", 0)),
            packages=int(meta.get("packages", 0)),
            newest_modified=meta.get("newest_modified") or None,
            as_of=as_of,
            as_of_source=how,
            source=str(source) if source else None,
        )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def describe(database: Path) -> dict[str, Any]:
    """What is known about ``database`` without a network: where, how big, how old (``db info``)."""
    info: dict[str, Any] = {"path": str(database), "exists": database.exists()}
    manifest = read_manifest(database)
    if manifest:
        info.update({k: manifest.get(k) for k in ("source", "updated_at", "downloaded_at", "sha256", "records")})
        updated = parse_timestamp(manifest.get("updated_at"))
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
