"""Source positions: the 1-based line of a place in a document's text, for messages that name the line.

Every "on which line is this key" question gatecheck asks goes through here:

- JSON: :func:`locate` (the value at a path of keys and indexes) and :func:`json_key_line`
  (where a key is written, for example the second of two duplicate keys);
- TOML: :func:`locate_toml` (the line that defines a key path, through tables and dotted keys),
  :func:`toml_key_line` (a ``key = ...`` assignment, optionally within one table) and
  :func:`toml_table_lines` (the header lines of a table or of an array of tables).

The standard json module keeps no positions once parsed, and the JSON libraries that do
are heavy for this one need; so :func:`locate` walks the text with the json module's own scanner
(``raw_decode`` for values, ``scanstring`` for keys) down the path of interest only. tomllib
keeps no positions either; the TOML helpers read the lines as written.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Sequence
from typing import TypeAlias

#: A document's text, or its lines (``text.splitlines()``) when the caller already holds them.
Lines: TypeAlias = "str | Sequence[str]"

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def line_of_offset(text: str, offset: int) -> int:
    """1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1


def locate(text: str, path: Sequence[str | int], start: int = 0) -> int | None:
    """The 1-based line where the value at ``path`` (keys and indexes) starts, or the line
    of the deepest part of the path that exists; None if the text is not JSON."""
    try:
        pos = _WS.match(text, start).end()  # type: ignore[union-attr]
        for part in path:
            found = _child(text, pos, part)
            if found is None:
                break
            pos = found
        return line_of_offset(text, pos)
    except (ValueError, IndexError):
        return None


def _child(text: str, pos: int, part: str | int) -> int | None:
    ws = _WS
    if text[pos] == "{" and isinstance(part, str):
        pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]
        while text[pos] != "}":
            key, pos = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            pos = ws.match(text, pos).end()  # type: ignore[union-attr]
            pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]  # skip ':'
            if key == part:
                return pos
            _, pos = _DECODER.raw_decode(text, pos)
            pos = ws.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == ",":
                pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]
        return None
    if text[pos] == "[" and isinstance(part, int):
        pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]
        index = 0
        while text[pos] != "]":
            if index == part:
                return pos
            _, pos = _DECODER.raw_decode(text, pos)
            pos = ws.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == ",":
                pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]
            index += 1
    return None


def json_key_line(text: str, key: str, occurrence: int = 1) -> int | None:
    """The line of the ``occurrence``-th place where ``key`` is written as a JSON string
    (``2`` finds the second of two duplicate keys); None when it is not written that often."""
    needle = json.dumps(key)
    at = -1
    for _ in range(occurrence):
        at = text.find(needle, at + 1)
        if at < 0:
            return None
    return line_of_offset(text, at)


def toml_key_line(text: Lines, key: str, start: int = 1, *, sub_tables: Sequence[str] | None = None) -> int | None:
    """The line of the first ``key = ...`` assignment at or after line ``start``; None if there is none.

    With ``sub_tables`` the search stays inside the table whose header is on line ``start``: it
    stops at the next table header, except headers of tables or arrays of tables whose dotted name
    begins with one of ``sub_tables`` (``("rules.",)`` reads on through ``[rules.allowlist]`` and
    ``[[rules.entries]]``).
    """
    lines = text.splitlines() if isinstance(text, str) else text
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(max(start, 1), len(lines) + 1):
        line = lines[number - 1]
        if sub_tables is not None and number > start:
            header = line.lstrip()
            if header.startswith("[") and not any(header.startswith((f"[{p}", f"[[{p}")) for p in sub_tables):
                break
        if pattern.match(line):
            return number
    return None


def toml_table_lines(text: Lines, name: str, *, array: bool = False) -> list[int]:
    """The header lines of table ``[name]`` (or, with ``array``, of every ``[[name]]``), in order."""
    lines = text.splitlines() if isinstance(text, str) else text
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]" if array else rf"^\s*\[\s*{re.escape(name)}\s*\]")
    return [number for number, line in enumerate(lines, start=1) if pattern.match(line)]


# tomllib keeps no positions, so a key path is mapped back to a line by reading the table headers
# and key assignments. TOML's grammar for those is small; values (including multi-line strings and
# arrays) are skipped, not parsed.
_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _split_key(key: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", key)
    return [a or b or c for a, b, c in parts]


def locate_toml(text: str, path: Sequence[str]) -> int | None:
    """The 1-based line that defines the longest prefix of ``path`` in a TOML text."""
    best: tuple[int, int] | None = None  # (matched length, line)
    table: list[str] = []
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header and line.lstrip().startswith("["):
            table = _split_key(header.group(1))
            full = table
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            full = table + _split_key(assign.group(1))
            rest = line[assign.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
        matched = 0
        for a, b in zip(full, path, strict=False):
            if a != b:
                break
            matched += 1
        if matched == len(full) and matched > 0 and (best is None or matched > best[0]):
            best = (matched, number)
    return best[1] if best else None
