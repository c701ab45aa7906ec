"""Which files of the tree are dependency files, and reading one through the repository view.

Dependency files are found only among the files the repository view lists
(:meth:`gatecheck.api.Repository.files`): tracked files, and untracked ones by the
configured rule, never a symlink out of the tree or a special file (the gate reports those
itself). Globs are matched against root-relative paths the way every other glob in gatecheck's
configuration is (``fnmatch``; ``**/x`` also matches ``x`` at the root).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from gatecheck.api import OutsideRepository

from .model import DependencyFileError, decode

REQUIREMENTS = "requirements"
PYLOCK = "pylock"
UV_LOCK = "uv.lock"
POETRY_LOCK = "poetry.lock"
PYPROJECT = "pyproject"
SETUP_CFG = "setup.cfg"
#: Kinds that list resolved packages (as opposed to declared requirements).
LOCK_KINDS = (PYLOCK, UV_LOCK, POETRY_LOCK)
#: Kinds that declare a package and the ranges it depends on (a library's metadata).
PACKAGE_KINDS = (PYPROJECT, SETUP_CFG)


class Tree(Protocol):
    """What the readers need of a tree of files: the working tree's repository view
    (:class:`gatecheck.api.Repository`), or a commit of it (:class:`gatecheck.api.GitTree`)."""

    @property
    def root(self) -> Path: ...

    def read_bytes(self, rel: str, *, limit: int = ..., what: str = ...) -> bytes: ...

    def join(self, base: str, target: str, *, what: str = ...) -> str: ...

    def path(self, rel: str, *, what: str = ...) -> Path: ...

    def is_file(self, rel: str) -> bool: ...


def kind_of(rel: str) -> str | None:
    """What kind of dependency file ``rel`` is, by its name (None: not one the inventory reads)."""
    name = posixpath.basename(rel)
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return PYLOCK
    if name in (UV_LOCK, POETRY_LOCK):
        return name
    if name == "pyproject.toml":
        return PYPROJECT
    if name == "setup.cfg":
        return SETUP_CFG
    if name.endswith((".txt", ".in")):
        return REQUIREMENTS
    return None


def is_dependency_file(rel: str) -> bool:
    """The default selection: files whose name says they declare Python dependencies."""
    name = posixpath.basename(rel)
    return (
        fnmatch.fnmatch(name, "requirements*.txt")
        or (posixpath.basename(posixpath.dirname(rel)) == "requirements" and name.endswith(".txt"))
        or name in ("pylock.toml", "uv.lock", "poetry.lock", "pyproject.toml", "setup.cfg")
        or fnmatch.fnmatch(name, "pylock.*.toml")
    )


def matches(rel: str, patterns: Iterable[str]) -> bool:
    """Whether a root-relative path matches one of ``patterns``."""
    return any(fnmatch.fnmatch(rel, p) or (p.startswith("**/") and fnmatch.fnmatch(rel, p[3:])) for p in patterns)


def is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def select(listed: Iterable[str], patterns: Sequence[str] | None) -> list[str]:
    """The dependency files among ``listed``: those ``patterns`` match, else the default selection."""
    if patterns is None:
        return [rel for rel in listed if is_dependency_file(rel)]
    return [rel for rel in listed if matches(rel, patterns)]


def read_text(repo: Tree, rel: str, *, limit: int, what: str) -> str:
    """A dependency file's text, read through the repository view; a file that leaves the tree, is
    not a regular file, is larger than ``limit`` or is not UTF-8 is bad input naming it."""
    try:
        data = repo.read_bytes(rel, limit=limit, what=what)
    except OutsideRepository as exc:
        raise DependencyFileError(rel, None, exc.message.removeprefix(f"{what} {rel!r} ")) from exc
    except OSError as exc:
        raise DependencyFileError(rel, None, f"cannot read: {exc.strerror or exc}") from exc
    return decode(data, rel)
