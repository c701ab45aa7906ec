"""Whether a declared version range admits a release an OSV record says is affected.

A library declares ranges (``werkzeug>=3.0.0``); its users' installers pick a release inside
them. An advisory matters to the library when some release its range admits is affected: then
the range should be raised above the fix. This is interval arithmetic over PEP 440 versions
(``packaging``), with no list of published releases (the gate has no network):

- the declared range is the intersection its specifiers describe (``>=``, ``>``, ``<=``, ``<``,
  ``==``, ``===``, ``~=``, ``==X.*``), minus the single versions ``!=`` excludes; ``!=X.*`` is
  ignored (it only ever narrows the range, so an advisory may be reported that a wildcard
  exclusion would have avoided);
- the affected versions of an OSV ``affected[]`` entry are its ``ECOSYSTEM`` ranges, walked as the
  OSV schema says (``introduced`` inclusive, ``fixed`` and ``limit`` exclusive, ``last_affected``
  inclusive), plus its ``versions`` list;
- a range that meets an affected interval only in pre-releases (``<2.0`` and ``[2.0rc1, 2.0)``)
  admits nothing there, because installers take pre-releases only when a specifier names one.

The advice is the lowest version that clears the advisory inside the declared range: the
highest ``fixed`` of the affected intervals the range meets (raised again while that version
meets another affected interval); none when one of them is never fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .osv import VERSION_KEYS, VERSION_RANGE_TYPES, listed_keys, matching_entries, parse_version

_ZERO = Version("0")


@dataclass(frozen=True)
class Interval:
    """Versions between two bounds; ``None`` is unbounded, each bound inclusive or not."""

    low: Version | None
    low_inclusive: bool
    high: Version | None
    high_inclusive: bool

    def meets(self, other: Interval) -> Interval | None:
        """The intersection, or None when it is empty."""
        low, low_inc = _max_low((self.low, self.low_inclusive), (other.low, other.low_inclusive))
        high, high_inc = _min_high((self.high, self.high_inclusive), (other.high, other.high_inclusive))
        if low is not None and high is not None and (low > high or (low == high and not (low_inc and high_inc))):
            return None
        return Interval(low, low_inc, high, high_inc)

    def contains(self, version: Version) -> bool:
        if self.low is not None and (version < self.low or (version == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (version > self.high or (version == self.high and not self.high_inclusive)))

    def has_final_release(self) -> bool:
        """Whether a final (or post) release can lie inside: what an installer takes by default."""
        if self.low is None:
            return True
        first = Version(self.low.base_version) if (self.low.is_prerelease or self.low.is_devrelease) else self.low
        if first == self.low and not self.low_inclusive:
            return self.high is None or self.high > self.low  # some later release (a .post, a patch) fits
        return self.contains(first)


EVERYTHING = Interval(None, False, None, False)


def _max_low(a: tuple[Version | None, bool], b: tuple[Version | None, bool]) -> tuple[Version | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None or a[0] > b[0]:
        return a
    if b[0] > a[0]:
        return b
    return a[0], a[1] and b[1]


def _min_high(a: tuple[Version | None, bool], b: tuple[Version | None, bool]) -> tuple[Version | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None or a[0] < b[0]:
        return a
    if b[0] < a[0]:
        return b
    return a[0], a[1] and b[1]


@dataclass(frozen=True)
class Declared:
    """A declared range as one interval, the versions ``!=`` excludes, and whether it names a pre-release."""

    interval: Interval
    excluded: frozenset[Version]
    prereleases: bool

    def admits(self, version: Version) -> bool:
        if version in self.excluded or not self.interval.contains(version):
            return False
        return self.prereleases or not (version.is_prerelease or version.is_devrelease)


def _next_prefix(release: tuple[int, ...]) -> Version:
    """The first version above every ``release.*`` (``1.2`` -> ``1.3.dev0``)."""
    bumped = (*release[:-1], release[-1] + 1)
    return Version(".".join(str(p) for p in bumped) + ".dev0")


def declared(specifier: str | SpecifierSet | None) -> Declared | None:
    """The range a specifier set declares; None when it cannot be placed (an arbitrary ``===`` string)."""
    try:
        spec = specifier if isinstance(specifier, SpecifierSet) else SpecifierSet(specifier or "")
    except InvalidSpecifier:
        return None
    interval = EVERYTHING
    excluded: set[Version] = set()
    prereleases = False
    for item in spec:
        text = item.version
        wildcard = text.endswith(".*")
        try:
            version = Version(text[:-2] if wildcard else text)
        except InvalidVersion:
            return None
        prereleases = prereleases or version.is_prerelease or version.is_devrelease
        op = item.operator
        if op == "!=":
            if not wildcard:
                excluded.add(version)
            continue
        if op == "==" and wildcard:
            bound = Interval(Version(version.base_version + ".dev0") if version.release else _ZERO, True,
                             _next_prefix(version.release), False)
        elif op in ("==", "==="):
            bound = Interval(version, True, version, True)
        elif op == ">=":
            bound = Interval(version, True, None, False)
        elif op == ">":
            bound = Interval(version, False, None, False)
        elif op == "<=":
            bound = Interval(None, False, version, True)
        elif op == "<":
            bound = Interval(None, False, version, False)
        elif op == "~=":
            release = version.release[:-1] if len(version.release) > 1 else version.release
            bound = Interval(version, True, _next_prefix(release), False)
        else:  # pragma: no cover - packaging knows no other operator
            return None
        met = interval.meets(bound)
        if met is None:
            return Declared(Interval(_ZERO, False, _ZERO, False), frozenset(excluded), prereleases)  # admits nothing
        interval = met
    return Declared(interval, frozenset(excluded), prereleases)


def affected_intervals(events: Iterable[Mapping[str, Any]]) -> list[tuple[Interval, str | None]]:
    """The intervals one OSV range describes, each with how it closes: ``fixed``, ``last_affected``,
    ``limit`` or None (never closed)."""
    ordered: list[tuple[Version, int, str]] = []
    for event in events:
        for kind in ("introduced", "fixed", "last_affected", "limit"):
            if kind in event:
                text = str(event[kind])
                at = _ZERO if (kind == "introduced" and text == "0") else parse_version(text)
                if at is not None and not (kind == "limit" and text == "*"):
                    ordered.append((at, 0 if kind == "introduced" else 1, kind))
                break
    ordered.sort(key=lambda item: (item[0], item[1]))
    found: list[tuple[Interval, str | None]] = []
    start: Version | None = None
    for at, _, kind in ordered:
        if kind == "introduced":
            if start is None:
                start = at
        elif start is not None:
            found.append((Interval(start, True, at, kind == "last_affected"), kind))
            start = None
    if start is not None:
        found.append((Interval(start, True, None, False), None))
    return found


@dataclass(frozen=True)
class RangeVerdict:
    """How a declared range stands against one advisory record."""

    #: Affected versions the range admits: the affected intervals it meets (as text, ``>=1.0,<1.2``).
    admitted: tuple[str, ...]
    #: The lowest version that clears the advisory inside the range; None when there is no fix.
    raise_to: Version | None
    #: Some admitted affected interval is never fixed (or only a ``last_affected`` bounds it).
    no_fix: bool


def _text(interval: Interval) -> str:
    parts = []
    if interval.low is not None and interval.low != _ZERO:
        parts.append((">=" if interval.low_inclusive else ">") + str(interval.low))
    if interval.high is not None:
        parts.append(("<=" if interval.high_inclusive else "<") + str(interval.high))
    return ",".join(parts) or "any version"


def verdict(record: Mapping[str, Any], name: str, declared_range: Declared) -> RangeVerdict | None:
    """The record's verdict on ``name`` declared with ``declared_range``; None when the range admits
    no affected version (or the record is withdrawn)."""
    if record.get("withdrawn"):
        return None
    intervals: list[tuple[Interval, str | None]] = []
    listed: list[Version] = []
    for entry in matching_entries(record, name):
        for rng in entry.get("ranges") or []:
            if rng.get("type") in VERSION_RANGE_TYPES:
                intervals.extend(affected_intervals(rng.get("events") or []))
        if entry.get("versions") or entry.get(VERSION_KEYS):
            listed.extend(v for v in (parse_version(k) for k in listed_keys(entry)) if v is not None)
    admitted: list[tuple[Interval, str | None]] = []
    for interval, closed_by in intervals:
        met = declared_range.interval.meets(interval)
        if met is None or not (declared_range.prereleases or met.has_final_release()):
            continue
        if met.low is not None and met.low == met.high and met.low in declared_range.excluded:
            continue
        admitted.append((interval, closed_by))
    listed_admitted = [v for v in listed if declared_range.admits(v)]
    if not admitted and not listed_admitted:
        return None
    no_fix = any(closed_by in (None, "last_affected", "limit") for _, closed_by in admitted)
    raise_to: Version | None = None
    if not no_fix and admitted:
        raise_to = max(i.high for i, _ in admitted if i.high is not None)
        # A fix can sit inside another affected interval of the same record (a later regression).
        for _ in range(len(intervals)):
            again = [i for i, _ in intervals if i.contains(raise_to)]
            if not again:
                break
            highs = [i.high for i in again if i.high is not None and not i.high_inclusive]
            if len(highs) < len(again):
                raise_to, no_fix = None, True
                break
            raise_to = max(highs)
    if listed_admitted and not admitted:
        no_fix = True  # only a versions list (GIT ranges): no fix version is named
    texts = tuple(_text(i) for i, _ in admitted) or tuple(str(v) for v in sorted(listed_admitted)[:5])
    return RangeVerdict(admitted=texts, raise_to=raise_to, no_fix=no_fix or raise_to is None)
