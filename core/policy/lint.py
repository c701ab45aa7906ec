"""Checks that keep a bundle inside what every engine evaluates the same way.

The conformance cases found one construct the embedded engine (regorus) cannot evaluate
although OPA does: calling a function through an import alias (``import data.lib.util``
then ``util.double(2)``). Rather than let such a policy fail at evaluation time on one
engine only, the bundle is rejected on load with the file and line, and the fix: call the
function by its full path (``data.lib.util.double(2)``).
"""

from __future__ import annotations

import re

from gatecheck.errors import BadInput
from gatecheck.policy.bundle import Bundle

_IMPORT = re.compile(r"^\s*import\s+data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?\s*(?:#.*)?$")


def _strip_comment(line: str) -> str:
    # A '#' inside a string literal is rare in policies; strings are blanked before cutting.
    blanked = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', lambda m: " " * len(m.group(0)), line)
    cut = blanked.find("#")
    return line if cut < 0 else line[:cut]


def check(bundle: Bundle) -> None:
    """Raise :class:`BadInput` at the first function call through an import alias."""
    for name, text in sorted({**bundle.modules, **bundle.tests}.items()):
        lines = text.splitlines()
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
