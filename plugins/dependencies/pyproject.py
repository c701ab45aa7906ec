"""``pyproject.toml``: the project itself, and the dependencies it declares.

Declared dependencies are PEP 621 ``[project] dependencies`` and ``optional-dependencies``,
PEP 735 ``[dependency-groups]``, and Poetry's ``[tool.poetry]`` dependency tables. They are
declarations, not what gets installed: a range stays a range (a lock file, when there is one,
says what it resolves to).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import canonicalize_name

from gatecheck.api import scrub_url_credentials, toml_key_line

from . import tomlfile
from .files import Tree, read_text
from .model import DependencyFileError, Project, exact_pin

#: Largest pyproject.toml read.
MAX_PYPROJECT_BYTES = 4 * 1024 * 1024
#: A Poetry constraint that names exactly one version (``"2.25.0"``, ``"==2.25.0"``).
_POETRY_PIN = re.compile(r"[0-9][0-9A-Za-z.+!-]*")


@dataclass(frozen=True)
class Declared:
    """One dependency a pyproject.toml declares."""

    name: str
    #: As written (``flask>=2``, ``requests = '^2.0'``), URL passwords masked.
    text: str
    line: int | None
    #: The version of an exact pin, else None.
    exact: str | None
    #: A URL, VCS or path dependency: it installs whatever that location holds.
    direct: bool
    #: ``project`` (PEP 621 / PEP 735), ``poetry`` or ``setup.cfg``.
    table: str
    #: None for what installing the package installs; ``extra:NAME`` for an optional dependency
    #: (an extra), ``group:NAME`` for a development group (PEP 735, Poetry groups, dev-dependencies).
    group: str | None = None


@dataclass
class PyProject:
    """What a pyproject.toml says about the project and its dependencies."""

    path: str
    project: Project
    declared: list[Declared] = field(default_factory=list)
    #: The file declares a package (``[project]`` or ``[tool.poetry]``), not only tool settings.
    declares_package: bool = False
    kind = "pyproject"

    @property
    def files(self) -> list[str]:
        return [self.path]


def read(repo: Tree, rel: str, *, default_name: str) -> PyProject:
    """Read ``rel``; ``default_name`` names the project when the file does not."""
    text = read_text(repo, rel, limit=MAX_PYPROJECT_BYTES, what="pyproject.toml")
    data = tomlfile.load(text, rel)
    found = PyProject(rel, _project(rel, data, text, default_name))
    found.declared = _declared(rel, data, text) + _poetry_declared(data, text)
    found.declares_package = isinstance(data.get("project"), dict) or bool(_table(_table(data.get("tool")).get("poetry")))
    return found


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _project(rel: str, data: dict[str, Any], text: str, default_name: str) -> Project:
    """The root component: ``[project]`` (or ``[tool.poetry]``), else just a name."""
    table = data.get("project") if isinstance(data.get("project"), dict) else None
    poetry = _table(_table(data.get("tool")).get("poetry")) or None
    if table is None and poetry is not None:
        return Project(
            name=str(poetry.get("name") or default_name),
            version=poetry.get("version") if isinstance(poetry.get("version"), str) else None,
            description=poetry.get("description") if isinstance(poetry.get("description"), str) else None,
            dependencies=[str(canonicalize_name(n)) for n in _table(poetry.get("dependencies")) if n.lower() != "python"],
        )
    if table is None:
        return Project(name=default_name)
    listed = table.get("dependencies")
    deps = [str(canonicalize_name(_pep508(rel, text, str(item), toml_key_line(text, "dependencies")).name))
            for item in (listed if isinstance(listed, list) else [])]
    license_value = table.get("license")
    return Project(
        name=str(table.get("name") or default_name),
        version=table.get("version") if isinstance(table.get("version"), str) else None,
        description=table.get("description") if isinstance(table.get("description"), str) else None,
        dependencies=deps,
        license_expression=license_value if isinstance(license_value, str) else None,
    )


def _pep508(rel: str, text: str, item: str, line: int | None) -> Pep508:
    try:
        return Pep508(item)
    except InvalidRequirement as exc:
        raise DependencyFileError(rel, tomlfile.line_containing(text, item) or line,
                                  f"invalid dependency {item!r}: {exc}") from exc


def _declared(rel: str, data: dict[str, Any], text: str) -> list[Declared]:
    """PEP 621 dependencies and optional dependencies, and PEP 735 dependency groups."""
    project = _table(data.get("project"))
    strings: list[tuple[str, str | None]] = [(d, None) for d in project.get("dependencies", []) or []
                                             if isinstance(d, str)]
    for extra, items in _table(project.get("optional-dependencies")).items():
        strings += [(d, f"extra:{extra}") for d in items if isinstance(d, str)] if isinstance(items, list) else []
    for name, items in _table(data.get("dependency-groups")).items():
        # PEP 735 entries may also be {include-group = "..."} tables: those name no package.
        strings += [(d, f"group:{name}") for d in items if isinstance(d, str)] if isinstance(items, list) else []
    declared: list[Declared] = []
    for item, group in strings:
        req = _pep508(rel, text, item, None)
        declared.append(Declared(name=req.name, text=scrub_url_credentials(item), line=tomlfile.line_containing(text, item),
                                 exact=None if req.url else exact_pin(req.specifier), direct=bool(req.url),
                                 table="project", group=group))
    return declared


def _poetry_declared(data: dict[str, Any], text: str) -> list[Declared]:
    """Poetry's ``dependencies``, ``dev-dependencies`` and ``group.*.dependencies`` tables."""
    poetry = _table(_table(data.get("tool")).get("poetry"))
    tables: list[tuple[dict[str, Any], str | None]] = [(_table(poetry.get("dependencies")), None),
                                                       (_table(poetry.get("dev-dependencies")), "group:dev")]
    tables += [(_table(_table(group).get("dependencies")), f"group:{name}")
               for name, group in _table(poetry.get("group")).items()]
    declared: list[Declared] = []
    for table, group in tables:
        for name, spec in table.items():
            if name.lower() == "python":
                continue
            line = tomlfile.line_containing(text, name)
            constraint = spec.get("version") if isinstance(spec, dict) else spec
            if not isinstance(constraint, str):
                declared.append(Declared(name, scrub_url_credentials(f"{name} = {json.dumps(spec)}"), line, None, True,
                                         "poetry", group))
                continue
            pin = constraint.strip().removeprefix("==").strip()
            exact = pin if _POETRY_PIN.fullmatch(pin) and "*" not in pin else None
            declared.append(Declared(name, f"{name} = {constraint!r}", line, exact, False, "poetry", group))
    return declared
