"""Dependency sources: pip-audit ``DependencySource`` implementations that never install anything.

A gate run reads dependency files statically. pip-audit's own ``RequirementSource`` and
``PyProjectSource`` resolve unpinned requirements by building a virtual environment (which
runs arbitrary ``setup.py`` code) and stop at the first unpinned line when told not to;
neither is acceptable in a gate. The sources here:

- ``requirements*.txt``: exact pins (``==1.2.3`` / ``===1.2.3``) are audited, and so is an
  open requirement that a ``-c`` constraints file pins exactly (pip installs that version);
  anything else (a range, no version, a URL, an editable) cannot be vouched for and is
  reported as a problem of its own; in a file that uses ``--hash``, a requirement without
  one is too. ``-r`` includes are followed.
- ``pylock.toml`` (PEP 751): read by pip-audit's own ``PyLockSource``.
- ``uv.lock`` and ``poetry.lock``: their ``[[package]]`` tables, read as TOML.
- ``pyproject.toml`` with no lock file and no ``requirements*.txt`` beside it: PEP 621 ``dependencies``,
  ``optional-dependencies``, PEP 735 ``dependency-groups`` and Poetry's dependency tables;
  exact pins are audited, the rest reported as unpinned.
- an installed environment: the ``*.dist-info`` metadata of a virtual environment's
  site-packages, read with ``importlib.metadata`` (no ``pip`` subprocess).

Every source records where each dependency came from (file and line) and the problems it
met, so findings can point at the line to change.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pip_audit._dependency_source import DependencySource
from pip_audit._dependency_source.pylock import PyLockSource, PyLockSourceError
from pip_audit._fix import ResolvedFixVersion
from pip_audit._service.interface import Dependency, ResolvedDependency, SkippedDependency
from pip_requirements_parser import RequirementsFile

from gatecheck.errors import CheckFailed

from .site_packages import find_site_packages

LOCK_NAMES = ("uv.lock", "poetry.lock", "pylock.toml")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class Origin:
    """Where a dependency was declared: a project-relative path, a line, the kind of file."""

    path: str
    line: int | None
    kind: str


@dataclass(frozen=True)
class Problem:
    """A declared dependency the gate cannot audit as it stands."""

    kind: str  # "unpinned" | "unaudited" | "missing-hash"
    name: str
    requirement: str
    origin: Origin
    reason: str


class StaticSource(DependencySource):
    """A pip-audit dependency source that also remembers origins and problems."""

    kind = "static"

    def __init__(self, path: Path, rel: str) -> None:
        self.path = path
        self.rel = rel
        #: The file being read right now (a requirements file may include others with -r).
        self.where = rel
        self.origins: dict[Dependency, list[Origin]] = {}
        self.problems: list[Problem] = []
        #: Dependencies that are the project itself (local paths): nothing to look up.
        self.local: list[str] = []

    def collect(self) -> Iterator[Dependency]:
        seen: set[Dependency] = set()
        for dep, line in self._dependencies():
            self.origins.setdefault(dep, []).append(Origin(self.where, line, self.kind))
            if dep not in seen:
                seen.add(dep)
                yield dep

    def _dependencies(self) -> Iterator[tuple[Dependency, int | None]]:
        raise NotImplementedError

    def fix(self, fix_version: ResolvedFixVersion) -> None:
        raise NotImplementedError("a gate run never changes dependency files")

    # helpers -------------------------------------------------------------------------
    def bad(self, message: str, line: int | None = None) -> CheckFailed:
        where = f"{self.where}:{line}" if line else self.where
        return CheckFailed(f"{where}: {message}", bad_input=True)

    def problem(self, kind: str, name: str, requirement: str, line: int | None, reason: str) -> None:
        self.problems.append(Problem(kind, canonicalize_name(name) if name else "", requirement,
                                     Origin(self.where, line, self.kind), reason))

    def resolved(self, name: str, version: str, line: int | None, requirement: str) -> ResolvedDependency | None:
        try:
            return ResolvedDependency(name=canonicalize_name(name), version=Version(version))
        except InvalidVersion:
            self.problem("unaudited", name, requirement, line, f"version {version!r} is not a PEP 440 version")
            return None

    def load_toml(self) -> tuple[dict[str, Any], str]:
        try:
            text = self.path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.bad(f"cannot read: {exc}") from exc
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as exc:
            match = _TOML_POS.search(str(exc))
            raise self.bad(f"invalid TOML: {_TOML_POS.sub('', str(exc)).strip()}",
                           int(match.group(1)) if match else None) from exc


def _exact_pin(req_specifier: Any) -> str | None:
    """The version of an exact pin (``==X`` without a wildcard, or ``===X``), else None."""
    specs = list(req_specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
        return str(spec.version)
    return None


class RequirementsFileSource(StaticSource):
    """A pip ``requirements.txt`` file, parsed with pip-requirements-parser (pip-audit's parser)."""

    kind = "requirements"

    def _dependencies(self) -> Iterator[tuple[Dependency, int | None]]:
        yield from self._read(self.path, self.rel, set())

    def _read(self, path: Path, rel: str, seen: set[Path]) -> Iterator[tuple[Dependency, int | None]]:
        seen.add(path.resolve())
        self.where = rel
        try:
            parsed = RequirementsFile.from_file(str(path), include_nested=False)
        except Exception as exc:  # the parser raises pip's InstallationError family
            raise self.bad(f"cannot parse requirements file: {exc}") from exc
        if parsed.invalid_lines:
            first = parsed.invalid_lines[0]
            raise self.bad(f"invalid requirement: {first.error_message}", first.line_number)
        self._read_constraints(path, rel, parsed)
        self.where = rel
        yield from self._requirements(parsed)
        # "-r other.txt" installs that file too; "-c" constraints install nothing by themselves
        # but pin what the requirements leave open (read above).
        for option in parsed.options:
            for include in option.options.get("requirements") or []:
                target = path.parent / include
                if not target.is_file():
                    self.where = rel
                    raise self.bad(f"-r {include}: no such file", option.line_number)
                if target.resolve() not in seen:
                    yield from self._read(target, posixpath.normpath(posixpath.join(posixpath.dirname(rel), include)), seen)

    def _read_constraints(self, path: Path, rel: str, parsed: RequirementsFile) -> None:
        """Exact pins of the ``-c`` files this file names: pip installs those versions of
        requirements the file leaves unpinned, so the gate can audit them."""
        if not hasattr(self, "constraints"):
            self.constraints: dict[str, tuple[str, str, int | None]] = {}
        for option in parsed.options:
            for name in option.options.get("constraints") or []:
                target = path.parent / name
                if not target.is_file():
                    raise self.bad(f"-c {name}: no such file", option.line_number)
                target_rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel), name))
                try:
                    constraints = RequirementsFile.from_file(str(target), include_nested=False)
                except Exception as exc:
                    self.where = target_rel
                    raise self.bad(f"cannot parse constraints file: {exc}") from exc
                for req in constraints.requirements:
                    version = _exact_pin(req.specifier) if req.name and req.specifier is not None else None
                    if req.name and version:
                        self.constraints.setdefault(canonicalize_name(req.name), (version, target_rel, req.line_number))

    def _constrained(self, req: Any) -> str | None:
        """The version a constraints file pins for an unpinned requirement, if it satisfies it."""
        pinned = getattr(self, "constraints", {}).get(canonicalize_name(req.name))
        if pinned is None:
            return None
        version = pinned[0]
        try:
            allowed = req.specifier is None or req.specifier.contains(Version(version), prereleases=True)
        except InvalidVersion:
            return None
        return version if allowed else None

    def _requirements(self, parsed: RequirementsFile) -> Iterator[tuple[Dependency, int | None]]:
        hashed = any(req.hash_options for req in parsed.requirements)
        for req in parsed.requirements:
            line = req.line_number
            text = req.dumps().strip()
            local_path = req.link is not None and not req.is_url
            if local_path:
                # "-e ." or "./libs/x": the project itself or a vendored path, not a PyPI release
                self.local.append(req.name or str(req.link))
                continue
            if req.req is None or req.name is None:
                self.problem("unaudited", "", text, line, "a URL requirement has no version to audit")
                continue
            if hashed and not req.hash_options:
                self.problem("missing-hash", req.name, text, line,
                             "the file uses --hash, so pip runs in hash-checking mode and refuses this line")
            if req.is_editable or req.link is not None:
                self.problem("unaudited", req.name, text, line,
                             "a URL or editable requirement installs whatever that location holds")
                continue
            version = _exact_pin(req.specifier) if req.specifier is not None else None
            if version is None:
                version = self._constrained(req)
            if version is None:
                self.problem("unpinned", req.name, text, line,
                             "not pinned to one version (==X): the version that gets installed is not known")
                continue
            dep = self.resolved(req.name, version, line, text)
            if dep is not None:
                yield dep, line


class PyLockFileSource(StaticSource):
    """A PEP 751 ``pylock.toml``, read by pip-audit's ``PyLockSource``."""

    kind = "pylock"

    def _dependencies(self) -> Iterator[tuple[Dependency, int | None]]:
        _, text = self.load_toml()  # for a clear error with a line before pip-audit reads it
        lines = _table_name_lines(text, "packages")
        try:
            deps = list(PyLockSource([self.path]).collect())
        except PyLockSourceError as exc:
            raise self.bad(str(exc).replace(str(self.path), "").lstrip(": ") or "invalid lock file") from exc
        except InvalidVersion as exc:
            raise self.bad(f"invalid version: {exc}") from exc
        for index, dep in enumerate(deps):
            line = lines[index] if index < len(lines) else None
            if isinstance(dep, SkippedDependency):
                self.problem("unaudited", dep.name, dep.name, line, f"lock entry without a version ({dep.skip_reason})")
                continue
            assert isinstance(dep, ResolvedDependency)
            yield ResolvedDependency(name=canonicalize_name(dep.name), version=dep.version), line


class LockFileSource(StaticSource):
    """``uv.lock`` and ``poetry.lock``: the ``[[package]]`` tables of a TOML lock file."""

    def __init__(self, path: Path, rel: str) -> None:
        super().__init__(path, rel)
        self.kind = path.name

    def _dependencies(self) -> Iterator[tuple[Dependency, int | None]]:
        data, text = self.load_toml()
        packages = data.get("package", [])
        if not isinstance(packages, list):
            raise self.bad("'package' must be an array of tables", _first_line(text, "package"))
        lines = _table_name_lines(text, "package")
        for index, package in enumerate(packages):
            line = lines[index] if index < len(lines) else None
            if not isinstance(package, dict) or not isinstance(package.get("name"), str):
                raise self.bad(f"package #{index + 1} has no name", line)
            name = package["name"]
            source = package.get("source")
            if isinstance(source, dict) and (
                {"editable", "virtual", "directory", "path"} & set(source)
                or source.get("type") in ("directory", "file")
            ):
                self.local.append(name)  # the project itself or a path dependency
                continue
            version = package.get("version")
            if not isinstance(version, str) or not version:
                self.problem("unaudited", name, name, line, "lock entry without a version")
                continue
            dep = self.resolved(name, version, line, f"{name}=={version}")
            if dep is not None:
                yield dep, line


class PyProjectSource(StaticSource):
    """A ``pyproject.toml`` that no lock file accompanies: its declared requirements."""

    kind = "pyproject"

    def _dependencies(self) -> Iterator[tuple[Dependency, int | None]]:
        data, text = self.load_toml()
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        declared: list[str] = []
        declared += [d for d in project.get("dependencies", []) if isinstance(d, str)]
        for group in (project.get("optional-dependencies") or {}).values():
            declared += [d for d in group if isinstance(d, str)] if isinstance(group, list) else []
        for group in (data.get("dependency-groups") or {}).values():
            declared += [d for d in group if isinstance(d, str)] if isinstance(group, list) else []
        for item in declared:
            line = _line_of(text, item)
            try:
                req = Requirement(item)
            except InvalidRequirement as exc:
                raise self.bad(f"invalid requirement {item!r}: {exc}", line) from exc
            if req.url:
                self.problem("unaudited", req.name, item, line, "a URL requirement installs whatever that location holds")
                continue
            version = _exact_pin(req.specifier)
            if version is None:
                self.problem("unpinned", req.name, item, line,
                             "not pinned and no lock file (uv.lock, poetry.lock, pylock.toml) beside it")
                continue
            dep = self.resolved(req.name, version, line, item)
            if dep is not None:
                yield dep, line
        yield from self._poetry(data, text)

    def _poetry(self, data: dict[str, Any], text: str) -> Iterator[tuple[Dependency, int | None]]:
        poetry = (data.get("tool") or {}).get("poetry") or {}
        tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
        tables += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()]
        for table in tables:
            for name, spec in table.items():
                if name.lower() == "python":
                    continue
                line = _line_of(text, name)
                constraint = spec.get("version") if isinstance(spec, dict) else spec
                if not isinstance(constraint, str):
                    self.problem("unaudited", name, f"{name} = {json.dumps(spec)}", line,
                                 "a git, path or URL dependency has no version to audit")
                    continue
                pin = constraint.strip().removeprefix("==").strip()
                if re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", pin) and "*" not in pin:
                    dep = self.resolved(name, pin, line, f"{name} = {constraint!r}")
                    if dep is not None:
                        yield dep, line
                else:
                    self.problem("unpinned", name, f"{name} = {constraint!r}", line,
                                 "not pinned and no poetry.lock beside it")


class InstalledEnvironmentSource(StaticSource):
    """The distributions installed in a virtual environment (or one site-packages directory)."""

    kind = "environment"

    def __init__(self, path: Path, rel: str) -> None:
        super().__init__(path, rel)
        self.site_packages = find_site_packages(path)
        if not self.site_packages:
            raise self.bad("no site-packages directory found (expected a virtual environment or site-packages)")

    def metadata_files(self) -> list[Path]:
        files: list[Path] = []
        for site in self.site_packages:
            files += sorted(site.glob("*.dist-info/METADATA"))
        return files

    def _dependencies(self) -> Iterator[tuple[Dependency, int | None]]:
        for dist in importlib_metadata.distributions(path=[str(p) for p in self.site_packages]):
            name = dist.metadata["Name"]
            if not name:
                continue
            direct = dist.read_text("direct_url.json")
            if direct:
                try:
                    info = json.loads(direct)
                except ValueError:
                    info = {}
                if isinstance(info, dict) and "dir_info" in info:
                    self.local.append(name)  # installed from a local directory: the project itself
                    continue
            dep = self.resolved(name, dist.version, None, f"{name}=={dist.version}")
            if dep is not None:
                yield dep, None


def _table_name_lines(text: str, table: str) -> list[int]:
    """Line of each ``[[table]]`` header's ``name = ...`` key, in document order."""
    lines: list[int] = []
    header = f"[[{table}]]"
    pending: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped == header:
            pending = number
        elif stripped.startswith("["):
            if pending is not None:
                lines.append(pending)
            pending = None
        elif pending is not None and re.match(r"name\s*=", stripped):
            lines.append(number)
            pending = None
    if pending is not None:
        lines.append(pending)
    return lines


def _first_line(text: str, key: str) -> int | None:
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip().startswith((key, f"[{key}", f"[[{key}")):
            return number
    return None


def _line_of(text: str, needle: str) -> int | None:
    for number, raw in enumerate(text.splitlines(), start=1):
        if needle in raw:
            return number
    return None


@dataclass
class Collected:
    """Everything the sources declared, de-duplicated, with origins and problems."""

    dependencies: list[Dependency] = field(default_factory=list)
    origins: dict[Dependency, list[Origin]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    local: list[str] = field(default_factory=list)


class CombinedSource(DependencySource):
    """Several sources as one, each dependency once (pip-audit's Auditor takes one source)."""

    def __init__(self, sources: list[StaticSource]) -> None:
        self.sources = sources
        self.collected = Collected()

    def collect(self) -> Iterator[Dependency]:
        seen: set[Dependency] = set()
        for source in self.sources:
            for dep in source.collect():
                if dep not in seen:
                    seen.add(dep)
                    self.collected.dependencies.append(dep)
                    yield dep
            for dep, origins in source.origins.items():
                self.collected.origins.setdefault(dep, []).extend(origins)
            self.collected.problems.extend(source.problems)
            self.collected.local.extend(source.local)

    def fix(self, fix_version: ResolvedFixVersion) -> None:
        raise NotImplementedError("a gate run never changes dependency files")
