"""What the dependency inventory hands to the checks: packages as a file records them, the
project itself, digests, and the one error every malformed dependency file raises.

Nothing here reads a file; the readers (:mod:`.requirements`, :mod:`.locks`,
:mod:`.pyproject`, :mod:`.environment`) build these from files they read through the
repository view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL
from packaging.utils import canonicalize_name

from gatecheck.api import CheckFailed, scrub_url_credentials

#: Hex digest lengths of the algorithms a lock file may use (and CycloneDX has a name for).
HASH_LENGTHS = {
    "md5": 32, "sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128,
    "sha3_256": 64, "sha3_384": 96, "sha3_512": 128,
}


class DependencyFileError(CheckFailed):
    """A dependency file is malformed, or names a file it may not read: bad input (exit 2).

    The message starts with ``file:line:`` and never carries a URL's credentials.
    """

    def __init__(self, rel: str, line: int | None, message: str) -> None:
        where = f"{rel}:{line}" if line else rel
        super().__init__(scrub_url_credentials(f"{where}: {message}"), bad_input=True)
        self.rel = rel
        self.line = line


def decode(data: bytes, rel: str) -> str:
    """A dependency file's text: UTF-8, a byte-order mark allowed; anything else is bad input
    naming the line of the first undecodable byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DependencyFileError(rel, line, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` removed: lock files of private indexes and Git
    hosts often embed tokens, and no secret may reach an SBOM, a finding or an attestation."""
    prefix = ""
    rest = url
    if "+" in url.split("://", 1)[0]:  # git+https://...
        prefix, rest = url.split("+", 1)
        prefix += "+"
    try:
        parts = urlsplit(rest)
        port = parts.port
    except ValueError:
        return scrub_url_credentials(url)  # not a URL urllib can take apart: mask what looks like one
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    return prefix + urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def checked_url(rel: str, line: int | None, value: Any) -> str | None:
    """A download URL from a dependency file, without credentials, checked the way the SBOM
    library checks one (a URL it refuses is malformed input, whoever reads it)."""
    from cyclonedx.exception.model import InvalidUriException
    from cyclonedx.model import XsUri

    if value is None:
        return None
    url = without_credentials(str(value))
    try:
        XsUri(url)
    except InvalidUriException as exc:
        raise DependencyFileError(rel, line, f"malformed URL {url!r}") from exc
    return url


def digest(rel: str, line: int | None, algorithm: str, value: Any) -> tuple[str, str]:
    """One digest from a dependency file, checked, as ``(hashlib name, lower-case hex)``."""
    name = algorithm.lower().replace("-", "_")
    if name not in HASH_LENGTHS:
        raise DependencyFileError(rel, line, f"unsupported hash algorithm {algorithm!r} (one of {', '.join(HASH_LENGTHS)})")
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-fA-F]{{{HASH_LENGTHS[name]}}}", value):
        raise DependencyFileError(rel, line, f"malformed {algorithm} digest {value!r}")
    return name, value.lower()


def composite_digest(rel: str, line: int | None, value: Any) -> tuple[str, str]:
    """``sha256:<hex>``, as pip's ``--hash``, uv and Poetry write a digest."""
    if not isinstance(value, str) or ":" not in value:
        raise DependencyFileError(rel, line, f"malformed hash {value!r} (expected ALGORITHM:HEX)")
    algorithm, _, hexdigest = value.partition(":")
    return digest(rel, line, algorithm, hexdigest)


def exact_pin(specifier: Any) -> str | None:
    """The version of an exact pin (``==X`` without a wildcard, or ``===X``), else None."""
    specs = list(specifier) if specifier is not None else []
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
        return str(spec.version)
    return None


@dataclass
class Artifact:
    """One downloadable file of a package (a wheel or an sdist) and its digests."""

    #: ``{"sha256": "<hex>"}``; algorithm names as ``hashlib`` spells them.
    hashes: dict[str, str]
    url: str | None = None
    filename: str | None = None


@dataclass
class PackageRecord:
    """One package as a lock file (or an installed environment) describes it."""

    name: str
    version: str | None
    #: Where the package was found: a root-relative file path, or ``environment``.
    source: str
    #: 1-based line that names the package in its file (for findings); None for environments.
    line: int | None = None
    #: False when the source does not fix one exact version (``flask>=2``, a branch of a VCS repo).
    pinned: bool = True
    #: The project itself or a path dependency: nothing an index serves under this name.
    local: bool = False
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
    #: A declared dependency's PEP 440 version range (``>=2.0,<3``; empty for "any version"), when the
    #: source declares a range rather than naming a release (a library's pyproject.toml or setup.cfg).
    specifier: str | None = None
    #: None (installed with the package), ``extra:NAME`` or ``group:NAME`` (see :class:`.pyproject.Declared`).
    group: str | None = None

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
    """The project the dependency files belong to (an SBOM's root component)."""

    name: str
    version: str | None = None
    description: str | None = None
    #: Canonical names of the project's direct dependencies, when known.
    dependencies: list[str] | None = None
    license_expression: str | None = None
