"""Reader for an installed Python environment, through :mod:`importlib.metadata`.

Each installed distribution becomes one package record: name and version from its core
metadata, licence from ``License-Expression`` / ``License`` / classifiers, dependencies from
``Requires-Dist`` (markers evaluated for the running interpreter, extras not selected), and
hashes from what the installer recorded: the archive digest in ``direct_url.json`` when the
install came from a file or URL, else the sha256 of the ``RECORD`` file, which lists the
digest of every installed file and so fingerprints exactly what is on disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.utils import canonicalize_name

from gatecheck.errors import CheckFailed
from gatecheck_plugins.sbom import licenses
from gatecheck_plugins.sbom.packages import PackageRecord, without_credentials

_BLANK_LINE = re.compile(r"\r?\n\r?\n")

#: The ``environment`` option value that means "the interpreter running gatecheck".
CURRENT = "current"


def site_paths(root: Path, environment: str) -> list[str]:
    """The import paths of ``environment``: a virtualenv directory, a site-packages directory,
    or ``current`` (this interpreter's ``sys.path``)."""
    if environment == CURRENT:
        return list(sys.path)
    base = Path(environment)
    base = base if base.is_absolute() else root / base
    if not base.is_dir():
        raise CheckFailed(f"environment {environment!r} does not exist", bad_input=True)
    if any(base.glob("*.dist-info")) or base.name == "site-packages":
        return [str(base)]
    # lib64 is often a symlink to lib: one directory, listed once.
    found = sorted({str(p.resolve()) for pattern in ("lib/python*/site-packages", "lib64/python*/site-packages",
                                                     "Lib/site-packages")
                    for p in base.glob(pattern) if p.is_dir()})
    if not found:
        raise CheckFailed(f"environment {environment!r} has no site-packages directory (is it a virtualenv?)", bad_input=True)
    return found


class Headers:
    """Core-metadata header fields (``Name``, ``Classifier`` ...), repeated fields kept in order."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields: dict[str, list[str]] = {}
        for key, value in fields:
            self._fields.setdefault(key.lower(), []).append(value)

    def __getitem__(self, key: str) -> str | None:
        return self.get(key)

    def get(self, key: str) -> str | None:
        values = self._fields.get(key.lower())
        return values[0] if values else None

    def get_all(self, key: str) -> list[str]:
        return list(self._fields.get(key.lower(), []))


@dataclass
class Installed:
    """One installed distribution and its parsed core-metadata headers."""

    dist: metadata.Distribution
    headers: Headers

    @property
    def name(self) -> str:
        return str(self.headers["Name"])

    @property
    def version(self) -> str:
        return str(self.headers["Version"])


def installed(paths: list[str]) -> list[Installed]:
    """Installed distributions on ``paths``, one per canonical name: the first on the path
    wins, as it does for ``import``."""
    seen: set[str] = set()
    found: list[Installed] = []
    for dist in metadata.distributions(path=paths):
        headers = _headers(dist)
        if headers is None or not headers["Name"] or not headers["Version"]:
            continue  # a dist-info directory without metadata is not an installed package
        key = canonicalize_name(str(headers["Name"]))
        if key in seen:
            continue
        seen.add(key)
        found.append(Installed(dist, headers))
    return found


def _headers(dist: metadata.Distribution) -> Headers | None:
    """The metadata's header block, parsed as RFC 822 fields with folded continuation lines.

    ``Distribution.metadata`` runs the full email parser over the whole file, long
    description included, on every access; that was half the time of an SBOM. Core
    metadata headers are plain ``Key: value`` lines, folded with leading white space.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if not text:
        return None
    head = _BLANK_LINE.split(text, maxsplit=1)[0]
    fields: list[tuple[str, str]] = []
    for line in head.splitlines():
        if line[:1] in (" ", "\t") and fields:
            key, value = fields[-1]
            fields[-1] = (key, value + "\n" + line.strip())
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields.append((key.strip(), value.strip()))
    return Headers(fields)


def metadata_files(items: list[Installed]) -> list[Path]:
    """The METADATA and RECORD files that decide the SBOM of an environment (the cache key)."""
    files: list[Path] = []
    for item in items:
        base = _dist_dir(item.dist)
        if base is None:
            continue
        for name in ("METADATA", "PKG-INFO", "RECORD", "direct_url.json"):
            candidate = base / name
            if candidate.is_file():
                files.append(candidate)
    return files


def read_environment(items: list[Installed]) -> list[PackageRecord]:
    """One record per installed distribution."""
    return [record_of(item) for item in items]


def record_of(item: Installed) -> PackageRecord:
    """A package record from one installed distribution's metadata."""
    meta = item.headers
    dist = item.dist
    name = item.name
    version = item.version
    expression, names = licenses.from_metadata(
        meta.get("License-Expression"), meta.get("License"), meta.get_all("Classifier") or []
    )
    deps: list[tuple[str, str | None]] = []
    for line in meta.get_all("Requires-Dist") or []:
        key = _required_name(line)
        if key is not None and (key, None) not in deps:
            deps.append((key, None))
    hashes, properties = _hashes(dist)
    summary = meta.get("Summary")
    return PackageRecord(
        name=name,
        version=version,
        source="environment",
        pinned=True,
        hashes=hashes,
        license_expression=expression,
        license_names=names,
        dependencies=deps,
        description=summary.strip() if summary and summary.strip() and summary.strip() != "UNKNOWN" else None,
        qualifiers=_qualifiers(dist),
        properties=properties,
    )


#: ``Requires-Dist`` is ``name [extras] (specifier) ; marker``; the name is all the graph needs.
_REQUIRES_DIST = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*([^;]*)(?:;(.*))?$", re.DOTALL)
#: A marker that only asks for an extra, by far the most common kind: false without extras.
_EXTRA_ONLY = re.compile(r"\s*\(?\s*extra\s*==\s*(['\"])[^'\"]*\1\s*\)?\s*")


@lru_cache(maxsize=4096)
def _required_name(line: str) -> str | None:
    """The canonical name a ``Requires-Dist`` line needs in this interpreter without extras, or None.

    packaging's full requirement parser was the slowest step of reading an environment;
    only the marker needs real evaluation, and identical markers recur, so it is parsed
    once per distinct marker text (:func:`_marker_holds`).
    """
    match = _REQUIRES_DIST.match(line)
    if match is None:
        return None  # a broken Requires-Dist line in someone else's metadata names nothing reliable
    marker = match.group(3)
    if marker is not None and marker.strip() and not _marker_holds(marker.strip()):
        return None
    return canonicalize_name(match.group(1))


@lru_cache(maxsize=1024)
def _marker_holds(marker: str) -> bool:
    if _EXTRA_ONLY.fullmatch(marker):
        return False
    try:
        return Marker(marker).evaluate({"extra": ""})
    except (InvalidMarker, UndefinedEnvironmentName):
        return False


def _dist_dir(dist: metadata.Distribution) -> Path | None:
    path = getattr(dist, "_path", None)  # PathDistribution keeps its directory here
    return Path(path) if path is not None else None


def _direct_url(dist: metadata.Distribution) -> dict[str, object] | None:
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _hashes(dist: metadata.Distribution) -> tuple[dict[str, str], dict[str, str]]:
    direct = _direct_url(dist)
    archive = direct.get("archive_info") if direct else None
    if isinstance(archive, dict):
        found = archive.get("hashes")
        if isinstance(found, dict):
            hashes = {k.lower(): str(v).lower() for k, v in found.items() if k.lower() in ("sha256", "sha384", "sha512")}
            if hashes:
                return hashes, {"gatecheck:hash-source": "archive (direct_url.json)"}
    base = _dist_dir(dist)
    record = base / "RECORD" if base is not None else None
    if record is not None and record.is_file():
        digest = hashlib.sha256(record.read_bytes()).hexdigest()
        return {"sha256": digest}, {"gatecheck:hash-source": "RECORD"}
    return {}, {}


def _qualifiers(dist: metadata.Distribution) -> dict[str, str]:
    direct = _direct_url(dist)
    if not direct or not isinstance(direct.get("url"), str):
        return {}
    url = without_credentials(str(direct["url"]))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id")
        return {"vcs_url": f"{vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if isinstance(commit, str) else "")}
    if isinstance(direct.get("dir_info"), dict) or not url.startswith(("https://", "http://")):
        return {}  # a local directory or file: the path is machine-specific, keep it out of the purl
    return {"download_url": url}
