"""What a project is, read from its dependency files: an application or a library.

The difference decides what a version range means. An **application** is deployed as a set of
exact versions (a lock file, pip-compile's pinned requirements, an installed environment): a
range in it means the version that runs is not known, which a gate cannot vouch for. A
**library** is installed into other people's environments and declares ranges on purpose (its
users' lock files pick the versions): a range is normal, and what matters is whether it
*admits* a vulnerable release.

The rules, first match wins (the reason is reported with the shape):

1. an installed environment is audited → application;
2. a lock file (``pylock.toml``, ``uv.lock``, ``poetry.lock``) in the root or beside a package
   declaration → application;
3. a ``requirements*.txt`` there that pins every requirement exactly (pip-compile's output) →
   application;
4. a package declaration (``pyproject.toml`` with ``[project]`` or ``[tool.poetry]``,
   ``setup.cfg`` with ``[metadata] name`` or ``[options]``, or a ``setup.py`` in the root or beside a
   dependency file) → library;
5. anything else (lock or requirements files with nothing that packages them) → application.

Both the ``sca`` and ``sbom`` checks take the shape from here, and both let the configuration
override it (``shape = "application"`` or ``"library"``).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from .files import LOCK_KINDS, kind_of
from .locks import LockFile
from .pyproject import PyProject
from .requirements import RequirementsSet

APPLICATION = "application"
LIBRARY = "library"
SHAPES = (APPLICATION, LIBRARY)


@dataclass(frozen=True)
class Shape:
    """The project's shape and why (``uv.lock is a lock file``)."""

    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "reason": self.reason}


def configured(kind: str) -> Shape:
    """The shape the configuration names."""
    return Shape(kind, "set in the configuration (shape)")


def detect(parsed: Iterable[PyProject | RequirementsSet | LockFile], listed: Iterable[str], *,
           environment: bool = False) -> Shape:
    """The shape of the project whose dependency files are ``parsed`` (``listed``: every file of the
    tree, for ``setup.py``)."""
    if environment:
        return Shape(APPLICATION, "an installed environment is audited")
    # The shallowest file decides among several (the root's pyproject.toml, not an example's).
    items = sorted(parsed, key=lambda item: (item.path.count("/"), item.path))
    # A lock file or pinned requirements decide for the project they sit beside (the root, or a
    # package's own directory), not a test fixture or an example application inside a library's tree.
    homes = {posixpath.dirname(item.path) for item in items if isinstance(item, PyProject) and item.declares_package}
    for item in items:
        if (isinstance(item, LockFile) or kind_of(item.path) in LOCK_KINDS) and posixpath.dirname(item.path) in homes | {""}:
            return Shape(APPLICATION, f"{item.path} is a lock file")
    for item in items:
        if (isinstance(item, RequirementsSet) and fnmatch.fnmatch(posixpath.basename(item.path), "requirements*.txt")
                and posixpath.dirname(item.path) in homes | {""} and item.fully_pinned()):
            return Shape(APPLICATION, f"{item.path} pins every requirement to one version")
    for item in items:
        if isinstance(item, PyProject) and item.declares_package:
            return Shape(LIBRARY, f"{item.path} declares a package and no lock file pins its dependencies")
    # A setup.py counts in the root or beside a dependency file, not one vendored deep in the tree.
    places = {posixpath.dirname(item.path) for item in items} | {""}
    setup_py = sorted(rel for rel in listed if posixpath.basename(rel) == "setup.py" and posixpath.dirname(rel) in places)
    if setup_py:
        return Shape(LIBRARY, f"{setup_py[0]} declares a package and no lock file pins its dependencies")
    return Shape(APPLICATION, "requirements files with nothing that packages them: what they install is deployed")
