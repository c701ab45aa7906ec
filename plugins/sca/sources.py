"""What the sca check audits: the dependency inventory's files, turned into pip-audit dependencies.

Files are found, read and parsed by :mod:`gatecheck_plugins.dependencies` (the inventory the
sbom check reads too); this module decides what each declaration means for an audit. Nothing
is resolved or installed: pip-audit's own ``RequirementSource`` and ``PyProjectSource`` would
build a virtual environment (running arbitrary ``setup.py`` code) to resolve an unpinned
requirement, which no gate may do.

- requirements files: exact pins (``==1.2.3`` / ``===1.2.3``) are audited, and so is an open
  requirement that a ``-c`` constraints file pins exactly (pip installs that version); anything
  else (a range, no version, a URL, an editable) cannot be vouched for and is reported as a
  problem of its own; in a file that uses ``--hash``, a requirement without one is too;
- lock files (``pylock.toml``, ``uv.lock``, ``poetry.lock``): every locked version; the project
  itself and path dependencies are ``local``;
- ``pyproject.toml`` and ``setup.cfg``: PEP 621, PEP 735, Poetry and setuptools declarations;
  exact pins are audited, ranges are what the project's shape makes of them;
- an installed environment: every distribution's metadata.

A range means what the project's shape (:mod:`gatecheck_plugins.dependencies.shape`) says: in an
application it is a problem (the installed version is not known), in a library it is a
:class:`Ranged` declaration, checked against the advisories' affected ranges (:mod:`.ranges`).

Every dependency keeps where it was declared (file and line), so findings point at the line to change.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# pip-audit ships no type information: its classes are Any to mypy, hence the ignores below.
from pip_audit._dependency_source import DependencySource  # type: ignore[import-untyped, unused-ignore]
from pip_audit._fix import ResolvedFixVersion  # type: ignore[import-untyped, unused-ignore]
from pip_audit._service.interface import Dependency, ResolvedDependency  # type: ignore[import-untyped, unused-ignore]

from gatecheck_plugins import dependencies
from gatecheck_plugins.dependencies import Environment, LockFile, Parsed, PyProject, RequirementsSet, Shape, Tree


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


@dataclass(frozen=True)
class Ranged:
    """A library's declared range (``werkzeug>=3.0.0``), to check against the advisories' ranges."""

    name: str
    #: PEP 440 specifier set as written (empty: any version; None: a constraint gatecheck cannot read).
    specifier: str | None
    requirement: str
    origin: Origin
    group: str | None = None


@dataclass
class Collected:
    """Everything the files declared, de-duplicated, with origins and problems."""

    #: ``application`` or ``library``: what a range means (see the module docstring).
    shape: str = dependencies.APPLICATION
    dependencies: list[Dependency] = field(default_factory=list)
    origins: dict[Dependency, list[Origin]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ranges: list[Ranged] = field(default_factory=list)
    #: Dependencies that are the project itself or a local path: nothing to look up.
    local: list[str] = field(default_factory=list)

    def declared_versions(self) -> dict[str, list[dict[str, object]]]:
        """Every pinned version of each package, with the file and line that pins it."""
        found: dict[str, list[dict[str, object]]] = {}
        for dep in self.dependencies:
            if isinstance(dep, ResolvedDependency):
                for origin in self.origins.get(dep, []):
                    found.setdefault(dep.canonical_name, []).append(
                        {"path": origin.path, "line": origin.line, "version": str(dep.version)})
        return found

    def unpinned(self, name: str, requirement: str, origin: Origin, reason: str, specifier: SpecifierSet | str | None,
                 group: str | None = None) -> None:
        """A requirement that names no single version: a problem in an application, a range in a library
        (``specifier`` None: a constraint that is not PEP 440, which cannot be placed)."""
        if self.shape == dependencies.LIBRARY:
            self.ranges.append(Ranged(canonicalize_name(name), None if specifier is None else str(specifier),
                                      requirement, origin, group))
        else:
            self.problem("unpinned", name, requirement, origin, reason)

    # -- recording ------------------------------------------------------------------------
    def audit(self, name: str, version: str, origin: Origin, requirement: str) -> None:
        """Audit ``name`` at ``version``; a version that is not PEP 440 is a problem instead."""
        try:
            dep = ResolvedDependency(name=canonicalize_name(name), version=Version(version))
        except InvalidVersion:
            self.problem("unaudited", name, requirement, origin, f"version {version!r} is not a PEP 440 version")
            return
        if dep not in self.origins:
            self.dependencies.append(dep)
        self.origins.setdefault(dep, []).append(origin)

    def problem(self, kind: str, name: str, requirement: str, origin: Origin, reason: str) -> None:
        self.problems.append(Problem(kind, canonicalize_name(name) if name else "", requirement, origin, reason))

    # -- one kind of file each ---------------------------------------------------------------
    def add(self, parsed: Parsed) -> None:
        if isinstance(parsed, RequirementsSet):
            self.requirements(parsed)
        elif isinstance(parsed, LockFile):
            self.lock(parsed)
        else:
            self.pyproject(parsed)

    def requirements(self, parsed: RequirementsSet) -> None:
        pins = parsed.pins()
        for file, req in parsed.requirements():
            origin = Origin(req.path, req.line, "requirements")
            if req.local:
                # "-e ." or "./libs/x": the project itself or a vendored path, not a PyPI release
                self.local.append(req.name or str(req.link))
                continue
            if req.name is None:
                self.problem("unaudited", "", req.text, origin, "a URL requirement has no version to audit")
                continue
            if file.hash_checking and not req.hashes:
                self.problem("missing-hash", req.name, req.text, origin,
                             "the file uses --hash, so pip runs in hash-checking mode and refuses this line")
            if req.editable or req.link is not None:
                self.problem("unaudited", req.name, req.text, origin,
                             "a URL or editable requirement installs whatever that location holds")
                continue
            version = req.exact
            if version is None:
                # pip installs the version a constraints file pins, if the requirement allows it.
                pinned = pins.get(canonicalize_name(req.name))
                if pinned is not None and pinned.exact is not None and _allows(req.specifier, pinned.exact):
                    version = pinned.exact
            if version is None:
                self.unpinned(req.name, req.text, origin,
                              "not pinned to one version (==X): the version that gets installed is not known",
                              req.specifier if req.specifier is not None else "")
                continue
            self.audit(req.name, version, origin, req.text)

    def lock(self, parsed: LockFile) -> None:
        if parsed.root_name:
            self.local.append(parsed.root_name)
        for record in parsed.records:
            origin = Origin(parsed.path, record.line, parsed.kind)
            if record.local:
                self.local.append(record.name)  # the project itself or a path dependency
            elif not record.version:
                self.problem("unaudited", record.name, record.name, origin, "lock entry without a version")
            else:
                self.audit(record.name, record.version, origin, f"{record.name}=={record.version}")

    def pyproject(self, parsed: PyProject) -> None:
        own = canonicalize_name(parsed.project.name)
        for declared in parsed.declared:
            origin = Origin(parsed.path, declared.line, parsed.kind)
            if parsed.declares_package and canonicalize_name(declared.name) == own and not declared.direct:
                self.local.append(declared.name)  # "requests[socks]" in requests' own test group: the project itself
                continue
            if declared.direct and declared.table == "poetry" and '"path":' in declared.text:
                self.local.append(declared.name)  # a Poetry path dependency: a directory of the project
                continue
            if declared.direct:
                reason = ("a URL requirement installs whatever that location holds" if declared.table == "project"
                          else "a git, path or URL dependency has no version to audit")
                self.problem("unaudited", declared.name, declared.text, origin, reason)
            elif declared.exact is not None:
                self.audit(declared.name, declared.exact, origin, declared.text)
            else:
                lock = "poetry.lock" if declared.table == "poetry" else "lock file (uv.lock, poetry.lock, pylock.toml)"
                self.unpinned(declared.name, declared.text, origin, f"not pinned, and no {lock} beside it",
                              _specifier_of(declared), declared.group)

    def environment(self, env: Environment) -> None:
        for item in env.distributions:
            if item.local:
                self.local.append(item.name)  # installed from a local directory: the project itself
                continue
            self.audit(item.name, item.version, Origin(env.where, None, "environment"), f"{item.name}=={item.version}")


def _specifier_of(declared: dependencies.Declared) -> str | None:
    """A declaration's PEP 440 range; None for a Poetry constraint (``^2.0``) that is not PEP 440."""
    if declared.table != "poetry":
        from packaging.requirements import Requirement as Pep508

        return str(Pep508(declared.text).specifier)
    constraint = declared.text.partition(" = ")[2].strip("'\"")
    parts = [_poetry_part(p.strip()) for p in constraint.split(",")] if "||" not in constraint else [None]
    if any(p is None for p in parts):
        return None
    try:
        return str(SpecifierSet(",".join(p for p in parts if p)))
    except ValueError:
        return None


def _poetry_part(text: str) -> str | None:
    """One Poetry constraint as PEP 440: ``^1.2`` is ``>=1.2,<2``, ``~1.2`` is ``>=1.2,<1.3``, ``*`` any."""
    if text in ("", "*"):
        return ""
    if text[0] in "^~" and not text.startswith("~="):
        try:
            version = Version(text[1:].strip())
        except InvalidVersion:
            return None
        release = list(version.release)
        if text[0] == "^":
            index = next((i for i, p in enumerate(release) if p != 0), len(release) - 1)
        else:
            index = min(1, len(release) - 1) if len(release) > 1 else 0
        upper = [*release[:index], release[index] + 1]
        return f">={version},<{'.'.join(str(p) for p in upper)}"
    return text if text[0] in "<>=!~" else f"=={text}"


#: Directories of test data: a dependency file in one may be malformed on purpose (poetry's sdist
#: ships ``tests/fixtures/invalid_lock/poetry.lock``), so it is set aside instead of failing the check.
TEST_DATA_DIRS = frozenset({"tests", "test", "testing", "fixtures", "testdata", "test_data"})


@dataclass
class Gathered:
    """What one tree's dependency files declare, which files those were, and the project's shape."""

    collected: Collected
    files: list[str]
    shape: Shape
    #: Malformed dependency files among test data, set aside: ``[{path, error}]``.
    unreadable: list[dict[str, str]] = field(default_factory=list)


def _read(tree: Tree, rel: str, unreadable: list[dict[str, str]]) -> Parsed | None:
    """A parsed dependency file; a malformed one is bad input, unless it lies among test data."""
    try:
        return dependencies.read(tree, rel)
    except dependencies.DependencyFileError as exc:
        if not TEST_DATA_DIRS & set(rel.split("/")[:-1]):
            raise
        unreadable.append({"path": rel, "error": str(exc)})
        return None


def gather(tree: Tree, files: list[str], *, listed: list[str], shape: str = "auto",
           environment: Environment | None = None) -> Gathered:
    """Read ``files`` of ``tree`` (and the environment) and collect what they declare.

    A package's own declaration (pyproject.toml, setup.cfg) beside a lock file, or beside a
    ``requirements*.txt`` that pins everything (pip-compile's output), is not read: the lock says
    what its ranges resolve to, and that is what gets audited.
    """
    parsed: list[Parsed] = []
    unreadable: list[dict[str, str]] = []
    for rel in files:
        if dependencies.kind_of(rel) not in dependencies.PACKAGE_KINDS:
            item = _read(tree, rel, unreadable)
            if item is not None:
                parsed.append(item)
    resolved_dirs = {posixpath.dirname(p.path) for p in parsed if isinstance(p, LockFile) or (
        isinstance(p, RequirementsSet) and fnmatch.fnmatch(posixpath.basename(p.path), "requirements*.txt")
        and p.fully_pinned())}
    for rel in files:
        if dependencies.kind_of(rel) in dependencies.PACKAGE_KINDS and posixpath.dirname(rel) not in resolved_dirs:
            declared = _read(tree, rel, unreadable)
            # A setup.cfg of tool settings only (flake8, pytest) declares nothing to audit.
            if isinstance(declared, PyProject) and (declared.declared or declared.declares_package):
                parsed.append(declared)
    found = (dependencies.shape.configured(shape) if shape in dependencies.SHAPES
             else dependencies.shape.detect(parsed, listed, environment=environment is not None))
    collected = Collected(shape=found.kind)
    read: list[str] = []
    for item in sorted(parsed, key=lambda p: files.index(p.path) if p.path in files else len(files)):
        collected.add(item)
        read.append(item.path)
    if environment is not None:
        collected.environment(environment)
        read.append(environment.where)
    return Gathered(collected, read, found, unreadable)


def _allows(specifier: SpecifierSet | None, version: str) -> bool:
    try:
        return specifier is None or specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


class CollectedSource(DependencySource):  # type: ignore[misc]
    """The collected dependencies as the one source pip-audit's ``Auditor`` takes."""

    def __init__(self, collected: Collected) -> None:
        self.collected = collected

    def collect(self) -> Iterator[Dependency]:
        yield from self.collected.dependencies

    def fix(self, fix_version: ResolvedFixVersion) -> None:
        raise NotImplementedError("a gate run never changes dependency files")
