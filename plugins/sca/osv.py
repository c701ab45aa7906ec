"""OSV records: which versions one affects, and how one becomes a pip-audit result.

The matching follows the OSV schema's evaluation rules for the ``PyPI`` ecosystem:

- an ``affected[]`` entry applies when its ``package.ecosystem`` is ``PyPI`` and its
  ``package.name`` equals the dependency's name after PEP 503 normalization;
- a version is affected when it is listed in that entry's ``versions`` (compared as PEP 440
  versions, so ``1.0`` and ``1.0.0`` are one version) or falls inside one of its
  ``ECOSYSTEM`` (or ``SEMVER``) ranges. ``GIT`` ranges name commits, not releases, and
  cannot place a release; OSV's own enumeration of them is the ``versions`` list;
- a range is walked in version order: ``introduced`` opens it (``"0"`` is below every
  version), ``fixed`` and ``limit`` close it at that version, ``last_affected`` closes it
  just above that version;
- a record with ``withdrawn`` set is skipped entirely.

This module has no pip-audit import on purpose: importing pip-audit runs ``pip --version``
in a subprocess (through pip-api), which every gatecheck command would otherwise pay when
the plugin is loaded. The pip-audit classes live in :mod:`.services`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

from gatecheck.api import BadInput, limits, parse_iso8601

ECOSYSTEM = "PyPI"
#: Range types whose events are versions of the ecosystem (SEMVER is accepted because the
#: schema allows it for any ecosystem; PyPI data uses ECOSYSTEM).
VERSION_RANGE_TYPES = frozenset({"ECOSYSTEM", "SEMVER"})


class RecordError(ValueError):
    """An OSV record is not shaped the way the schema says."""


def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None for a string that is not one."""
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


_PLAIN_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def version_key(text: str) -> str:
    """The form of a version string under which equal PEP 440 versions compare equal
    (``packaging.utils.canonicalize_version``, with a fast path for plain ``1.2.3`` releases,
    which are most of what the ``versions`` lists hold)."""
    if _PLAIN_RELEASE.fullmatch(text):
        parts = [str(int(p)) for p in text.split(".")]
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        return ".".join(parts)
    return canonicalize_version(text)


def _event_version(event: Mapping[str, Any]) -> tuple[str, str] | None:
    for kind in ("introduced", "fixed", "last_affected", "limit"):
        if kind in event:
            return kind, str(event[kind])
    return None


def in_range(version: Version, events: Iterable[Mapping[str, Any]]) -> bool:
    """Whether ``version`` falls inside one OSV range, per the schema's evaluation rules.

    An event whose version is not PEP 440 cannot be placed; it is ignored (the record's
    ``versions`` list still applies). ``limit: "*"`` means no limit.
    """
    ordered: list[tuple[Version, int, str]] = []
    zero = Version("0")
    for event in events:
        parsed = _event_version(event)
        if parsed is None:
            continue
        kind, text = parsed
        if kind == "limit" and text == "*":
            continue
        at = zero if (kind == "introduced" and text == "0") else parse_version(text)
        if at is None:
            continue
        # At one version, an opening sorts before a closing so "introduced X, fixed X" is empty.
        ordered.append((at, 0 if kind == "introduced" else 1, kind))
    ordered.sort(key=lambda item: (item[0], item[1]))
    affected = False
    for at, _, kind in ordered:
        if kind == "introduced":
            if version >= at:
                affected = True
        elif kind in ("fixed", "limit"):
            if version >= at:
                affected = False
        elif kind == "last_affected" and version > at:
            affected = False
    return affected


def matching_entries(record: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The record's ``affected[]`` entries about PyPI package ``name`` (any spelling)."""
    wanted = canonicalize_name(name)
    entries = []
    for entry in record.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") == ECOSYSTEM and canonicalize_name(str(package.get("name", ""))) == wanted:
            entries.append(entry)
    return entries


#: Key under which the database index stores an entry's ``versions`` already normalized
#: with :func:`version_key` (normalizing thousands of listed versions per query is the
#: dominant cost otherwise). Never present in OSV data itself.
VERSION_KEYS = "x-gatecheck-version-keys"


def listed_keys(entry: Mapping[str, Any]) -> frozenset[str]:
    """The entry's ``versions`` list, normalized for PEP 440 comparison."""
    cached = entry.get(VERSION_KEYS)
    if isinstance(cached, frozenset):
        return cached
    keys = frozenset(cached) if cached is not None else frozenset(version_key(str(v)) for v in entry.get("versions") or [])
    if isinstance(entry, dict):
        entry[VERSION_KEYS] = keys  # one record is matched several times (affects, fix versions)
    return keys


def entry_affects(entry: Mapping[str, Any], version: Version) -> bool:
    """Whether one ``affected[]`` entry covers ``version`` (its list or any version range)."""
    if (entry.get("versions") or entry.get(VERSION_KEYS)) and version_key(str(version)) in listed_keys(entry):
        return True
    for rng in entry.get("ranges") or []:
        if rng.get("type") in VERSION_RANGE_TYPES and in_range(version, rng.get("events") or []):
            return True
    return False


def affects(record: Mapping[str, Any], name: str, version: Version) -> bool:
    """Whether a (non-withdrawn) OSV record affects ``name`` at ``version``."""
    if record.get("withdrawn"):
        return False
    return any(entry_affects(entry, version) for entry in matching_entries(record, name))


def fix_versions(record: Mapping[str, Any], name: str, version: Version) -> list[Version]:
    """Versions above ``version`` that the record names as ``fixed`` and does not itself affect."""
    fixes: set[Version] = set()
    entries = matching_entries(record, name)
    for entry in entries:
        for rng in entry.get("ranges") or []:
            if rng.get("type") not in VERSION_RANGE_TYPES:
                continue
            for event in rng.get("events") or []:
                fixed = parse_version(str(event["fixed"])) if "fixed" in event else None
                if fixed is not None and fixed > version:
                    fixes.add(fixed)
    return sorted(v for v in fixes if not any(entry_affects(e, v) for e in entries))


@dataclass(frozen=True)
class SeverityVector:
    """One ``severity[]`` entry of an OSV record: its type (``CVSS_V3``), vector string, and the id
    of the record it comes from (an alias's record can score an advisory whose own record has none)."""

    type: str
    score: str
    record: str = ""


@dataclass(frozen=True)
class SeverityLabel:
    """A severity word a database put on a record (``database_specific.severity: "MODERATE"``, as
    GitHub's advisories carry it, or an ``ecosystem_specific`` one), and where it was found."""

    label: str
    record: str
    field: str


def severity_labels(record: Mapping[str, Any], name: str) -> list[SeverityLabel]:
    """The severity words of a record: its ``database_specific.severity`` and those of its
    ``affected[]`` entries for ``name`` (``database_specific`` / ``ecosystem_specific``)."""
    found: list[SeverityLabel] = []
    record_id = str(record.get("id", ""))
    holders: list[tuple[str, Any]] = [("database_specific", record.get("database_specific"))]
    for entry in matching_entries(record, name):
        holders += [("affected.database_specific", entry.get("database_specific")),
                    ("affected.ecosystem_specific", entry.get("ecosystem_specific"))]
    for where, holder in holders:
        value = holder.get("severity") if isinstance(holder, Mapping) else None
        if isinstance(value, str) and value.strip():
            found.append(SeverityLabel(value.strip(), record_id, f"{where}.severity"))
    return found


def severity_vectors(record: Mapping[str, Any], name: str) -> list[SeverityVector]:
    """The ``severity[]`` vectors of a record and of its ``affected[]`` entries for ``name``."""
    record_id = str(record.get("id", ""))
    vectors: list[SeverityVector] = []
    for holder in (record, *matching_entries(record, name)):
        for item in holder.get("severity") or []:
            if isinstance(item, Mapping) and item.get("type") and item.get("score"):
                vectors.append(SeverityVector(str(item["type"]), str(item["score"]), record_id))
    return vectors


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp from a record (``Z`` or an offset, any fraction), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso8601(value)
    except ValueError:
        return None


def load_record(data: bytes | str, where: str) -> dict[str, Any]:
    """Parse one OSV JSON record; ``where`` names it in the error."""
    try:
        # Within gatecheck's limits: a database zip is a download, and a member may be hostile.
        record = limits.load_json(data, where)
    except UnicodeDecodeError as exc:
        raise RecordError(f"{where}: not valid JSON: {exc}") from exc
    except BadInput as exc:
        raise RecordError(exc.describe()) from exc
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise RecordError(f"{where}: not an OSV record (no 'id')")
    return record
