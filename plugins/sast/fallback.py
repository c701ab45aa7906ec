"""Python syntax that semgrep's main Python parser does not accept, rewritten so that the rules still work.

semgrep parses a Python file with its own parser first and, when that fails, with a tree-sitter
grammar whose tree differs in details the rules depend on: a string literal bound to a
metavariable loses its quotes, for example, so ``hashlib.new('sha1')`` no longer matches a rule
that checks the literal, and nothing says so. It happens to the *whole file* as soon as it holds
one construct the main parser lacks:

- a ``match`` statement (Python 3.10);
- a ``type X = ...`` alias or a generic ``def f[T]`` / ``class C[T]`` (Python 3.12);
- starred items in a ``for`` iterable without parentheses (``for x in *a, *b:``).

:func:`rewrite` finds them with Python's tokenizer and rewrites each into an equivalent construct
the main parser accepts, keeping every line on its line number and every line it does not touch
byte for byte (so a finding in a ``case`` body maps back exactly; a finding on a rewritten header
line maps to that line):

- ``match SUBJECT:`` becomes ``for __gc_subject_N in [SUBJECT]:``, and each
  ``case PATTERN if GUARD:`` becomes ``for NAMES in ([(SUBJECT_VAR, ...)] if (GUARD) else []):``,
  binding the pattern's capture names to the subject so data flow from the subject into the case
  body is kept (``if True:`` when the pattern captures nothing);
- ``type X[T] = V`` becomes ``X = V``; ``def f[T](`` and ``class C[T]`` lose their type
  parameters;
- ``for x in *a, *b:`` gets parentheses around its iterable.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field

#: A cheap test that a file may hold one of the constructs (most files do not, and are not tokenized).
_CANDIDATE = re.compile(
    rb"^[ \t]*(match[ \t(\[{\"'].*:"
    rb"|type[ \t]+\w+[ \t]*[\[=]"
    rb"|(async[ \t]+)?def[ \t]+\w+[ \t]*\[|class[ \t]+\w+[ \t]*\["
    rb"|for[ \t].*\bin[ \t]+\*)",
    re.MULTILINE,
)


@dataclass
class Construct:
    """One construct that needed rewriting."""

    kind: str
    line: int

    def describe(self) -> str:
        return f"{self.kind} (line {self.line})"


@dataclass
class Rewrite:
    """A file's text with its constructs rewritten; same number of lines as the original."""

    text: str
    constructs: list[Construct] = field(default_factory=list)


def candidate(data: bytes) -> bool:
    """Whether ``data`` may hold a construct :func:`rewrite` handles (a fast, permissive test)."""
    return _CANDIDATE.search(data) is not None


def rewrite(text: str) -> Rewrite | None:
    """``text`` with every construct rewritten, or None when it holds none.

    Raises :class:`SyntaxError` (or :class:`tokenize.TokenError`) when the text does not tokenize,
    in which case semgrep will report the file as unparsable itself.
    """
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    lines = text.splitlines(keepends=True)
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    constructs: list[Construct] = []
    subjects: list[tuple[int, str]] = []  # (indent column of the match, subject variable)
    for start, end in _logical_lines(tokens):
        first = tokens[start]
        significant = [t for t in tokens[start:end] if t.type not in _TRIVIA]
        if not significant:
            continue
        column = first.start[1]
        while subjects and column <= subjects[-1][0]:
            subjects.pop()
        head = significant[0]
        colon = _block_colon(significant)
        if head.type == tokenize.NAME and head.string == "match" and colon is not None and len(significant) > 2:
            name = f"__gc_subject_{head.start[0]}"
            subject = significant[1:colon]
            edits.append((head.start, significant[colon].end,
                          f"for {name} in [{_source(lines, subject[0].start, subject[-1].end)}]:"))
            constructs.append(Construct("match statement", head.start[0]))
            subjects.append((column, name))
        elif head.type == tokenize.NAME and head.string == "case" and colon is not None and subjects \
                and column > subjects[-1][0]:
            body = significant[1:colon]
            guard_at = next((i for i, t in enumerate(body) if t.type == tokenize.NAME and t.string == "if"
                             and _depth(body[:i]) == 0), None)
            pattern = body[:guard_at] if guard_at is not None else body
            guard = body[guard_at + 1:] if guard_at is not None else []
            pattern_text = _source(lines, pattern[0].start, pattern[-1].end) if pattern else "_"
            guard_text = _source(lines, guard[0].start, guard[-1].end) if guard else ""
            names = _captures(pattern_text)
            padding = "\n" * pattern_text.count("\n")
            subject_var = subjects[-1][1]
            if names:
                values = ", ".join([subject_var] * len(names))
                condition = f" if ({guard_text}) else []" if guard_text else ""
                replacement = f"for {', '.join(names)} in ([({values},){padding}]{condition}):"
            else:
                replacement = f"if (True{padding}{' and (' + guard_text + ')' if guard_text else ''}):"
            edits.append((head.start, significant[colon].end, replacement))
        elif head.type == tokenize.NAME and head.string == "type" and len(significant) > 2 \
                and significant[1].type == tokenize.NAME and significant[-1].string != ":":
            equals = next((i for i, t in enumerate(significant) if t.string == "=" and _depth(significant[:i]) == 0), None)
            if equals is not None:
                edits.append((head.start, significant[equals].end, f"{significant[1].string} ="))
                constructs.append(Construct("type alias", head.start[0]))
        elif head.type == tokenize.NAME and head.string in ("def", "class", "async"):
            offset = 1 if head.string == "async" else 0
            if len(significant) > offset + 2 and significant[offset].string in ("def", "class") \
                    and significant[offset + 2].string == "[":
                close = _matching(significant, offset + 2)
                if close is not None:
                    edits.append((significant[offset + 2].start, significant[close].end, ""))
                    constructs.append(Construct("type parameters", head.start[0]))
        elif head.type == tokenize.NAME and head.string == "for" and colon is not None:
            at = next((i for i, t in enumerate(significant) if t.type == tokenize.NAME and t.string == "in"
                       and _depth(significant[:i]) == 0), None)
            if at is not None and at + 1 < colon and significant[at + 1].string == "*":
                edits.append((significant[at + 1].start, significant[at + 1].start, "("))
                edits.append((significant[colon].start, significant[colon].start, ")"))
                constructs.append(Construct("starred for iterable", head.start[0]))
    if not constructs:
        return None
    return Rewrite(_apply(lines, edits), constructs)


_TRIVIA = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_OPEN = {"(": ")", "[": "]", "{": "}"}


def _logical_lines(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int]]:
    """(start, end) token index ranges of the logical lines (up to and including NEWLINE)."""
    ranges: list[tuple[int, int]] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            ranges.append((start, index + 1))
            start = index + 1
        elif token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT) and start == index:
            start = index + 1
    return ranges


def _depth(tokens: list[tokenize.TokenInfo]) -> int:
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP and token.string in _OPEN:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPEN.values():
            depth -= 1
    return depth


def _block_colon(tokens: list[tokenize.TokenInfo]) -> int | None:
    """Index of the colon that ends a compound statement's header: the first ':' at bracket depth 0
    that is not part of a lambda, if the header ends there or a simple statement follows it."""
    depth = 0
    lambdas = 0
    for index, token in enumerate(tokens):
        if token.type != tokenize.OP and not (token.type == tokenize.NAME and token.string == "lambda"):
            continue
        if token.string == "lambda":
            lambdas += 1
        elif token.string in _OPEN:
            depth += 1
        elif token.string in _OPEN.values():
            depth -= 1
        elif token.string == ":" and depth == 0:
            if lambdas:
                lambdas -= 1
                continue
            return index
    return None


def _matching(tokens: list[tokenize.TokenInfo], open_at: int) -> int | None:
    depth = 0
    for index in range(open_at, len(tokens)):
        token = tokens[index]
        if token.type == tokenize.OP and token.string in _OPEN:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPEN.values():
            depth -= 1
            if depth == 0:
                return index
    return None


def _source(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """The text between two (line, column) positions, newlines included."""
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1]:end[1]]
    parts = [lines[start[0] - 1][start[1]:]]
    parts += lines[start[0]:end[0] - 1]
    parts.append(lines[end[0] - 1][:end[1]])
    return "".join(parts)


def _captures(pattern: str) -> list[str]:
    """The names a ``case`` pattern binds, in order of appearance."""
    try:
        tree = ast.parse(f"match _:\n case {pattern.replace(chr(10), ' ')}:\n  pass\n")
    except SyntaxError:
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.MatchAs | ast.MatchStar):
            name = node.name
        elif isinstance(node, ast.MatchMapping):
            name = node.rest
        if name and name not in names:
            names.append(name)
    return names


def _apply(lines: list[str], edits: list[tuple[tuple[int, int], tuple[int, int], str]]) -> str:
    """Apply (start, end, replacement) edits, given in (line, column) positions, back to front."""
    text = "".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for (start, end, replacement) in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        a = starts[start[0] - 1] + start[1]
        b = starts[end[0] - 1] + end[1]
        original = text[a:b]
        # Keep the line count: a header that spanned lines keeps its line breaks inside brackets.
        missing = original.count("\n") - replacement.count("\n")
        if missing > 0:
            replacement = _pad(replacement, missing)
        text = text[:a] + replacement + text[b:]
    return text


def _pad(replacement: str, newlines: int) -> str:
    """``replacement`` with ``newlines`` line continuations before its final colon (or at its end)."""
    if replacement.endswith(":"):
        return replacement[:-1] + " \\\n" * newlines + ":"
    return replacement + " \\\n" * newlines
