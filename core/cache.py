"""The content-addressed result cache that makes an unchanged re-run cheap, and that nobody can forge.

A result is stored under the sha256 of the check's name and version, its options and the
digests of its input files. Only ``ok`` and ``skipped`` results are cached: an error or a
timeout is always retried.

The cache lives **outside** the tree under judgement (``--cache-dir``, ``$GATECHECK_CACHE_DIR``
or the user cache directory; a directory inside the tree is refused), and every entry, and
the file-digest memo, carries an HMAC-SHA256 tag made with a key that also lives outside the
tree (``$GATECHECK_CACHE_KEY``, else a random key created beside the cache, readable only by its
owner). An entry with a missing or wrong tag is a miss, never a result: a committed
``.gatecheck/cache`` full of ``"findings": []`` is just files in the tree.

File digests are memoized by (size, mtime, inode) so a warm run does not re-read unchanged
files; entries modified within the last two seconds are not trusted (a file can change again
within the file system's timestamp granularity).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import platformdirs

from gatecheck.canonical import canonical_json
from gatecheck.checks import KeyFact
from gatecheck.digests import file_sha256, prefixed
from gatecheck.errors import BadInput
from gatecheck.files import atomic_write
from gatecheck.model import CheckResult, InputFile

CACHE_FORMAT = 2
_RACY_SECONDS = 2.0
#: Environment variables the operator may set.
CACHE_DIR_ENV = "GATECHECK_CACHE_DIR"
CACHE_KEY_ENV = "GATECHECK_CACHE_KEY"
_KEY_FILE = "cache.key"


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    return prefixed(file_sha256(path))


def default_directory() -> Path:
    """Where results are cached unless the operator says otherwise."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured).expanduser() if configured else Path(platformdirs.user_cache_dir("gatecheck"))


def cache_directory(root: Path, chosen: str | Path | None) -> Path:
    """The cache directory for a run on ``root``: ``chosen`` (the operator's) or the default; never inside the tree."""
    directory = Path(chosen).expanduser() if chosen else default_directory()
    real = Path(os.path.realpath(directory))
    tree = Path(os.path.realpath(root))
    if real == tree or tree in real.parents:
        raise BadInput(f"the result cache {directory} is inside the tree under judgement, which could forge it; "
                       "choose a directory outside the project", key="--cache-dir")
    return real


def cache_key_material(directory: Path) -> bytes:
    """The HMAC key for a cache: ``$GATECHECK_CACHE_KEY``, else a random key kept beside the cache (mode 0600)."""
    from_env = os.environ.get(CACHE_KEY_ENV)
    if from_env:
        return from_env.encode("utf-8")
    path = directory / _KEY_FILE
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    directory.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()  # another run created it first
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _tag(key: bytes, *parts: bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


class DigestMemo:
    """Remembers file digests by stat signature, persisted as one authenticated JSON file."""

    def __init__(self, path: Path | None, key: bytes = b"") -> None:
        self.path = path
        self.key = key
        self._lock = threading.Lock()
        self._entries: dict[str, list[Any]] = {}
        self._dirty = False
        if path and path.is_file():
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(path.read_text("utf-8"))
                if isinstance(loaded, dict) and loaded.get("format") == CACHE_FORMAT:
                    entries = loaded.get("entries", {})
                    if isinstance(entries, dict) and hmac.compare_digest(
                            str(loaded.get("tag", "")), _tag(key, b"memo", canonical_json(entries))):
                        self._entries = entries

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
            entries = canonical_json(self._entries)
            data = canonical_json({"format": CACHE_FORMAT, "entries": self._entries,
                                   "tag": _tag(self.key, b"memo", entries)})
            self._dirty = False
        atomic_write(self.path, data)


def split_inputs(items: Iterable[Path | KeyFact]) -> tuple[list[Path], dict[str, str]]:
    """A check's ``inputs()`` as files to digest and the other facts its result depends on."""
    files: list[Path] = []
    facts: dict[str, str] = {}
    for item in items:
        if isinstance(item, KeyFact):
            if item.name in facts and facts[item.name] != item.value:
                raise ValueError(f"cache-key fact {item.name!r} given twice with different values")
            facts[item.name] = item.value
        else:
            files.append(item)
    return files, facts


def collect_inputs(paths: Iterable[Path], name_of: Callable[[Path], str], memo: DigestMemo) -> list[InputFile]:
    """Digest every file in ``paths`` (directories are walked), named by ``name_of``, sorted by name."""
    seen: dict[str, InputFile] = {}
    for p in paths:
        files = [p] if p.is_file() else sorted(_regular_files(p)) if p.is_dir() else []
        for f in files:
            if not _is_regular(f):
                continue  # a FIFO or device would block the digest, or never end
            name = name_of(f)
            if name not in seen:
                seen[name] = InputFile(path=name, digest=memo.digest(f))
    return [seen[k] for k in sorted(seen)]


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _regular_files(directory: Path) -> list[Path]:
    """Files under a directory, without following symlinked directories."""
    out: list[Path] = []
    for dirpath, _dirs, names in os.walk(directory):
        out.extend(Path(dirpath, name) for name in names)
    return out


def cache_key(check: str, version: str, options: dict[str, Any], inputs: list[InputFile],
              context: dict[str, Any] | None = None) -> str:
    """The content address of a check's result; ``context`` holds run facts that decide it too
    (the stage, whether the network is allowed, where the configuration came from)."""
    material = {
        "format": CACHE_FORMAT,
        "check": check,
        "version": version,
        "options": options,
        "inputs": [[i.path, i.digest] for i in inputs],
        "context": context or {},
    }
    return hashlib.sha256(canonical_json(material)).hexdigest()


class ResultCache:
    """Stores check results as authenticated JSON files under ``<dir>/results/<key[:2]>/<key>.json``."""

    def __init__(self, directory: Path, key: bytes | None = None) -> None:
        self.directory = directory
        self.key = key if key is not None else cache_key_material(directory)
        self.memo = DigestMemo(directory / "digests.json", self.key)

    def _path(self, key: str) -> Path:
        return self.directory / "results" / key[:2] / f"{key}.json"

    def get(self, key: str) -> CheckResult | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text("utf-8"))
            body = data["result"]
            tag = str(data["tag"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(body, dict) or not hmac.compare_digest(tag, _tag(self.key, key.encode(), canonical_json(body))):
            return None  # forged, truncated or written with another key: a miss
        try:
            result = CheckResult.from_dict(body)
        except (KeyError, TypeError, ValueError):
            return None
        result.cached = True
        return result

    def put(self, key: str, result: CheckResult) -> None:
        if result.status not in ("ok", "skipped"):
            return
        body = {**result.to_dict(), "cached": False}  # a copy: a sealed result's document is shared
        entry = {"format": CACHE_FORMAT, "result": body, "tag": _tag(self.key, key.encode(), canonical_json(body))}
        with contextlib.suppress(OSError):
            atomic_write(self._path(key), canonical_json(entry))

    def save(self) -> None:
        with contextlib.suppress(OSError):
            self.memo.save()
