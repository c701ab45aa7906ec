"""Line numbers for places inside a JSON document, for error messages that name the line.

The standard json module keeps no positions once parsed, and the JSON libraries that do
are heavy for this one need; so this walks the text with the json module's own scanner
(``raw_decode`` for values, ``scanstring`` for keys) down the path of interest only.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Sequence

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
