"""Lock files: ``pylock.toml`` (PEP 751), ``uv.lock`` and ``poetry.lock``, read as TOML.

Each becomes a :class:`LockFile`: one :class:`~.model.PackageRecord` per locked package, with
whatever the lock says about it (version, hashes and URLs of its files, VCS commit, its own
dependencies) and whether it is ``local`` (the project itself or a path dependency, which no
index serves). A lock file that breaks its format's rules is bad input naming the file and the
line where the offending entry starts. Nothing is resolved or downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from gatecheck.api import toml_key_line

from . import tomlfile
from .files import POETRY_LOCK, PYLOCK, UV_LOCK, Tree, read_text
from .model import (
    Artifact,
    DependencyFileError,
    PackageRecord,
    checked_url,
    composite_digest,
    digest,
    without_credentials,
)

#: Largest lock file read (a large uv.lock is a few megabytes).
MAX_LOCK_BYTES = 64 * 1024 * 1024


@dataclass
class LockFile:
    """What one lock file locks."""

    path: str
    kind: str
    records: list[PackageRecord] = field(default_factory=list)
    #: uv.lock's entry for the project itself (``source = { editable = "." }`` or ``virtual``):
    #: its name and its direct dependencies (dev groups included). Not among ``records``.
    root_name: str | None = None
    root_dependencies: list[tuple[str, str | None]] | None = None

    @property
    def files(self) -> list[str]:
        return [self.path]


def read(repo: Tree, rel: str, kind: str) -> LockFile:
    """Read the lock file ``rel`` of the given kind through the repository view."""
    text = read_text(repo, rel, limit=MAX_LOCK_BYTES, what="lock file")
    readers = {PYLOCK: _pylock, UV_LOCK: _uv_lock, POETRY_LOCK: _poetry_lock}
    lock = LockFile(rel, kind)
    readers[kind](lock, tomlfile.load(text, rel), text)
    return lock


# --- shared shapes ----------------------------------------------------------------------------


def _require_str(rel: str, line: int | None, entry: dict[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DependencyFileError(rel, line, f"{what} has no {key!r} string")
    return value


def _dependency_list(rel: str, line: int | None, value: Any, what: str) -> list[tuple[str, str | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DependencyFileError(rel, line, f"{what}: 'dependencies' must be an array")
    found: list[tuple[str, str | None]] = []
    for dep in value:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise DependencyFileError(rel, line, f"{what}: every dependency needs a 'name'")
        version = dep.get("version")
        found.append((canonicalize_name(dep["name"]), version if isinstance(version, str) else None))
    return found


def _entries(lock: LockFile, data: dict[str, Any], text: str, table: str) -> list[tuple[tomlfile.Entry, dict[str, Any]]]:
    """The ``[[table]]`` entries of a lock, each with where it is; a non-table entry is bad input."""
    packages = data.get(table, [])
    if not isinstance(packages, list):
        raise DependencyFileError(lock.path, toml_key_line(text, table), f"'{table}' must be an array of tables")
    lines = tomlfile.entries(text, table)
    found: list[tuple[tomlfile.Entry, dict[str, Any]]] = []
    for index, entry in enumerate(packages):
        where = tomlfile.entry_at(lines, index) or tomlfile.Entry(0, None)
        if not isinstance(entry, dict):
            raise DependencyFileError(lock.path, where.start or None, f"{table}[{index}] is not a table")
        found.append((where, entry))
    return found


# --- pylock.toml (PEP 751) -------------------------------------------------------------------


def _pylock(lock: LockFile, data: dict[str, Any], text: str) -> None:
    """``[[packages]]`` with wheels, sdist, archive, vcs or directory."""
    rel = lock.path
    lock_version = data.get("lock-version")
    if not isinstance(lock_version, str) or lock_version.split(".")[0] != "1":
        raise DependencyFileError(rel, toml_key_line(text, "lock-version"),
                                  f"unsupported lock-version {lock_version!r} (expected 1.x)")
    for index, (where, entry) in enumerate(_entries(lock, data, text, "packages")):
        start = where.start or None
        name = _require_str(rel, start, entry, "name", f"packages[{index}]")
        version = entry.get("version")
        if version is not None and not isinstance(version, str):
            raise DependencyFileError(rel, start, f"package {name!r}: 'version' must be a string")
        artifacts = [_pylock_artifact(rel, start, name, wheel) for wheel in entry.get("wheels", []) or []]
        artifacts += [_pylock_artifact(rel, start, name, entry[key]) for key in ("sdist", "archive")
                      if isinstance(entry.get(key), dict)]
        qualifiers: dict[str, str] = {}
        pinned = version is not None
        vcs = entry.get("vcs")
        if isinstance(vcs, dict):
            commit = vcs.get("commit-id")
            url = vcs.get("url") or vcs.get("path")
            if isinstance(url, str):
                pin = f"@{commit}" if isinstance(commit, str) else ""
                qualifiers["vcs_url"] = without_credentials(f"{vcs.get('type', 'git')}+{url}") + pin
            # A VCS checkout is pinned by its commit even when the lock has no version.
            pinned = isinstance(commit, str)
        if isinstance(entry.get("directory"), dict):
            # A local directory can change under the same name: never a pinned release.
            pinned = False
        dependencies = (_dependency_list(rel, start, entry.get("dependencies"), f"package {name!r}")
                        if "dependencies" in entry else None)
        lock.records.append(PackageRecord(
            name=name, version=version, source=rel, line=where.line or None, pinned=pinned, artifacts=artifacts,
            dependencies=dependencies, qualifiers=qualifiers,
        ))


def _pylock_artifact(rel: str, line: int | None, name: str, entry: Any) -> Artifact:
    if not isinstance(entry, dict):
        raise DependencyFileError(rel, line, f"package {name!r}: a wheel/sdist/archive entry is not a table")
    hashes = entry.get("hashes")
    if not isinstance(hashes, dict) or not hashes:
        raise DependencyFileError(rel, line, f"package {name!r}: every wheel, sdist and archive needs 'hashes' (PEP 751)")
    checked = dict(digest(rel, line, alg, value) for alg, value in sorted(hashes.items()))
    url = checked_url(rel, line, entry.get("url"))
    filename = entry.get("name") or (url.rsplit("/", 1)[-1] if url else None)
    return Artifact(hashes=checked, url=url, filename=filename)


# --- uv.lock -----------------------------------------------------------------------------------


def _uv_lock(lock: LockFile, data: dict[str, Any], text: str) -> None:
    """Every ``[[package]]``; the project's own entry (``editable``/``virtual`` ".") becomes
    :attr:`LockFile.root_name` and :attr:`LockFile.root_dependencies`."""
    rel = lock.path
    version = data.get("version")
    if not isinstance(version, int) or version != 1:
        raise DependencyFileError(rel, toml_key_line(text, "version"),
                                  f"unsupported uv.lock version {version!r} (expected 1)")
    for index, (where, entry) in enumerate(_entries(lock, data, text, "package")):
        start = where.start or None
        name = _require_str(rel, start, entry, "name", f"package[{index}]")
        source = entry.get("source") or {}
        if not isinstance(source, dict):
            raise DependencyFileError(rel, start, f"package {name!r}: 'source' must be a table")
        deps = _dependency_list(rel, start, entry.get("dependencies"), f"package {name!r}")
        if source.get("editable") == "." or source.get("virtual") == ".":
            extra: list[tuple[str, str | None]] = []
            for group in (entry.get("dev-dependencies") or {}).values():
                extra.extend(_dependency_list(rel, start, group, f"package {name!r}"))
            lock.root_name = name
            lock.root_dependencies = deps + [d for d in extra if d not in deps]
            continue
        locked = entry.get("version")
        if locked is not None and not isinstance(locked, str):
            raise DependencyFileError(rel, start, f"package {name!r}: 'version' must be a string")
        artifacts: list[Artifact] = []
        sdist = entry.get("sdist")
        for item in ([sdist] if isinstance(sdist, dict) else []) + list(entry.get("wheels", []) or []):
            if not isinstance(item, dict):
                raise DependencyFileError(rel, start, f"package {name!r}: a wheel or sdist entry is not a table")
            url = checked_url(rel, start, item.get("url"))
            hashes = dict([composite_digest(rel, start, item["hash"])]) if "hash" in item else {}
            if hashes:
                artifacts.append(Artifact(hashes=hashes, url=url, filename=url.rsplit("/", 1)[-1] if url else None))
        qualifiers: dict[str, str] = {}
        pinned = locked is not None
        if isinstance(source.get("git"), str):
            qualifiers["vcs_url"] = without_credentials("git+" + source["git"])
            pinned = "#" in source["git"]  # uv appends the resolved commit after '#'
        elif isinstance(source.get("url"), str):
            qualifiers["download_url"] = without_credentials(source["url"])
        elif isinstance(source.get("editable"), str) or isinstance(source.get("directory"), str):
            pinned = False
        lock.records.append(PackageRecord(
            name=name, version=locked, source=rel, line=where.line or None, pinned=pinned,
            local=bool({"editable", "virtual", "directory", "path"} & set(source)),
            artifacts=artifacts, dependencies=deps, qualifiers=qualifiers,
        ))


# --- poetry.lock -------------------------------------------------------------------------------


def _poetry_lock(lock: LockFile, data: dict[str, Any], text: str) -> None:
    """``[[package]]`` with ``files`` hashes and ``[package.dependencies]``."""
    rel = lock.path
    for index, (where, entry) in enumerate(_entries(lock, data, text, "package")):
        start = where.start or None
        name = _require_str(rel, start, entry, "name", f"package[{index}]")
        version = _require_str(rel, start, entry, "version", f"package {name!r}")
        artifacts: list[Artifact] = []
        for item in entry.get("files", []) or []:
            if not isinstance(item, dict) or "hash" not in item:
                raise DependencyFileError(rel, start, f"package {name!r}: every entry of 'files' needs a 'hash'")
            artifacts.append(Artifact(hashes=dict([composite_digest(rel, start, item["hash"])]), filename=item.get("file")))
        deps_table = entry.get("dependencies") or {}
        if not isinstance(deps_table, dict):
            raise DependencyFileError(rel, start, f"package {name!r}: 'dependencies' must be a table")
        deps: list[tuple[str, str | None]] = [(str(canonicalize_name(dep)), None) for dep in sorted(deps_table)]
        qualifiers: dict[str, str] = {}
        pinned = True
        local = False
        source = entry.get("source")
        if isinstance(source, dict):
            kind = source.get("type")
            url = source.get("url")
            local = kind in ("directory", "file")
            if kind == "git" and isinstance(url, str):
                commit = source.get("resolved_reference")
                qualifiers["vcs_url"] = without_credentials(f"git+{url}") + (f"@{commit}" if isinstance(commit, str) else "")
                pinned = isinstance(commit, str)
            elif kind in ("directory", "file") and isinstance(url, str):
                pinned = kind == "file" and bool(artifacts)
            elif kind == "url" and isinstance(url, str):
                qualifiers["download_url"] = without_credentials(url)
        lock.records.append(PackageRecord(
            name=name, version=version, source=rel, line=where.line or None, pinned=pinned, local=local,
            artifacts=artifacts, dependencies=deps, description=entry.get("description") or None, qualifiers=qualifiers,
        ))
