"""What the SBOM is made of: the packages a project depends on, as read from one source.

A source is either a lock file (``pylock.toml``, ``uv.lock``, ``poetry.lock``, a pinned
``requirements.txt``) or an installed environment. Every reader returns an
:class:`Inventory`: the project itself (the SBOM's root component) and one
:class:`PackageRecord` per distinct package, with whatever the source knows about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL
from packaging.utils import canonicalize_name


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` removed: lock files of private indexes and Git
    hosts often embed tokens, and no secret may reach the SBOM or the attestation."""
    prefix = ""
    rest = url
    if "+" in url.split("://", 1)[0]:  # git+https://...
        prefix, rest = url.split("+", 1)
        prefix += "+"
    try:
        parts = urlsplit(rest)
        port = parts.port
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    return prefix + urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass
class Artifact:
    """One downloadable file of a package (a wheel or an sdist) and its digests."""

    #: ``{"sha256": "<hex>"}``; algorithm names as ``hashlib`` spells them.
    hashes: dict[str, str]
    url: str | None = None
    filename: str | None = None


@dataclass
class PackageRecord:
    """One package as a source describes it."""

    name: str
    version: str | None
    #: Where the package was found: a root-relative lock file path, or ``environment``.
    source: str
    #: 1-based line of the package's entry in a lock file (for findings); None for environments.
    line: int | None = None
    #: False when the source does not fix one exact version (``flask>=2``, a branch of a VCS repo).
    pinned: bool = True
    artifacts: list[Artifact] = field(default_factory=list)
    #: Digests of the component itself rather than one of its files (an installed RECORD).
    hashes: dict[str, str] = field(default_factory=dict)
    #: SPDX expression (``MIT``, ``Apache-2.0 OR MIT``) when the licence is known as one.
    license_expression: str | None = None
    #: Licence names that are not SPDX ids (``BSD-like``), when no expression is known.
    license_names: list[str] = field(default_factory=list)
    #: Names (canonical) and, where the source says, versions of direct dependencies.
    #: ``None`` means the source does not record them (requirements files): unknown, not "none".
    dependencies: list[tuple[str, str | None]] | None = None
    description: str | None = None
    #: ``purl`` qualifiers such as ``vcs_url`` or ``download_url`` for non-index sources.
    qualifiers: dict[str, str] = field(default_factory=dict)
    #: Extra facts worth keeping in the SBOM as ``gatecheck:`` properties.
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The canonical (PEP 503) name: how pip and the purl spec compare package names."""
        return canonicalize_name(self.name)

    @property
    def purl(self) -> PackageURL:
        """The package URL, ``pkg:pypi/<canonical name>@<version>``."""
        return PackageURL(
            type="pypi",
            name=self.key,
            version=self.version or None,
            qualifiers=dict(sorted(self.qualifiers.items())) or None,
        )

    @property
    def has_license(self) -> bool:
        return bool(self.license_expression or self.license_names)


@dataclass
class Project:
    """The project the SBOM describes: its root component."""

    name: str
    version: str | None = None
    description: str | None = None
    #: Canonical names of the project's direct dependencies, when known.
    dependencies: list[str] | None = None
    license_expression: str | None = None


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
