"""``setup.cfg``: a setuptools project's declarative metadata and the dependencies it declares.

Many long-lived libraries (and projects that moved only their build settings to pyproject.toml)
still declare their dependencies here: ``[options] install_requires`` and
``[options.extras_require]``. They are declarations, as in pyproject.toml: a range stays a range.
A ``setup.cfg`` that holds only tool settings (flake8, isort, pytest) declares no package and no
dependency. ``file:`` and ``attr:`` directives are not followed: the named file is a dependency
file of its own when the selection picks it.
"""

from __future__ import annotations

import configparser
import re

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import canonicalize_name

from gatecheck.api import scrub_url_credentials

from . import tomlfile
from .files import Tree, read_text
from .model import DependencyFileError, Project, exact_pin
from .pyproject import Declared, PyProject

#: Largest setup.cfg read.
MAX_SETUP_CFG_BYTES = 4 * 1024 * 1024
#: configparser's own limit on nested %(name)s references, and a bound on what expansion may produce.
MAX_INTERPOLATION_DEPTH = 10
MAX_EXPANDED_CHARS = 1024 * 1024
_REFERENCE = re.compile(r"%\(([^)]*)\)s")


class SetupCfg(PyProject):
    """What a setup.cfg says about the project and its dependencies (the same shape as pyproject.toml)."""

    kind = "setup.cfg"


def read(repo: Tree, rel: str, *, default_name: str) -> SetupCfg:
    """Read ``rel``; ``default_name`` names the project when the file does not."""
    text = read_text(repo, rel, limit=MAX_SETUP_CFG_BYTES, what="setup.cfg")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=rel)
    except configparser.MissingSectionHeaderError as exc:  # a ParsingError too: it must come first
        raise DependencyFileError(rel, exc.lineno, "not a valid setup.cfg (INI) file: text before the first "
                                                   "[section]") from exc
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else None
        raise DependencyFileError(rel, line, "not a valid setup.cfg (INI) file: a line is neither a section, "
                                             "an option nor a continuation") from exc
    except configparser.Error as exc:
        raise DependencyFileError(rel, getattr(exc, "lineno", None), f"not a valid setup.cfg: {exc.message}") from exc
    metadata = parser["metadata"] if parser.has_section("metadata") else None
    name = _plain(metadata.get("name") if metadata else None)
    found = SetupCfg(rel, Project(
        name=name or default_name,
        version=_plain(metadata.get("version") if metadata else None),
        description=_plain(metadata.get("description") if metadata else None),
    ))
    declared: list[Declared] = []
    if parser.has_section("options"):
        options = parser["options"]
        declared += _requirements(rel, text, _expand(rel, text, options, options.get("install_requires")), None)
    if parser.has_section("options.extras_require"):
        extras = parser["options.extras_require"]
        for extra, value in extras.items():
            declared += _requirements(rel, text, _expand(rel, text, extras, value), f"extra:{extra}")
    found.declared = declared
    found.project.dependencies = list(dict.fromkeys(str(canonicalize_name(d.name)) for d in declared if d.group is None))
    found.declares_package = bool(name) or parser.has_section("options")
    return found


def _expand(rel: str, text: str, section: configparser.SectionProxy, value: str | None) -> str | None:
    """``value`` with ``%(name)s`` replaced by option ``name`` of the same section and ``%%`` by ``%``,
    as setuptools reads setup.cfg (configparser's basic interpolation; SQLAlchemy's extras say
    ``postgresql_asyncpg = %(asyncio)s asyncpg``). Written here rather than left to configparser,
    whose expansion has no bound on how large a value grows when each level repeats a reference;
    too deep, too large or a missing name is bad input naming the line."""
    if value is None or "%" not in value:
        return value
    escaped = "\0"
    for _ in range(MAX_INTERPOLATION_DEPTH):
        value = value.replace("%%", escaped)
        if "%(" not in value:
            break

        def resolve(found: re.Match[str]) -> str:
            referenced = section.get(found.group(1), raw=True)
            if referenced is None:
                raise DependencyFileError(rel, tomlfile.line_containing(text, found.group(0)),
                                          f"{found.group(0)} names no option of [{section.name}]")
            return referenced

        value = _REFERENCE.sub(resolve, value)
        if len(value) > MAX_EXPANDED_CHARS:
            raise DependencyFileError(rel, None, f"[{section.name}]: %(name)s references expand beyond "
                                                 f"{MAX_EXPANDED_CHARS} characters")
    else:
        if "%(" in value.replace("%%", escaped):
            raise DependencyFileError(rel, None, f"[{section.name}]: %(name)s references nest deeper than "
                                                 f"{MAX_INTERPOLATION_DEPTH} levels")
    return value.replace(escaped, "%")


def _plain(value: str | None) -> str | None:
    """A metadata value, unless it is a directive (``attr: pkg.__version__``, ``file: README``)."""
    if value is None:
        return None
    value = value.strip()
    return None if not value or value.startswith(("attr:", "file:")) else value


def _requirements(rel: str, text: str, value: str | None, group: str | None) -> list[Declared]:
    """The requirements of one multi-line option value, one per line."""
    if not value or value.strip().startswith("file:"):
        return []
    declared: list[Declared] = []
    for raw in value.splitlines():
        item = raw.split(" #", 1)[0].strip()
        if not item or item.startswith(("#", ";")):
            continue
        line = tomlfile.line_containing(text, item)
        try:
            req = Pep508(item)
        except InvalidRequirement as exc:
            raise DependencyFileError(rel, line, f"invalid dependency {item!r}: {exc}") from exc
        declared.append(Declared(name=req.name, text=scrub_url_credentials(item), line=line,
                                 exact=None if req.url else exact_pin(req.specifier), direct=bool(req.url),
                                 table="setup.cfg", group=group))
    return declared
