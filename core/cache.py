"""The content-addressed result cache that makes an unchanged re-run cheap.

A result is stored under the sha256 of the check's name and version, its options and the
digests of its input files. Only ``ok`` and ``skipped`` results are cached: an error or a
timeout is always retried. File digests are memoized by (size, mtime, inode) so a warm run
does not re-read unchanged files; entries modified within the last two seconds are not
trusted (a file can change again within the file system's timestamp granularity).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gatecheck.files import atomic_write
from gatecheck.model import CheckResult, InputFile

CACHE_FORMAT = 1
_RACY_SECONDS = 2.0


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def canonical_json(data: Any) -> bytes:
    """JSON with sorted keys and no insignificant white space: equal data, equal bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class DigestMemo:
    """Remembers file digests by stat signature, persisted as one JSON file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, list[Any]] = {}
        self._dirty = False
        if path and path.is_file():
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(path.read_text("utf-8"))
                if isinstance(loaded, dict) and loaded.get("format") == CACHE_FORMAT:
                    self._entries = loaded.get("entries", {})

    def digest(self, path: Path) -> str:
        st = path.stat()
        signature = [st.st_size, st.st_mtime_ns, st.st_ino]
        key = str(path)
        with self._lock:
            entry = self._entries.get(key)
        if entry and entry[:3] == signature:
            return str(entry[3])
        value = file_digest(path)
        if time.time() - st.st_mtime_ns / 1e9 > _RACY_SECONDS:
            with self._lock:
                self._entries[key] = [*signature, value]
                self._dirty = True
        return value

    def save(self) -> None:
        if not self.path or not self._dirty:
            return
        with self._lock:
            data = canonical_json({"format": CACHE_FORMAT, "entries": self._entries})
            self._dirty = False
        atomic_write(self.path, data)


def collect_inputs(paths: Iterable[Path], root: Path, memo: DigestMemo) -> list[InputFile]:
    """Digest every file in ``paths`` (directories are walked), sorted by relative path."""
    seen: dict[str, InputFile] = {}
    root_resolved = root.resolve()
    for p in paths:
        p = p if p.is_absolute() else root / p
        files = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else []
        for f in files:
            try:
                rel = f.resolve().relative_to(root_resolved).as_posix()
            except ValueError:
                rel = f.as_posix()
            if rel not in seen:
                seen[rel] = InputFile(path=rel, digest=memo.digest(f))
    return [seen[k] for k in sorted(seen)]


def cache_key(check: str, version: str, options: dict[str, Any], inputs: list[InputFile]) -> str:
    """The content address of a check's result."""
    material = {
        "format": CACHE_FORMAT,
        "check": check,
        "version": version,
        "options": options,
        "inputs": [[i.path, i.digest] for i in inputs],
    }
    return hashlib.sha256(canonical_json(material)).hexdigest()


class ResultCache:
    """Stores check results as JSON files under ``<dir>/results/<key[:2]>/<key>.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.memo = DigestMemo(directory / "digests.json")

    def _path(self, key: str) -> Path:
        return self.directory / "results" / key[:2] / f"{key}.json"

    def get(self, key: str) -> CheckResult | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        result = CheckResult.from_dict(data)
        result.cached = True
        return result

    def put(self, key: str, result: CheckResult) -> None:
        if result.status not in ("ok", "skipped"):
            return
        data = result.to_dict()
        data["cached"] = False
        with contextlib.suppress(OSError):
            atomic_write(self._path(key), canonical_json(data))

    def save(self) -> None:
        with contextlib.suppress(OSError):
            self.memo.save()
