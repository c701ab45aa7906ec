"""The matching engine: which rules fire in a buffer, and where exactly.

Every rule's regex is compiled into one Hyperscan database and a buffer is scanned once
to learn which rules fire in it (``HS_FLAG_SINGLEMATCH``: one report per rule, so the
Python callback runs a handful of times per file, not once per match). Only the rules
that fired are then run with RE2 (or ``re``, for the few rules that need lookarounds) to
get the exact match, the capture groups and the positions. A regex Hyperscan rejects is
compiled in prefilter mode (a superset of its matches, which the confirming regex then
narrows); one it cannot take at all is confirmed on every buffer. A confirmed match then
passes the rule's entropy threshold and validators (checksums, structure, secret-likeness:
:mod:`gatecheck_plugins.secrets.validators`) and the allowlists before it counts.

Without Hyperscan (not installed, or its library will not load on this machine) the
engine uses the rules' keywords as the prefilter and confirms with the same regexes:
slower, with identical results.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatecheck.api import sha256_hex
from gatecheck_plugins.secrets.rules import Rule, RuleSet, compile_path_regex
from gatecheck_plugins.secrets.validators import Candidate

_hs: Any
try:
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised through the engine="python" option
    _hs = None
except OSError:  # pragma: no cover - the shared library failed to load
    _hs = None

#: ``gatecheck:allow <reason>`` on the line of a match or the line above it suppresses it.
ALLOW_MARK = b"gatecheck:allow"
_ALLOW_RE = re.compile(rb"gatecheck:allow(?![\w-])[ \t:=-]*(.*)")
_COMMENT_LEADERS = (b"#", b"//", b"/*", b"*", b"--", b"<!--", b";", b"%", b"{#", b"<%#")
_COMMENT_TAIL = re.compile(rb"\s*(?:\*/|-->|%>|#}|\"\"\"|''')?\s*$")


_HS_CACHE_FORMAT = 1
#: Serialized databases by content digest: compiling the pack takes a second or two, loading it milliseconds.
_DATABASES: dict[str, bytes] = {}
#: Per-pattern compile flags (exact, prefilter, or None for "confirm on every buffer") of rule sets
#: that needed probing, by a digest of their patterns.
_FLAGS: dict[str, list[Any]] = {}


def hyperscan_available() -> bool:
    """Whether the Hyperscan fast path can be used on this machine."""
    return _hs is not None


def shannon_entropy(data: bytes) -> float:
    """Shannon entropy in bits per symbol of ``data``."""
    if not data:
        return 0.0
    total = len(data)
    return -sum((n / total) * math.log2(n / total) for n in Counter(data).values())


@dataclass
class Match:
    """A confirmed rule match inside one buffer (byte offsets; ``secret`` never leaves the process)."""

    rule: Rule
    start: int
    end: int
    secret: bytes
    secret_start: int
    line: int
    end_line: int
    suppressed_reason: str | None = None
    bare_suppression: bool = False
    #: The line of the ``gatecheck:allow`` comment that applies (the match's first line or the one above).
    allow_line: int | None = None


class Engine:
    """Compiled rules, ready to scan buffers."""

    def __init__(self, ruleset: RuleSet, mode: str = "auto", cache_dir: Path | None = None) -> None:
        if mode not in ("auto", "hyperscan", "python"):
            raise ValueError(f"unknown engine {mode!r}")
        self.ruleset = ruleset
        self.cache_dir = cache_dir
        self.rules = [r for r in ruleset.rules if r.compiled is not None]
        self.path_rules = [r for r in ruleset.rules if r.compiled is None and r.path_compiled is not None]
        self.global_allowlists = ruleset.allowlists
        # One search per file decides whether any path-only rule can apply (None: no such rules).
        self._any_path_rule = _union([r.path for r in self.path_rules if r.path is not None])
        self._always: list[int] = []
        self.prefiltered: list[str] = []
        self.database: Any = None
        if mode == "hyperscan" and _hs is None:
            raise RuntimeError("the Hyperscan engine was requested but the 'hyperscan' package cannot be loaded")
        self.note: str | None = None
        if mode != "python" and _hs is not None:
            try:
                self.database = self._compile()
            except Exception as exc:  # hyperscan.error on a rule set it cannot take even in prefilter mode
                if mode == "hyperscan":
                    raise RuntimeError(f"Hyperscan cannot compile these rules: {exc}") from exc
                self.database = None
                self.note = f"Hyperscan could not compile these rules ({exc}); the pure-Python matcher was used"
        self.name = "hyperscan" if self.database is not None else "python"

    def _compile(self) -> Any:
        assert _hs is not None
        patterns = [(index, rule.regex.encode("utf-8")) for index, rule in enumerate(self.rules) if rule.regex is not None]
        single = _hs.HS_FLAG_SINGLEMATCH
        flags: dict[int, Any] = {index: single for index, _ in patterns}
        key = sha256_hex(repr(patterns).encode())[:32]
        known = self._known_flags(key)
        if known is not None and len(known) == len(patterns):
            flags = dict(zip((i for i, _ in patterns), known, strict=True))
        try:
            if any(f != single for f in flags.values()):
                raise ValueError("some patterns need prefilter mode")  # known from an earlier probe
            database = self._build(patterns, flags)
        except Exception:  # hyperscan.error: at least one pattern needs prefilter mode or cannot be taken
            if known is None:
                # Probing compiles each pattern alone (seconds for a large pack), so remember the outcome.
                for index, pattern in patterns:
                    flags[index] = self._probe(index, pattern)
                self._remember_flags(key, [flags[i] for i, _ in patterns])
            for index, flag in flags.items():
                if flag is None:
                    self._always.append(index)
                elif flag & _hs.HS_FLAG_PREFILTER:
                    self.prefiltered.append(self.rules[index].id)
            database = self._build([(i, p) for i, p in patterns if flags[i] is not None], flags)
        if database is None:
            return None
        self._scratch = _hs.Scratch(database)
        return database

    def _known_flags(self, key: str) -> list[Any] | None:
        if key in _FLAGS:
            return _FLAGS[key]
        if self.cache_dir is not None:
            with contextlib.suppress(OSError, ValueError):
                stored = json.loads((self.cache_dir / f"hyperscan-flags-{key}.json").read_text())
                if isinstance(stored, list):
                    _FLAGS[key] = stored
                    return stored
        return None

    def _remember_flags(self, key: str, flags: list[Any]) -> None:
        _FLAGS[key] = flags
        if self.cache_dir is not None:
            with contextlib.suppress(OSError):
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                (self.cache_dir / f"hyperscan-flags-{key}.json").write_text(json.dumps(flags))

    def _build(self, patterns: list[tuple[int, bytes]], flags: dict[int, Any]) -> Any:
        """Compile (or load from the in-process or on-disk cache) one block-mode database."""
        assert _hs is not None
        if not patterns:
            return None
        digest = sha256_hex(repr((_HS_CACHE_FORMAT, getattr(_hs, "__version__", ""),
                                  [(p, flags[i]) for i, p in patterns])).encode())
        cached = _DATABASES.get(digest)
        if cached is None and self.cache_dir is not None:
            stored = self.cache_dir / f"hyperscan-{digest[:32]}.db"
            with contextlib.suppress(Exception):
                cached = stored.read_bytes()
                _hs.loadb(cached, _hs.HS_MODE_BLOCK)  # validate before trusting it
        if cached is not None:
            _DATABASES[digest] = cached
            return _hs.loadb(cached, _hs.HS_MODE_BLOCK)
        database = _hs.Database()
        database.compile(expressions=[p for _, p in patterns], ids=[i for i, _ in patterns], elements=len(patterns),
                         flags=[flags[i] for i, _ in patterns])
        serialized = _hs.dumpb(database)
        _DATABASES[digest] = serialized
        if self.cache_dir is not None:
            with contextlib.suppress(OSError):
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                tmp = self.cache_dir / f".hyperscan-{digest[:32]}.{os.getpid()}.tmp"
                tmp.write_bytes(serialized)
                os.replace(tmp, self.cache_dir / f"hyperscan-{digest[:32]}.db")
        return database

    def _probe(self, index: int, pattern: bytes) -> Any:
        """The flags a pattern compiles with on its own: exact, else prefilter mode, else None."""
        assert _hs is not None
        for flag in (_hs.HS_FLAG_SINGLEMATCH, _hs.HS_FLAG_SINGLEMATCH | _hs.HS_FLAG_PREFILTER):
            try:
                _hs.Database().compile(expressions=[pattern], ids=[index], elements=1, flags=[flag])
            except Exception:  # hyperscan.error
                continue
            return flag
        return None

    def candidates(self, data: bytes) -> list[int]:
        """Indexes of the rules that may match somewhere in ``data``."""
        if self.database is not None:
            fired: set[int] = set(self._always)

            def on_match(rule_id: int, start: int, end: int, flags: int, context: Any) -> None:
                fired.add(rule_id)

            self.database.scan(data, match_event_handler=on_match, scratch=self._scratch)
            return sorted(fired)
        return list(range(len(self.rules)))

    def scan(self, path: str, data: bytes, commit: str | None = None, *, dedupe: bool = True) -> list[Match]:
        """Confirmed, allowlist-filtered matches in ``data`` (the content of ``path``); with ``dedupe``,
        one match per secret (see :func:`_prefer_specific`), else every rule's own matches."""
        fired = self.candidates(data)
        if not fired:
            return []
        # Checked only once something fired: most files fire nothing, and path regexes cost per call.
        if any(a.allows_path(path) and not a.target_rules for a in self.global_allowlists):
            return []
        lowered: bytes | None = None
        matches: list[Match] = []
        #: Where a provider rule's checksum or structure check said "not a credential of this format".
        rejected: list[tuple[int, int]] = []
        for index in fired:
            rule = self.rules[index]
            if not rule.applies_to(path):
                continue
            if rule.keywords:
                if lowered is None:
                    lowered = data.lower()
                if not any(k in lowered for k in rule.keywords):
                    continue
            matches.extend(self._confirm(rule, path, data, commit, rejected))
        return _prefer_specific(matches, rejected) if dedupe else matches

    def path_matches(self, path: str) -> list[Rule]:
        """Path-only rules (no regex) that flag the file itself."""
        if self._any_path_rule is None or not self._any_path_rule.search(path.encode("utf-8", "surrogateescape")):
            return []
        return [r for r in self.path_rules if r.applies_to(path)
                and not any(a.allows_path(path) for a in r.allowlists)
                and not any(a.allows_path(path) and (not a.target_rules or r.id in a.target_rules)
                            for a in self.global_allowlists)]

    def _confirm(self, rule: Rule, path: str, data: bytes, commit: str | None,
                 rejected: list[tuple[int, int]] | None = None) -> Iterator[Match]:
        for m in rule.compiled.finditer(data):
            group = rule.secret_group
            if group == 0 and m.lastindex:
                # gitleaks' convention: without secretGroup, the first group that matched is the secret.
                group = next((g for g in range(1, rule.groups + 1) if m.group(g)), 0)
            secret = m.group(group) if group else m.group(0)
            if not secret:
                continue
            if rule.entropy and shannon_entropy(secret) < rule.entropy:
                continue
            start, end = m.span()
            secret_start = m.start(group) if group else start
            line_start = data.rfind(b"\n", 0, start) + 1
            line_end = data.find(b"\n", end)
            line_end = len(data) if line_end < 0 else line_end
            line_text = data[line_start:line_end]
            match_text = m.group(0)
            if rule.validators:
                candidate = Candidate(secret, match_text, line_text, start - line_start, rule.id)
                if not all(check(candidate) for check in rule.validators):
                    if rejected is not None and not rule.generic:
                        rejected.append((m.start(group) if group else start, m.end(group) if group else end))
                    continue
            if any(a.allows(path, secret, match_text, line_text, commit) for a in rule.allowlists):
                continue
            if any(a.allows(path, secret, match_text, line_text, commit) for a in self.global_allowlists
                   if not a.target_rules or rule.id in a.target_rules):
                continue
            first_line = data.count(b"\n", 0, secret_start) + 1
            found = Match(rule=rule, start=start, end=end, secret=secret, secret_start=secret_start, line=first_line,
                          end_line=first_line + secret.count(b"\n"))
            _apply_inline_allow(found, data, line_start)
            yield found


def _union(patterns: list[str]) -> Any:
    """A regex matching where any of ``patterns`` matches, or None when there are none."""
    if not patterns:
        return None
    # A leading (?i) becomes a scoped (?i:...) group, which Python's re accepts inside an alternation.
    parts = [f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})" for p in patterns]
    try:
        return compile_path_regex("|".join(parts))
    except ValueError:
        return re.compile(b"")  # cannot be combined (inline flags in the middle): check each rule instead


def _apply_inline_allow(found: Match, data: bytes, line_start: int) -> None:
    """Look for ``gatecheck:allow`` on the match's first line or the line above it."""
    first_line_end = data.find(b"\n", found.start)
    first_line_end = len(data) if first_line_end < 0 else first_line_end
    previous_start = data.rfind(b"\n", 0, max(0, line_start - 1)) + 1 if line_start else line_start
    for lo, hi in ((line_start, first_line_end), (previous_start, max(previous_start, line_start - 1))):
        segment = data[lo:hi]
        if ALLOW_MARK not in segment:
            continue
        if lo != line_start and not segment.lstrip().startswith(_COMMENT_LEADERS):
            continue  # the line above counts only as a comment of its own, not another line's trailing allow
        marker = _ALLOW_RE.search(segment)
        if marker is None:
            continue
        # The match may begin on an earlier line than the secret inside it (a key block's header).
        match_line = found.line - data.count(b"\n", line_start, found.secret_start)
        found.allow_line = match_line if lo == line_start else match_line - 1
        reason = _COMMENT_TAIL.sub(b"", marker.group(1)).strip()
        # The reason is the developer's own words; it must not carry the secret itself.
        if reason and found.secret not in reason:
            found.suppressed_reason = reason.decode("utf-8", "replace")[:200]
        else:
            found.bare_suppression = True
        return


_CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}


def _rank(m: Match, order: dict[int, int]) -> tuple[int, int, int]:
    return _CONFIDENCE_RANK.get(m.rule.confidence, 3), m.start - m.end, order[id(m.rule)]


def _prefer_specific(matches: list[Match], rejected: Sequence[tuple[int, int]] = ()) -> list[Match]:
    """One finding per secret: drop a generic rule's match where a specific rule matched overlapping
    text (or rejected it: a value that fails its format's checksum is not a credential for a generic
    rule either), and where two rules found the very same secret keep the more confident rule, then
    the one whose match has more context (the longer match), then the earlier one."""
    specific = [(m.start, m.end) for m in matches if not m.rule.generic] + list(rejected)
    best: dict[tuple[int, int], Match] = {}
    order = {id(m.rule): i for i, m in enumerate(matches)}
    for m in matches:
        if m.rule.generic and any(s < m.end and m.start < e for s, e in specific):
            continue
        key = (m.secret_start, len(m.secret))
        current = best.get(key)
        if current is None or _rank(m, order) < _rank(current, order):
            best[key] = m
    return sorted(best.values(), key=lambda m: (m.secret_start, m.rule.id))
