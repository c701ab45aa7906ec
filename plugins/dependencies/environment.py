"""Installed Python environments: the distributions of a virtual environment (or one
site-packages directory) inside the tree, or of the interpreter running gatecheck.

An environment in the tree is as untrusted as any other file of it, so it is read through the
repository view: its ``site-packages`` must resolve inside the tree, and every ``METADATA``,
``direct_url.json`` and ``RECORD`` is opened with :meth:`Repository.read_bytes` (a symlink out of
the tree, a FIFO or an oversized file is bad input naming it). Nothing is imported or run.

``current`` (:data:`CURRENT`), the interpreter running gatecheck, is the operator's own
environment; only operator configuration may choose it (``x-gatecheck-operator-values``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from gatecheck.api import BadInput, CheckFailed, OutsideRepository, Repository, limits, normalize, sha256_hex

#: The ``environment`` option value that means "the interpreter running gatecheck".
CURRENT = "current"
#: Files of a ``*.dist-info`` directory that decide what is known about the distribution.
METADATA_FILES = ("METADATA", "PKG-INFO", "RECORD", "direct_url.json")
#: Largest metadata file read (a long description can be large; a megabyte-sized RECORD is not unusual).
MAX_METADATA_BYTES = 16 * 1024 * 1024
_SITE_PACKAGES = ("lib/python3*/site-packages", "lib64/python3*/site-packages", "Lib/site-packages")
_BLANK_LINE = re.compile(r"\r?\n\r?\n")


class Headers:
    """Core-metadata header fields (``Name``, ``Classifier`` ...), repeated fields kept in order."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields: dict[str, list[str]] = {}
        for key, value in fields:
            self._fields.setdefault(key.lower(), []).append(value)

    def __getitem__(self, key: str) -> str | None:
        return self.get(key)

    def get(self, key: str) -> str | None:
        values = self._fields.get(key.lower())
        return values[0] if values else None

    def get_all(self, key: str) -> list[str]:
        return list(self._fields.get(key.lower(), []))


@dataclass
class Installed:
    """One installed distribution, as its metadata files describe it."""

    headers: Headers
    #: ``direct_url.json`` (PEP 610): how it was installed when not from an index.
    direct_url: dict[str, Any] | None
    #: sha256 of its ``RECORD`` file, which lists the digest of every installed file.
    record_sha256: str | None
    #: The metadata files read (for a cache key).
    files: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.headers["Name"])

    @property
    def version(self) -> str:
        return str(self.headers["Version"])

    @property
    def local(self) -> bool:
        """Installed from a local directory (``pip install .``): the project itself, not a release."""
        return isinstance(self.direct_url, dict) and "dir_info" in self.direct_url


@dataclass
class Environment:
    """The distributions of one environment, one per canonical name (the first on the path wins,
    as it does for ``import``)."""

    #: The root-relative directory configured, or :data:`CURRENT`.
    where: str
    #: Its site-packages directories (root-relative; absolute for :data:`CURRENT`).
    paths: list[str]
    distributions: list[Installed] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        """Every metadata file read: what decides a result, for the cache key."""
        return [path for item in self.distributions for path in item.files]


def open_environment(repo: Repository, where: str) -> Environment:
    """The environment ``where`` names: a directory of the tree, or :data:`CURRENT`."""
    if where == CURRENT:
        return _current()
    return _in_tree(repo, where)


# --- an environment inside the tree --------------------------------------------------------------


def _in_tree(repo: Repository, where: str) -> Environment:
    try:
        base = repo.path(where, what="environment")
    except OutsideRepository as exc:
        raise CheckFailed(f"{exc.message}; an environment is read only from inside the tree being gated",
                          bad_input=True) from exc
    if not base.is_dir():
        raise CheckFailed(f"environment {where!r} is not a directory (a virtual environment or site-packages)",
                          bad_input=True)
    where = normalize(where) or "."
    sites = _site_packages(repo, where, base)
    if not sites:
        raise CheckFailed(f"environment {where!r} has no site-packages directory (expected a virtual environment "
                          "or site-packages)", bad_input=True)
    found = Environment(where, sites)
    seen: set[str] = set()
    for site in sites:
        for name in sorted(os.listdir(repo.path(site))):
            dist = f"{site}/{name}"
            if not name.endswith((".dist-info", ".egg-info")) or not _confined(repo, dist).is_dir():
                continue
            item = _installed(partial(_tree_bytes, repo, dist), repo.root / dist)
            if item is not None and canonicalize_name(item.name) not in seen:
                seen.add(canonicalize_name(item.name))
                found.distributions.append(item)
    return found


def _site_packages(repo: Repository, where: str, base: Path) -> list[str]:
    """Root-relative site-packages directories of the environment at ``where``."""
    rel = repo.relative(base) or ""
    if base.name == "site-packages" or any(n.endswith(".dist-info") for n in os.listdir(base)):
        return [rel]
    found: dict[str, str] = {}  # real path -> root-relative path; lib64 is often a symlink to lib
    for pattern in _SITE_PACKAGES:
        for candidate in sorted(base.glob(pattern)):
            real = os.path.realpath(candidate)
            site = repo.relative(real)
            if site is None:
                raise CheckFailed(f"environment {where!r}: {repo.relative(candidate) or candidate} leads outside the "
                                  "repository (a symlink); not read", bad_input=True)
            if os.path.isdir(real):
                found.setdefault(real, site)
    return sorted(found.values())


def _confined(repo: Repository, rel: str) -> Path:
    try:
        return repo.path(rel, what="installed metadata")
    except OutsideRepository as exc:
        raise CheckFailed(f"{exc.message}; not read", bad_input=True) from exc


def _tree_bytes(repo: Repository, dist: str, name: str) -> bytes | None:
    rel = f"{dist}/{name}"
    try:
        return repo.read_bytes(rel, limit=MAX_METADATA_BYTES, what="installed metadata")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OutsideRepository as exc:
        raise CheckFailed(exc.message, bad_input=True) from exc
    except OSError as exc:
        raise CheckFailed(f"{rel}: cannot read: {exc.strerror or exc}", bad_input=True) from exc


# --- the interpreter running gatecheck (operator only) -----------------------------------------


def _current() -> Environment:
    found = Environment(CURRENT, list(sys.path))
    seen: set[str] = set()
    for dist in metadata.distributions(path=sys.path):
        base = getattr(dist, "_path", None)  # PathDistribution keeps its directory here
        if base is None:
            continue
        item = _installed(partial(_file_bytes, Path(base)), Path(base))
        if item is not None and canonicalize_name(item.name) not in seen:
            seen.add(canonicalize_name(item.name))
            found.distributions.append(item)
    return found


def _file_bytes(base: Path, name: str) -> bytes | None:
    try:
        return (base / name).read_bytes()
    except OSError:
        return None


# --- one distribution ------------------------------------------------------------------------


def _installed(read: Callable[[str], bytes | None], base: Path) -> Installed | None:
    """A distribution from the metadata files ``read`` returns by name (``base`` is their directory,
    for the cache key), or None when it has no usable metadata."""
    files: list[Path] = []
    contents: dict[str, bytes] = {}
    for name in METADATA_FILES:
        data = read(name)
        if data is not None:
            contents[name] = data
            files.append(base / name)
    text = contents.get("METADATA") or contents.get("PKG-INFO")
    headers = _headers(text.decode("utf-8", "replace")) if text else None
    if headers is None or not headers["Name"] or not headers["Version"]:
        return None  # a dist-info directory without metadata is not an installed package
    direct: Any = None
    if "direct_url.json" in contents:
        try:
            direct = limits.load_json(contents["direct_url.json"], "direct_url.json")
        except (BadInput, ValueError):
            direct = None
    record = contents.get("RECORD")
    return Installed(headers=headers, direct_url=direct if isinstance(direct, dict) else None,
                     record_sha256=sha256_hex(record) if record is not None else None, files=files)


def _headers(text: str) -> Headers:
    """The metadata's header block, parsed as RFC 822 fields with folded continuation lines.

    ``Distribution.metadata`` runs the full email parser over the whole file, long description
    included, on every access; that was half the time of an SBOM. Core metadata headers are plain
    ``Key: value`` lines, folded with leading white space.
    """
    head = _BLANK_LINE.split(text, maxsplit=1)[0]
    fields: list[tuple[str, str]] = []
    for line in head.splitlines():
        if line[:1] in (" ", "\t") and fields:
            key, value = fields[-1]
            fields[-1] = (key, value + "\n" + line.strip())
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields.append((key.strip(), value.strip()))
    return Headers(fields)
