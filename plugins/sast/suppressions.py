"""``nosemgrep`` comments, honoured only when they say which rule and why.

The accepted form is::

    risky_call()  # nosemgrep: gatecheck.python.pickle-load -- cache written by this process only

on the flagged line or on a comment line directly above it. Several rule ids may be given,
separated by commas; a rule may be named by its full id or a unique dotted suffix
(``pickle-load``). A comment without a rule id or without a reason (a *bare* nosemgrep)
suppresses nothing and is itself reported, so every exception in the code is accountable.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

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
