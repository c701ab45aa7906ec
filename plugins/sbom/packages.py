"""What the SBOM is made of: the packages a project depends on, as read from one source.

A source is either lock files (``pylock.toml``, ``uv.lock``, ``poetry.lock``, a pinned
``requirements.txt``) or an installed environment, read by the dependency inventory the sca
check shares (:mod:`gatecheck_plugins.dependencies`). The result is an :class:`Inventory`: the
project itself (the SBOM's root component) and one
:class:`~gatecheck_plugins.dependencies.PackageRecord` per distinct package.

Lock files and environments already describe packages; a requirements file declares them, and
:func:`from_requirements` says what each line means for an SBOM: ``name==X`` (or ``===``) is a
pinned release; a direct URL is pinned only by a ``--hash``; an editable install or a local
directory never is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.requirements import Requirement as Pep508
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from gatecheck_plugins.dependencies import (
    Artifact,
    DependencyFileError,
    PackageRecord,
    Project,
    PyProject,
    Requirement,
    RequirementsSet,
    checked_url,
)


@dataclass
class Inventory:
    """Everything one source says: the project, its packages, and which files said it."""

    project: Project
    packages: list[PackageRecord]
    #: What kind of source this was: ``pylock``, ``uv.lock``, ``poetry.lock``, ``requirements``, ``environment``.
    kind: str
    #: Root-relative paths (or absolute paths outside the root) of the files read.
    files: list[str] = field(default_factory=list)


def merge(records: Iterable[PackageRecord]) -> list[PackageRecord]:
    """Collapse records of the same package and version into one, keeping every hash and dependency.

    Two lock files (or two requirement lines) naming the same release describe one
    component; the SBOM must list it once.
    """
    merged: dict[tuple[str, str | None], PackageRecord] = {}
    for record in records:
        ident = (record.key, record.version)
        seen = merged.get(ident)
        if seen is None:
            merged[ident] = record
            continue
        known_urls = {(a.url, a.filename, tuple(sorted(a.hashes.items()))) for a in seen.artifacts}
        for artifact in record.artifacts:
            if (artifact.url, artifact.filename, tuple(sorted(artifact.hashes.items()))) not in known_urls:
                seen.artifacts.append(artifact)
        for alg, value in record.hashes.items():
            seen.hashes.setdefault(alg, value)
        if record.dependencies is not None:
            deps = list(seen.dependencies or [])
            deps.extend(d for d in record.dependencies if d not in deps)
            seen.dependencies = deps
        seen.pinned = seen.pinned and record.pinned
        seen.license_expression = seen.license_expression or record.license_expression
        seen.license_names = seen.license_names or record.license_names
    return sorted(merged.values(), key=lambda r: (r.key, r.version or ""))


def from_declared(parsed: PyProject) -> list[PackageRecord]:
    """One record per dependency a pyproject.toml or setup.cfg declares: a range, not a release
    (``specifier``), unless it pins one exact version. The project's own name (``requests[socks]`` in
    its own test group) is the root component, not a dependency."""
    own = canonicalize_name(parsed.project.name)
    records: list[PackageRecord] = []
    for declared in parsed.declared:
        if canonicalize_name(declared.name) == own and not declared.direct:
            continue
        specifier = ""
        if declared.table != "poetry" and not declared.direct:
            specifier = str(Pep508(declared.text).specifier)
        elif declared.table == "poetry":
            specifier = declared.text.partition(" = ")[2].strip("'\"")
        records.append(PackageRecord(
            name=declared.name, version=declared.exact, source=parsed.path, line=declared.line,
            pinned=declared.exact is not None, specifier=None if declared.exact is not None else specifier,
            group=declared.group, properties={"gatecheck:requirement": declared.text} if declared.exact is None else {},
        ))
    return records


def from_requirements(parsed: RequirementsSet) -> list[PackageRecord]:
    """One record per requirement the set installs (constraints files are not components)."""
    records = [_record(requirement) for _, requirement in parsed.requirements()]
    return [record for record in records if record is not None]


def _record(req: Requirement) -> PackageRecord | None:
    artifacts = [Artifact(hashes=dict([h])) for h in req.hashes]
    link = req.link
    if link is not None and (req.editable or (req.local and _archive(link) is None)):
        if req.local and posixpath.normpath(link) == ".":
            return None  # the project itself: the SBOM's root component
        # An editable install or a directory follows a working tree: never a pinned release.
        name = req.name or posixpath.basename(link.rstrip("/")) or link
        key = "gatecheck:editable" if req.editable else "gatecheck:requirement"
        return PackageRecord(name=name, version=None, source=req.path, line=req.line, pinned=False,
                             properties={key: link})
    if link is not None and not req.direct:
        return _bare_file(req, link)
    if req.name is None:  # pragma: no cover - pip's parser names every other kind of line
        raise DependencyFileError(req.path, req.line, "not a valid requirement: it names no package")
    qualifiers: dict[str, str] = {}
    pinned = req.exact is not None
    if req.direct and link is not None:
        if link.startswith(("https://", "http://")):
            qualifiers["download_url"] = link  # never a machine-specific file:// path
        pinned = bool(req.hashes)
    ranged = req.exact is None and not req.direct and link is None
    return PackageRecord(
        name=req.name, version=req.exact, source=req.path, line=req.line, pinned=pinned, artifacts=artifacts,
        qualifiers=qualifiers, properties={"gatecheck:requirement": req.pep508 or req.text} if not pinned else {},
        specifier=str(req.specifier or "") if ranged else None,
    )


def _archive(link: str) -> tuple[str, str] | None:
    """``(name, version)`` of a wheel or sdist file name, or None for anything else."""
    filename = link.rsplit("/", 1)[-1]
    try:
        name, version, *_ = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        try:
            name, version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return None
    return str(name), str(version)


def _bare_file(req: Requirement, link: str) -> PackageRecord:
    """A requirement given as a wheel or sdist path or URL: name and version come from the file name."""
    found = _archive(link)
    if found is None:
        raise DependencyFileError(req.path, req.line, f"not a valid requirement: {link!r} is neither a wheel, an sdist "
                                                      "nor a directory")
    name, version = found
    filename = link.rsplit("/", 1)[-1]
    url = checked_url(req.path, req.line, link) if "://" in link else None
    return PackageRecord(
        name=name, version=version, source=req.path, line=req.line, pinned=bool(req.hashes),
        artifacts=[Artifact(hashes=dict([h]), url=url, filename=filename) for h in req.hashes],
    )


def vers(specifier: str) -> str | None:
    """A PEP 440 range in the ``vers`` syntax CycloneDX uses for version ranges (``vers:pypi/>=2.0|<3``).

    Each clause becomes one constraint, sorted by version as vers requires: ``~=2.2`` is ``>=2.2|<3``,
    ``==2.*`` is ``>=2|<3``; an exclusion of a whole prefix (``!=2.1.*``) has no vers form and is left
    out (the range it describes is then slightly wider). None when a version cannot be read.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    constraints: list[tuple[Version, str]] = []
    for item in spec:
        text, op = item.version, item.operator
        wildcard = text.endswith(".*")
        try:
            version = Version(text.removesuffix(".*"))
        except InvalidVersion:
            return None
        release = version.release
        if op == "!=" and wildcard:
            continue
        if (op == "==" and wildcard) or op == "~=":
            prefix = release if op == "==" else (release[:-1] if len(release) > 1 else release)
            upper = Version(".".join(str(p) for p in (*prefix[:-1], prefix[-1] + 1)))
            constraints += [(version, ">="), (upper, "<")]
        elif op in ("==", "==="):
            constraints.append((version, ""))
        else:
            constraints.append((version, op))
    if not constraints:
        return "vers:pypi/*"
    ordered = sorted(set(constraints), key=lambda c: (c[0], c[1]))
    return "vers:pypi/" + "|".join(f"{op}{version}" for version, op in ordered)
