"""Which findings a waiver selects: every field of its ``match`` must select the finding.

The fields are ``finding_id``, ``rule`` and ``check`` (equal), ``path`` (a glob over the
repository-relative path: ``**`` spans directories, ``*`` does not) and ``package`` (a name, a purl
with a version, or a purl without one for any version). The selection is made here, in Python,
and handed to the policy as each waiver's ``matches`` (:func:`policy_input`), so that glob
semantics are the same on every Rego engine; ``policies/gatecheck/waivers.rego`` decides what a
selected finding may be waived of.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from wcmatch import glob as wcglob

from gatecheck.model import Finding

if TYPE_CHECKING:
    from gatecheck.waivers.model import Waiver

_GLOB_FLAGS = wcglob.GLOBSTAR | wcglob.DOTGLOB


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
