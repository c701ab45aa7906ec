"""TOML dependency files (``pyproject.toml``, ``uv.lock``, ``poetry.lock``, ``pylock.toml``):
parsing with errors that name the line, and the lines of array-of-tables entries.

``tomllib`` gives values without positions, so findings and errors find their lines by
scanning the text: an entry of ``[[package]]`` starts at its header, and the line that
names the package is its ``name = ...`` key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from gatecheck.api import BadInput, limits, toml_key_line, toml_table_lines

from .model import DependencyFileError

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)")


def load(text: str, rel: str) -> dict[str, Any]:
    """The document ``text`` holds, within gatecheck's limits (nesting, size, numbers); invalid TOML
    is bad input naming the file and line."""
    try:
        document: dict[str, Any] = limits.load_toml(text, rel)
        return document
    except BadInput as exc:
        raise DependencyFileError(rel, exc.line, exc.message) from exc
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        message = _TOML_POSITION.sub("", str(exc)).strip()
        raise DependencyFileError(rel, int(match.group(1)) if match else None, f"invalid TOML: {message}") from exc


@dataclass(frozen=True)
class Entry:
    """Where one ``[[table]]`` entry is: its header line and the line of its ``name`` key."""

    start: int
    name_line: int | None

    @property
    def line(self) -> int:
        """The line that names the entry's package, else its header."""
        return self.name_line or self.start


def entries(text: str, table: str) -> list[Entry]:
    """Every ``[[table]]`` entry of ``text``, in document order."""
    lines = text.splitlines()
    # The entry's keys come before its sub-tables: the name key is looked for up to the next header.
    return [Entry(start, toml_key_line(lines, "name", start, sub_tables=()))
            for start in toml_table_lines(lines, table, array=True)]


def entry_at(found: list[Entry], index: int) -> Entry | None:
    return found[index] if index < len(found) else None


def line_containing(text: str, needle: str) -> int | None:
    """The first line that contains ``needle`` (a dependency string as written)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        if needle in raw:
            return number
    return None
