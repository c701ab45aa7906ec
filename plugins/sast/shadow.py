"""Files semgrep scans in place of the tree's own: rewritten sources and base versions.

Two kinds of file version are scanned but do not exist in the tree: a source file rewritten by
:mod:`.fallback` (semgrep's main parser cannot read the original), and, in diff-aware mode, the
base version of a changed file. Both go into the same single semgrep run as the tree's files, so
they are written to a scratch directory that semgrep takes for a project of its own (it holds a
``.git`` marker): semgrep matches a rule's ``paths:`` filters against a file's path relative to
its project, and every shadow file sits at the same relative path as the file it stands for, so
``paths: exclude: [tests/]`` judges ``tests/x.py``'s base version as it judges ``tests/x.py``.
(Handed as plain absolute paths, files are matched by their name alone.)

:class:`LineMap` carries a rewritten file's match positions back to the original bytes, which are
what findings are fingerprinted and suppression comments are read from.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path


class ShadowTree:
    """A scratch directory semgrep sees as a project: files written at their root-relative paths."""

    def __init__(self, directory: Path) -> None:
        self.root = directory
        (directory / ".git").mkdir(parents=True, exist_ok=True)

    def path(self, rel: str) -> Path:
        """Where the shadow of ``rel`` lives (for a file someone else writes, such as git)."""
        return self.root / rel

    def write(self, rel: str, data: bytes) -> Path:
        """Write ``data`` as the shadow of ``rel``; return its absolute path, as semgrep is given it."""
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target


@dataclass
class LineMap:
    """Byte offsets in a rewritten file, mapped to the original: every line keeps its number and
    lines the rewrite did not touch keep their bytes, so an offset on such a line maps exactly and
    one on a rewritten line maps to the same line of the original."""

    original: bytes
    shadow: bytes
    _original_starts: list[int] = field(init=False, repr=False)
    _shadow_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._original_starts = _line_starts(self.original)
        self._shadow_starts = _line_starts(self.shadow)

    def offset(self, shadow_offset: int, *, end: bool = False) -> int:
        """The original offset for ``shadow_offset`` (``end``: the offset ends a match)."""
        index = bisect.bisect_right(self._shadow_starts, shadow_offset) - 1
        index = max(0, min(index, len(self._original_starts) - 1))
        shadow_line = self._line(self.shadow, self._shadow_starts, index)
        original_line = self._line(self.original, self._original_starts, index)
        start = self._original_starts[index]
        if shadow_line == original_line:
            return start + (shadow_offset - self._shadow_starts[index])
        return start + (len(original_line.rstrip(b"\r\n")) if end else 0)

    @staticmethod
    def _line(data: bytes, starts: list[int], index: int) -> bytes:
        if index >= len(starts):
            return b""
        stop = starts[index + 1] if index + 1 < len(starts) else len(data)
        return data[starts[index]:stop]


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    position = data.find(b"\n")
    while position != -1:
        starts.append(position + 1)
        position = data.find(b"\n", position + 1)
    return starts
