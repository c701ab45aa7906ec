"""Checks that keep a bundle inside what every engine evaluates the same way.

The conformance cases found two constructs the embedded engine (regorus) cannot evaluate
although OPA does (cases ``imports.function_via_alias`` and
``comprehension.in_head_of_rule_with_body``):

* calling a function through an import alias (``import data.lib.util`` then
  ``util.double(2)``); the fix is to call it by its full path, ``data.lib.util.double(2)``;
* a comprehension in the head of a rule that has a body (``x := [n | some n in s] if c``);
  the fix is to bind it in the body (``x := y if { c; y := [n | some n in s] }``).

Rather than let such a policy fail at evaluation time on one engine only, the bundle is
rejected on load, naming the file, the line and the fix. The second check reads rule
heads that start at the beginning of a line (how every formatted policy is written).
"""

from __future__ import annotations

import re

from gatecheck.errors import BadInput
from gatecheck.policy.policy_bundle import Bundle

_IMPORT = re.compile(r"^\s*import\s+data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?\s*(?:#.*)?$")


def _strip_comment(line: str) -> str:
    # A '#' inside a string literal is rare in policies; strings are blanked before cutting.
    blanked = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', lambda m: " " * len(m.group(0)), line)
    cut = blanked.find("#")
    return line if cut < 0 else line[:cut]


_RULE_START = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\([^)]*\))?\s*(:=|=)")


def _head_comprehension(lines: list[str]) -> int | None:
    """The line of the first rule whose head value holds a comprehension and that has a body."""
    for number, line in enumerate(lines, start=1):
        if not _RULE_START.match(line):
            continue
        head = _strip_comment(line)
        # A head may run over several lines (a multi-line comprehension); read until its `if`.
        follow = number
        while " if" not in head and follow < len(lines) and lines[follow].startswith(("\t", " ", "]", "}")):
            head += " " + _strip_comment(lines[follow])
            follow += 1
        value = head.split(" if", 1)[0]
        blanked = re.sub(r'"(?:[^"\\]|\\.)*"', '""', value)
        if " if" in head and "|" in blanked and re.search(r"[\[{][^\]}]*\|", blanked):
            return number
    return None


def check(bundle: Bundle) -> None:
    """Raise :class:`BadInput` at the first construct the embedded engine cannot evaluate."""
    for name, text in sorted({**bundle.modules, **bundle.tests}.items()):
        lines = text.splitlines()
        head_line = _head_comprehension(lines)
        if head_line is not None:
            raise BadInput(
                "a comprehension in the head of a rule with a body, which the embedded engine cannot evaluate; "
                "bind it in the body instead: `x := y if { ...; y := [...] }`",
                path=bundle.display_path(name), line=head_line,
            )
        aliases: dict[str, str] = {}
        for line in lines:
            m = _IMPORT.match(line)
            if m:
                path = m.group(1)
                aliases[m.group(2) or path.rsplit(".", 1)[-1]] = "data" + path
        if not aliases:
            continue
        call = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, aliases)) + r")((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*\(")
        for number, line in enumerate(lines, start=1):
            if _IMPORT.match(line):
                continue
            m = call.search(_strip_comment(line))
            if m:
                full = aliases[m.group(1)] + m.group(2)
                raise BadInput(
                    f"function {m.group(1)}{m.group(2)} is called through an import alias, which the embedded engine "
                    f"cannot resolve; call {full}(...) instead",
                    path=bundle.display_path(name), line=number,
                )
