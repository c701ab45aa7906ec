"""Waivers: time-boxed exceptions to the policy, loaded from TOML or YAML.

A waivers file (``gatecheck.waivers.toml`` by default; ``.yaml``/``.yml`` also read) holds
a list of waivers, each with ``id``, ``match`` (rule, finding id, package or purl, path
glob, check: all given fields must match), ``reason``, ``owner``, optional ``ticket`` and a
mandatory ``expires`` no further ahead than ``[waivers] max_days``. Errors name the file
and line. An expired waiver is kept (so it can be reported with its age) but never
applied: :func:`policy_input` marks it ``expired`` and gives it no matches.

TOML::

    [[waivers]]
    id = "WVR-12"
    reason = "eval only sees constant strings; rewrite tracked in OPS-88"
    owner = "team-web"
    ticket = "OPS-88"
    expires = 2026-12-31
    match = { rule = "ESLint/no-eval", path = "static/js/**" }

A date means the waiver holds through that day (UTC); a date-time must carry an offset.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from wcmatch import glob as wcglob

from gatecheck import limits, validation
from gatecheck.errors import BadInput
from gatecheck.model import Finding
from gatecheck.trust import ConfigSource

DEFAULT_FILES = ("gatecheck.waivers.toml", "gatecheck.waivers.yaml", "gatecheck.waivers.yml")
DEFAULT_MAX_DAYS = 90
NS_PER_SECOND = 1_000_000_000
_GLOB_FLAGS = wcglob.GLOBSTAR | wcglob.DOTGLOB


@dataclass(frozen=True)
class Waiver:
    """One waiver as written, with its expiry resolved to an instant."""

    id: str
    match: dict[str, str]
    reason: str
    owner: str
    expires: str
    expires_at: dt.datetime
    ticket: str | None = None
    source: str = ""
    line: int | None = None

    @property
    def expires_ns(self) -> int:
        return int(self.expires_at.timestamp()) * NS_PER_SECOND

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    def age_days(self, now: dt.datetime) -> int:
        """Whole days since it expired (0 on the day it ran out)."""
        return max(0, (now - self.expires_at).days)

    def days_left(self, now: dt.datetime) -> int:
        return max(0, (self.expires_at - now).days)

    def matches(self, finding: Finding) -> bool:
        """Whether every field of ``match`` selects this finding."""
        return all(field_test(key, wanted)(finding) for key, wanted in self.match.items())

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@functools.lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    # Without the BRACE and NEGATE flags a pattern translates to exactly one regex.
    include, _ = wcglob.translate(pattern, flags=_GLOB_FLAGS)
    return re.compile(include[0])


def field_test(key: str, wanted: str) -> Callable[[Finding], bool]:
    """The test one ``match`` field applies to a finding: equal id, rule or check; a path glob
    (``**`` spans directories, ``*`` does not) over the repository-relative path; a package."""
    if key == "finding_id":
        return lambda f: f.id == wanted
    if key == "rule":
        return lambda f: f.rule_id == wanted
    if key == "check":
        return lambda f: f.check == wanted
    if key == "path":
        regex = _glob_regex(wanted)
        return lambda f: f.location is not None and regex.match(f.location.path) is not None
    return lambda f: package_matches(wanted, f)


def package_matches(wanted: str, finding: Finding) -> bool:
    """A name matches the package name; a purl matches it exactly, or any version when it names none."""
    pkg = finding.package
    if pkg is None:
        return False
    if not wanted.startswith("pkg:"):
        return wanted == pkg.name
    if not pkg.purl:
        return False
    if "@" in wanted.split("/")[-1]:
        return wanted == pkg.purl
    return _purl_without_version(pkg.purl) == wanted


_PURL_SUFFIX = re.compile(r"[?#]")
_GLOB_SPECIAL = re.compile(r"[*?\[{]")


def _purl_without_version(purl: str) -> str:
    head = _PURL_SUFFIX.split(purl, maxsplit=1)[0]
    name_part = head.rsplit("/", 1)
    if len(name_part) == 2 and "@" in name_part[1]:
        return name_part[0] + "/" + name_part[1].split("@", 1)[0]
    return head


@dataclass
class WaiverFile:
    """The waivers of one file (or none, when no file exists)."""

    path: Path | None
    waivers: list[Waiver] = field(default_factory=list)

    def active(self, now: dt.datetime) -> list[Waiver]:
        return [w for w in self.waivers if not w.expired(now)]

    def expired(self, now: dt.datetime) -> list[Waiver]:
        return [w for w in self.waivers if w.expired(now)]


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def find(source: ConfigSource, configured: str | None) -> Path | None:
    """The waivers file of a configuration source: the configured one (which must exist) or a default name.

    With a trusted source (``--trusted-ref``, ``--trusted-config``) this is the trusted file,
    never one the change under judgement wrote.
    """
    if configured:
        path = source.file(configured, what="waivers.file")
        if path is None:
            raise BadInput("waivers file not found", path=source.display(configured), key="waivers.file")
        return path
    for name in DEFAULT_FILES:
        found = source.file(name, what="waivers file")
        if found is not None:
            return found
    return None


def load(path: Path | None, *, max_days: int = DEFAULT_MAX_DAYS, now: dt.datetime | None = None,
         name: str | None = None) -> WaiverFile:
    """Load and validate a waivers file; None means no waivers. ``name`` is how messages name it
    (``origin/main:gatecheck.waivers.toml`` for a trusted copy)."""
    if path is None:
        return WaiverFile(None)
    now = now or now_utc()
    shown: Path | str = name or path
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read waivers file: {exc}", path=shown) from exc
    if path.suffix in (".yaml", ".yml"):
        document, lines = _parse_yaml(text, shown)
    else:
        document, lines = _parse_toml(text, shown)
    if document is None:
        document = {"waivers": []}
    document = _dates_to_text(document)
    errors = validation.errors("waivers", document)
    if errors:
        err = errors[0]
        parts = tuple(err.absolute_path)
        raise BadInput(err.message, path=shown, line=_line_for(lines, parts), key=validation.key_path(err))
    waivers: list[Waiver] = []
    seen: dict[str, int | None] = {}
    try:
        limit = now + dt.timedelta(days=max_days)
    except OverflowError as exc:
        raise BadInput(f"waivers.max_days = {max_days} reaches past the year 9999", key="waivers.max_days") from exc
    for index, raw in enumerate(document["waivers"]):
        line = _line_for(lines, ("waivers", index))
        expires_line = _line_for(lines, ("waivers", index, "expires"))
        if raw["id"] in seen:
            raise BadInput(f"duplicate waiver id {raw['id']!r} (first at line {seen[raw['id']]})", path=shown, line=line,
                           key=f"waivers[{index}].id")
        seen[raw["id"]] = line
        expires_at = _parse_expiry(raw["expires"], shown, expires_line, index)
        if expires_at > limit:
            raise BadInput(
                f"waiver {raw['id']} expires {raw['expires']}, more than {max_days} days ahead; "
                "waivers are time-boxed (raise [waivers] max_days to allow longer)",
                path=shown, line=expires_line, key=f"waivers[{index}].expires",
            )
        waivers.append(Waiver(
            id=raw["id"], match=dict(raw["match"]), reason=raw["reason"], owner=raw["owner"], expires=raw["expires"],
            expires_at=expires_at, ticket=raw.get("ticket"), source=str(shown), line=line,
        ))
    return WaiverFile(path, waivers)


def _parse_expiry(value: str, path: Path | str, line: int | None, index: int) -> dt.datetime:
    key = f"waivers[{index}].expires"
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = dt.date.fromisoformat(value)
            # A date holds through that whole day, in UTC.
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            raise BadInput(f"expires {value!r} has no UTC offset; write it with Z or +hh:mm", path=path, line=line, key=key)
        return moment.astimezone(dt.UTC)
    except ValueError as exc:
        raise BadInput(f"expires {value!r} is not an RFC 3339 date or date-time", path=path, line=line, key=key) from exc
    except OverflowError as exc:
        # 9999-12-31 (the day after does not exist) or 0001-01-01T00:00+01:00 (before year 1 in UTC)
        raise BadInput(f"expires {value!r} is outside the dates gatecheck can compare (years 1 to 9999, in UTC)",
                       path=path, line=line, key=key) from exc


def _dates_to_text(document: Any) -> Any:
    """TOML and YAML parse bare dates into objects; the schema (and JSON) wants text."""
    if isinstance(document, dict):
        return {k: _dates_to_text(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_dates_to_text(v) for v in document]
    if isinstance(document, dt.datetime | dt.date):
        return document.isoformat()
    return document


Lines = dict[tuple[str | int, ...], int]


def _line_for(lines: Lines, parts: tuple[str | int, ...]) -> int | None:
    """The line of the longest prefix of ``parts`` that has one."""
    for end in range(len(parts), 0, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


def _parse_yaml(text: str, path: Path | str) -> tuple[Any, Lines]:
    # Limits (aliases, expansion, nesting, size) and duplicate keys are refused here.
    document, node = limits.load_yaml(text, path)
    lines: Lines = {}

    def walk(n: yaml.Node | None, prefix: tuple[str | int, ...]) -> None:
        if n is None:
            return
        lines.setdefault(prefix, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                key = (*prefix, str(key_node.value))
                lines[key] = key_node.start_mark.line + 1
                walk(value_node, key)
                lines[key] = key_node.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*prefix, i))

    walk(node, ())
    return document, lines


_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


def _parse_toml(text: str, path: Path | str) -> tuple[Any, Lines]:
    try:
        document = limits.load_toml(text, path)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise BadInput(f"invalid TOML: {message}", path=path, line=int(match.group(1)) if match else None) from exc
    # tomllib keeps no positions: map [[waivers]] entries and their keys to lines by
    # reading headers and assignments (values themselves are not parsed here).
    lines: Lines = {}
    table: tuple[str | int, ...] = ()
    index = -1
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(line)
        if header:
            name = header.group(2).replace(" ", "")
            if header.group(1) == "[[" and name == "waivers":
                index += 1
                table = ("waivers", index)
            elif name.startswith("waivers.") and index >= 0:
                table = ("waivers", index, *name.split(".")[1:])
            else:
                table = tuple(name.split("."))
            lines.setdefault(table, number)
            continue
        key = _TOML_KEY.match(line)
        if key:
            lines.setdefault((*table, key.group(1).strip('"')), number)
    if "waivers" in document and ("waivers",) not in lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if re.match(r"^\s*waivers\s*=", line):
                lines[("waivers",)] = number
                break
    return document, lines


def policy_input(waivers: Iterable[Waiver], findings: list[Finding], now: dt.datetime) -> list[dict[str, Any]]:
    """The ``waivers`` of the policy input: each with ``expired`` and the finding ids it selects.

    An expired waiver selects nothing, so no policy can apply it by mistake. Findings are
    indexed by id, rule, check, package and path so that a waiver only looks at its
    candidates, and only the fields the index did not already settle are compared.
    """
    index = _FindingIndex(findings)
    out: list[dict[str, Any]] = []
    for w in waivers:
        expired = w.expired(now)
        entry: dict[str, Any] = {
            "id": w.id, "match": dict(w.match), "reason": w.reason, "owner": w.owner, "expires": w.expires,
            "expires_ns": w.expires_ns, "expired": expired, "matches": [] if expired else index.select(w.match),
        }
        if w.ticket:
            entry["ticket"] = w.ticket
        out.append(entry)
    return out


def recompute_expiry(entries: list[Any], now: dt.datetime) -> list[Any]:
    """The ``waivers`` of a policy input someone else wrote (``policy eval --input``), with ``expires_ns``,
    ``expired`` and, for an expired waiver, ``matches`` computed again from ``expires`` and the clock.

    An input cannot keep a waiver alive by saying ``expired: false``: a waiver whose ``expires`` is
    missing or unreadable counts as expired.
    """
    out: list[Any] = []
    for entry in entries:
        if not isinstance(entry, dict):
            out.append(entry)
            continue
        fixed = dict(entry)
        try:
            expires_at = _parse_expiry(str(entry["expires"]), "policy input", None, 0)
        except (KeyError, BadInput, OverflowError):
            expires_at = None
        fixed["expired"] = expires_at is None or now >= expires_at
        if expires_at is not None:
            fixed["expires_ns"] = int(expires_at.timestamp()) * NS_PER_SECOND
        if fixed["expired"]:
            fixed["matches"] = []
        out.append(fixed)
    return out


class _FindingIndex:
    """Findings indexed by every field a waiver can select on, so that matching 100 waivers
    against 10,000 findings looks only at each waiver's candidates. Each index is built the
    first time a waiver needs it."""

    _KEYS: dict[str, Callable[[Finding], str | None]] = {
        "finding_id": operator.attrgetter("id"),
        "rule": operator.attrgetter("rule_id"),
        "check": operator.attrgetter("check"),
        "name": lambda f: f.package.name if f.package else None,
        "purl": lambda f: f.package.purl if f.package else None,
        "purl_base": lambda f: _purl_without_version(f.package.purl) if f.package and f.package.purl else None,
    }

    def __init__(self, findings: list[Finding]) -> None:
        self.all = findings
        self._by: dict[str, dict[str, list[Finding]]] = {}
        self._paths: tuple[list[str], list[Finding]] | None = None

    def by(self, key: str) -> dict[str, list[Finding]]:
        index = self._by.get(key)
        if index is None:
            index = {}
            value_of = self._KEYS[key]
            for f in self.all:
                value = value_of(f)
                if value is not None:
                    index.setdefault(value, []).append(f)
            self._by[key] = index
        return index

    def by_path_prefix(self, prefix: str) -> list[Finding]:
        if self._paths is None:
            located = [f for f in self.all if f.location is not None]
            located.sort(key=lambda f: f.location.path)  # type: ignore[union-attr]
            self._paths = ([f.location.path for f in located], located)  # type: ignore[union-attr]
        paths, located_findings = self._paths
        lo = bisect.bisect_left(paths, prefix)
        hi = bisect.bisect_left(paths, prefix + "\U0010ffff")
        return located_findings[lo:hi]

    def candidates(self, match: dict[str, str]) -> tuple[list[Finding], str | None]:
        """The findings that can match, and the ``match`` field they already satisfy (if any)."""
        for key in ("finding_id", "rule", "check"):
            if key in match:
                return self.by(key).get(match[key], []), key
        if "package" in match:
            wanted = match["package"]
            if not wanted.startswith("pkg:"):
                return self.by("name").get(wanted, []), "package"
            exact = "@" in wanted.split("/")[-1]
            return self.by("purl" if exact else "purl_base").get(wanted, []), "package"
        if "path" in match:
            # Only paths that start with the glob's literal prefix can match it.
            return self.by_path_prefix(_GLOB_SPECIAL.split(match["path"], maxsplit=1)[0]), None
        return self.all, None

    def select(self, match: dict[str, str]) -> list[str]:
        """Ids of the findings every field of ``match`` selects (the same set as :meth:`Waiver.matches`)."""
        found, settled = self.candidates(match)
        tests = [field_test(key, wanted) for key, wanted in match.items() if key != settled]
        # Most waivers leave zero or one field to test; spelling those out avoids a generator
        # per candidate (a third of the matching time at 10,000 findings).
        if not tests:
            return [f.id for f in found]
        if len(tests) == 1:
            test = tests[0]
            return [f.id for f in found if test(f)]
        return [f.id for f in found if all(t(f) for t in tests)]
