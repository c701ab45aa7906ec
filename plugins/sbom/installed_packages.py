"""Installed distributions as SBOM components, from the metadata the dependency inventory read.

The environment itself is found and read by :mod:`gatecheck_plugins.dependencies.environment`
(through the repository view for an environment in the tree). Here each installed
distribution becomes one package record: name and version from its core metadata, licence from
``License-Expression`` / ``License`` / classifiers, dependencies from ``Requires-Dist`` (markers
evaluated for the running interpreter, extras not selected), and hashes from what the installer
recorded: the archive digest in ``direct_url.json`` when the install came from a file or URL,
else the sha256 of the ``RECORD`` file, which lists the digest of every installed file and so
fingerprints exactly what is on disk.
"""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.utils import canonicalize_name

from gatecheck_plugins.dependencies import Installed, PackageRecord, without_credentials
from gatecheck_plugins.sbom import licenses


def record_of(item: Installed) -> PackageRecord:
    """A package record from one installed distribution's metadata."""
    meta = item.headers
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
    hashes, properties = _hashes(item)
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
        qualifiers=_qualifiers(item),
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


def _hashes(item: Installed) -> tuple[dict[str, str], dict[str, str]]:
    archive = item.direct_url.get("archive_info") if item.direct_url else None
    if isinstance(archive, dict):
        found = archive.get("hashes")
        if isinstance(found, dict):
            hashes = {k.lower(): str(v).lower() for k, v in found.items() if k.lower() in ("sha256", "sha384", "sha512")}
            if hashes:
                return hashes, {"gatecheck:hash-source": "archive (direct_url.json)"}
    if item.record_sha256 is not None:
        return {"sha256": item.record_sha256}, {"gatecheck:hash-source": "RECORD"}
    return {}, {}


def _qualifiers(item: Installed) -> dict[str, str]:
    direct = item.direct_url
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
