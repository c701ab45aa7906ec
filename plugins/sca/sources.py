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
- ``pyproject.toml``: PEP 621, PEP 735 and Poetry declarations; exact pins are audited, the rest
  reported as unpinned;
- an installed environment: every distribution's metadata.

Every dependency keeps where it was declared (file and line), so findings point at the line to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pip_audit._dependency_source import DependencySource
from pip_audit._fix import ResolvedFixVersion
from pip_audit._service.interface import Dependency, ResolvedDependency

from gatecheck_plugins.dependencies import Environment, LockFile, Parsed, PyProject, RequirementsSet


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


@dataclass
class Collected:
    """Everything the files declared, de-duplicated, with origins and problems."""

    dependencies: list[Dependency] = field(default_factory=list)
    origins: dict[Dependency, list[Origin]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Dependencies that are the project itself or a local path: nothing to look up.
    local: list[str] = field(default_factory=list)

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
                self.problem("unpinned", req.name, req.text, origin,
                             "not pinned to one version (==X): the version that gets installed is not known")
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
        for declared in parsed.declared:
            origin = Origin(parsed.path, declared.line, "pyproject")
            if declared.direct:
                reason = ("a URL requirement installs whatever that location holds" if declared.table == "project"
                          else "a git, path or URL dependency has no version to audit")
                self.problem("unaudited", declared.name, declared.text, origin, reason)
            elif declared.exact is not None:
                self.audit(declared.name, declared.exact, origin, declared.text)
            else:
                lock = ("a lock file (uv.lock, poetry.lock, pylock.toml)" if declared.table == "project"
                        else "poetry.lock")
                self.problem("unpinned", declared.name, declared.text, origin, f"not pinned and no {lock} beside it")

    def environment(self, env: Environment) -> None:
        for item in env.distributions:
            if item.local:
                self.local.append(item.name)  # installed from a local directory: the project itself
                continue
            self.audit(item.name, item.version, Origin(env.where, None, "environment"), f"{item.name}=={item.version}")


def _allows(specifier: SpecifierSet | None, version: str) -> bool:
    try:
        return specifier is None or specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


class CollectedSource(DependencySource):
    """The collected dependencies as the one source pip-audit's ``Auditor`` takes."""

    def __init__(self, collected: Collected) -> None:
        self.collected = collected

    def collect(self) -> Iterator[Dependency]:
        yield from self.collected.dependencies

    def fix(self, fix_version: ResolvedFixVersion) -> None:
        raise NotImplementedError("a gate run never changes dependency files")
