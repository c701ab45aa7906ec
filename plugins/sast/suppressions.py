"""``nosemgrep`` comments, honoured only when they say which rule and why.

The accepted form is::

    risky_call()  # nosemgrep: gatecheck.python.pickle-load -- cache written by this process only

on the flagged line or on a comment line directly above it. Several rule ids may be given,
separated by commas; a rule may be named by its full id or a unique dotted suffix
(``pickle-load``). A comment without a rule id or without a reason (a *bare* nosemgrep)
suppresses nothing and is itself reported, so every exception in the code is accountable.

semgrep runs with ``--disable-nosem`` (:mod:`.semgrep`): every match comes back, and
:func:`apply` decides here which ones a comment sets aside. Each becomes a
``CheckResult.suppressions`` entry, so the policy sees it; in diff-aware mode the entry says
whether the change under judgement added the comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Any

from gatecheck.api import Finding, Suppression
from gatecheck_plugins.sast.rulepack import RulePack

#: A nosemgrep (or nosem) marker inside a comment of any common comment syntax.
_MARKER = re.compile(
    r"(?:#|//|/\*|--|<!--|;)\s*(?P<word>nosemgrep|nosem)\b(?P<rest>[^\n]*)",
    re.IGNORECASE,
)
#: ``: ids -- reason`` after the marker; the reason may also follow an em dash.
_TAIL = re.compile(r"^\s*(?::\s*(?P<ids>[^\s].*?))?\s*(?:(?:--|\u2014)\s*(?P<reason>.*?))?\s*(?:\*/|-->)?\s*$")


@dataclass
class Marker:
    """One ``nosemgrep`` comment."""

    line: int
    rule_names: list[str]
    reason: str
    text: str
    #: The comment is the only thing on its line (then it also covers the next line).
    standalone: bool
    #: The whole line the comment is on, stripped: what "was it there before the change?" compares.
    source: str = ""
    used: bool = field(default=False)

    @property
    def valid(self) -> bool:
        return bool(self.rule_names) and bool(self.reason)

    @property
    def problem(self) -> str:
        if not self.rule_names and not self.reason:
            return "names no rule and gives no reason"
        if not self.rule_names:
            return "names no rule"
        return "gives no reason"


def find_markers(text: str, *, python: bool = False) -> list[Marker]:
    """Every nosemgrep comment in ``text``, with 1-based lines.

    For Python (``python=True``) only real comment tokens count, so a docstring that shows
    the syntax is not taken for a suppression; other languages are matched line by line.
    """
    if "nosem" not in text.lower():
        return []
    comments = _python_comments(text) if python else None
    markers: list[Marker] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.search(line)
        if match is None:
            continue
        if comments is not None:
            column = comments.get(number)
            if column is None or column > match.start():
                continue  # "nosemgrep" outside a comment: in a string or docstring
        tail = _TAIL.match(match.group("rest"))
        ids_text = (tail.group("ids") or "") if tail else ""
        reason = ((tail.group("reason") or "") if tail else "").strip()
        names = [n for n in re.split(r"[,\s]+", ids_text.strip()) if n]
        markers.append(Marker(
            line=number,
            rule_names=names,
            reason=reason,
            text=" ".join(line[match.start():].split())[:200],
            standalone=not line[: match.start()].strip(),
            source=line.strip(),
        ))
    return markers


def _python_comments(text: str) -> dict[int, int] | None:
    """Line -> column of the comment on that line; None when the file does not tokenize
    (then every line is matched, erring on the side of reporting)."""
    found: dict[int, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.start[1]
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def covering(markers: list[Marker], line: int) -> list[Marker]:
    """Markers that apply to a finding starting on ``line``: on it, or alone on the line above."""
    return [m for m in markers if m.line == line or (m.standalone and m.line == line - 1)]


def stripped_lines(data: bytes) -> frozenset[str]:
    """Every line of a file, stripped: what :func:`added_since` looks a marker's line up in."""
    return frozenset(line.strip() for line in data.decode("utf-8", "replace").splitlines())


def added_since(marker: Marker, base: frozenset[str] | None) -> bool:
    """Whether the change under judgement added ``marker``: its line (stripped) is not among the
    stripped lines of the file's base version (``base``; None when the file did not exist there).

    This is the core's definition (``gatecheck.gate.mark_new_suppressions``, used in
    ``--trusted-ref`` mode), so a comment is "new" the same way whichever base tells.
    """
    return base is None or marker.source not in base


@dataclass
class Applied:
    """One file's findings after its nosemgrep comments are applied."""

    #: The findings no comment sets aside.
    kept: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    #: The suppressed findings for the summary (the finding's own line, not the comment's).
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    #: Comments that name rules and give a reason but set nothing aside here.
    unused: list[dict[str, Any]] = field(default_factory=list)
    #: Comments without a rule id or reason: they set nothing aside and are findings themselves.
    bare: list[Marker] = field(default_factory=list)


def apply(
    pack: RulePack, rel: str, markers: list[Marker], found: list[Finding], base: dict[str, frozenset[str]] | None,
) -> Applied:
    """Set aside the findings of ``rel`` that one of its ``markers`` names. With ``base`` (diff-aware
    mode: the stripped lines of each changed file's base version) each suppression says whether the
    change added its comment."""
    applied = Applied()
    for finding in found:
        line = finding.location.start_line if finding.location else None
        marker = suppressing(pack, markers, line, finding.rule_id) if line else None
        if marker is None:
            applied.kept.append(finding)
            continue
        marker.used = True
        applied.suppressed.append({
            "finding_id": finding.id, "rule_id": finding.rule_id, "path": rel, "line": line,
            "reason": marker.reason, "severity": finding.severity,
        })
        applied.suppressions.append(Suppression(
            rule_id=finding.rule_id, path=rel, line=marker.line, reason=marker.reason,
            finding_id=finding.id, severity=finding.severity,
            new=added_since(marker, base.get(rel)) if base is not None else None,
        ))
    for marker in markers:
        if not marker.valid:
            applied.bare.append(marker)
        elif not marker.used:
            unknown = [n for n in marker.rule_names if pack.resolve(n) is None]
            applied.unused.append({
                "path": rel, "line": marker.line, "rules": marker.rule_names, "reason": marker.reason,
                **({"unknown_rules": unknown} if unknown else {}),
            })
    return applied


def suppressing(pack: RulePack, markers: list[Marker], line: int, rule_id: str) -> Marker | None:
    """The valid marker covering ``line`` that names ``rule_id`` (by its id or a unique suffix), if any."""
    for marker in covering(markers, line):
        if not marker.valid:
            continue
        for name in marker.rule_names:
            rule = pack.resolve(name)
            if rule is not None and rule.id == rule_id:
                return marker
    return None
