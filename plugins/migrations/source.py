"""Reading migration files into statements: parse trees, lines, allow comments, migration units.

A file is parsed once with pglast's real PostgreSQL grammar (``parse_sql_json``: the C parser's
own JSON, about ten times faster than building Python node objects). Three input shapes are
plain SQL underneath and read the same way; what differs is how a file splits into migrations:

- ``sql``: one hand-written migration per file.
- ``alembic``: the output of ``alembic upgrade A:B --sql``. One file may hold several revisions,
  each introduced by a ``-- Running upgrade X -> Y`` comment; every revision is its own migration
  unit (a table created by one revision is not new to the next), while the session (and so a
  ``lock_timeout``) and the transactions Alembic writes (``BEGIN;`` ... ``COMMIT;``) run on.
- ``django``: the output of ``manage.py sqlmigrate app NNNN``: one migration, wrapped in
  ``BEGIN;``/``COMMIT;`` unless the migration is non-atomic, with ``--`` / ``-- Operation`` / ``--``
  comment blocks.

Django and Alembic migrations written in Python are read by :mod:`.django_reader` and
:mod:`.alembic_reader` into the same :class:`MigrationFile` shape (format ``django-migration`` and
``alembic-revision``), with statements generated the way each tool would and located at the
line of the operation that produces them.

A file that does not parse raises :class:`Unparsable`, naming the file and line; the check turns
it into a finding and goes on with the other files.

Positions from the parser are byte offsets into the UTF-8 text; lines are computed from them.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pglast.parser import ParseError, parse_sql_json, scan

from gatecheck.api import CheckFailed, gc_paused

from .rules import RULES

FORMATS = ("sql", "alembic", "django")
#: Formats read from Python source, and the migration tool behind every format.
PYTHON_FORMATS = ("django-migration", "alembic-revision")
TOOLS = {"alembic": "alembic", "alembic-revision": "alembic", "django": "django", "django-migration": "django"}

ALEMBIC_MARKER = re.compile(rb"^-- Running (upgrade|downgrade) +(.*?) *-> *(\S*) *$", re.M)
DJANGO_MARKER = re.compile(rb"^--\r?\n-- [^\n]+\r?\n--\r?$", re.M)
ALLOW = re.compile(rb"--[ \t]*gatecheck:allow\b([^\r\n]*)")
ALLOW_ARGS = re.compile(r"\s*([a-z0-9_,-]+)(?:\s+(.*?))?\s*$")
LEADING_NOISE = re.compile(rb"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)
SPACE = re.compile(r"\s+")
NOISE_STARTS = frozenset((b" ", b"\t", b"\r", b"\n", b"-", b"/"))
WHITESPACE = frozenset((b" ", b"\t", b"\r", b"\n", b"\f", b"\v"))


@dataclass
class Statement:
    """One parsed statement and where it sits."""

    kind: str
    node: dict[str, Any]
    start: int
    end: int
    line: int
    end_line: int
    #: The whole file's bytes (shared, not copied); ``text`` is cut from it when first needed.
    data: bytes = field(repr=False)
    #: Index of the migration unit (an Alembic revision) within the file.
    unit: int = 0
    #: rule id -> reason, from ``-- gatecheck:allow`` comments attached to this statement.
    allows: dict[str, str] = field(default_factory=dict)
    #: The line of each allow comment, for reporting unused ones.
    allow_lines: dict[str, int] = field(default_factory=dict)
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The statement's source with runs of whitespace collapsed: the identity of a finding."""
        if self._text is None:
            text = self.data[self.start:self.end].decode("utf-8")
            # Generated SQL is written on one line with single spaces: only other text needs the regex.
            self._text = SPACE.sub(" ", text) if "  " in text or "\n" in text or "\t" in text or "\r" in text else text
        return self._text


class Unparsable(CheckFailed):
    """A migration file PostgreSQL's (or Python's) grammar rejects, or that is not UTF-8."""

    def __init__(self, rel: str, line: int, reason: str) -> None:
        super().__init__(f"{rel}:{line}: {reason}", bad_input=True)
        self.rel = rel
        self.line = line
        self.reason = reason


@dataclass
class MigrationFile:
    """A parsed migration file."""

    rel: str
    format: str
    statements: list[Statement]
    #: Label of each migration unit: the file itself, or "X -> Y" per Alembic revision.
    units: list[str]
    #: For migrations read from Python: the revision / migration name, for findings' metadata.
    migration: str | None = None
    #: Statements the reader could not know statically (RunSQL built at run time, ...), by line.
    unresolved: list[tuple[int, str]] = field(default_factory=list)

    @property
    def tool(self) -> str:
        """The migration tool behind the file (its bookkeeping tables are not the user's schema)."""
        return TOOLS.get(self.format, "sql")

    @property
    def manages_transactions(self) -> bool:
        """The reader wrote the tool's own BEGIN/COMMIT, so ``implicit_transaction`` does not apply."""
        return self.format in PYTHON_FORMATS


class Lines:
    """Byte offset -> 1-based line number."""

    def __init__(self, data: bytes) -> None:
        self.starts = [0]
        find = data.find
        pos = find(b"\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = find(b"\n", pos + 1)

    def line(self, offset: int) -> int:
        return bisect_right(self.starts, offset)


def decode(raw: bytes, rel: str) -> tuple[str, bytes]:
    """A file's bytes as text and as UTF-8 bytes (without a byte-order mark); bad encoding is bad input."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise Unparsable(rel, line, f"not UTF-8 text ({exc.reason})") from exc
    return text, raw


def detect_format(data: bytes) -> str:
    """Alembic's ``-- Running upgrade`` markers, else Django's comment blocks, else plain SQL."""
    if ALEMBIC_MARKER.search(data):
        return "alembic"
    if DJANGO_MARKER.search(data):
        return "django"
    return "sql"


def parse_migration(content: bytes, rel: str, fmt: str = "auto") -> MigrationFile:
    """Parse one migration file's bytes (read by the caller through the repository view);
    malformed SQL raises :class:`Unparsable` naming file and line."""
    # The parse tree of a large file is millions of small acyclic dicts and lists; the cyclic
    # collector would walk them again and again (it tripled the time to load the parser's JSON).
    with gc_paused():
        return _parse(content, rel, fmt)


def parse_file(path: Path, rel: str, fmt: str = "auto") -> MigrationFile:
    """Parse a migration file of the caller's own, outside any tree under judgement (the benchmark
    writes one); a check reads tree files through ``ctx.read_bytes`` and calls :func:`parse_migration`."""
    return parse_migration(path.read_bytes(), rel, fmt)


def _parse(content: bytes, rel: str, fmt: str) -> MigrationFile:
    text, data = decode(content, rel)
    tree = parse_sql(text, rel)
    if fmt == "auto":
        fmt = detect_format(data)
    unit_starts: list[int] = []
    units = [rel]
    if fmt == "alembic":
        for match in ALEMBIC_MARKER.finditer(data):
            unit_starts.append(match.start())
            source = match.group(2).decode("utf-8", "replace").strip() or "base"
            units.append(f"{match.group(1).decode()} {source} -> {match.group(3).decode('utf-8', 'replace')}")
    statements: list[Statement] = []
    size = len(data)
    match_noise = LEADING_NOISE.match
    count = data.count
    # Statements come in file order, so lines are counted forward from the previous statement.
    line, counted_to = 1, 0
    for raw in tree["stmts"]:
        start = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        end = start + length if length else size
        if data[start:start + 1] in NOISE_STARTS:  # the parser already skips these; be safe if not
            start = match_noise(data, start, end).end()  # type: ignore[union-attr]
        while end > start and data[end - 1:end] in WHITESPACE:
            end -= 1
        stmt = raw["stmt"]
        kind = next(iter(stmt))
        line += count(b"\n", counted_to, start)
        counted_to = start
        statements.append(Statement(
            kind=kind,
            node=stmt[kind],
            start=start,
            end=end,
            line=line,
            end_line=line + count(b"\n", start, max(start, end - 1)),
            data=data,
            unit=bisect_right(unit_starts, start) if unit_starts else 0,
        ))
    _attach_allows(data, statements, rel)
    return MigrationFile(rel=rel, format=fmt, statements=statements, units=units)


def parse_sql(text: str, rel: str, first_line: int = 1) -> dict[str, Any]:
    """pglast's JSON parse tree of ``text``; a syntax error raises :class:`Unparsable` with the
    line (counted from ``first_line``, for SQL embedded in a Python migration) and column."""
    try:
        tree: dict[str, Any] = json.loads(parse_sql_json(text))
    except ParseError as exc:
        message = exc.args[0] if exc.args else str(exc)
        char_offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        line = text.count("\n", 0, char_offset) + first_line
        column = char_offset - (text.rfind("\n", 0, char_offset) + 1) + 1
        raise Unparsable(rel, line, f"invalid PostgreSQL: {message} (column {column})") from exc
    return tree


def _attach_allows(data: bytes, statements: list[Statement], rel: str) -> None:
    """Attach each ``-- gatecheck:allow RULE[,RULE] REASON`` comment to its statement.

    A comment inside a statement, or after it on its last line, belongs to that statement; a
    comment on a line of its own belongs to the next statement.
    """
    if b"gatecheck:allow" not in data:
        return
    lines = Lines(data)
    starts = [s.start for s in statements]
    for match in ALLOW.finditer(data):
        pos = match.start()
        line = lines.line(pos)
        index = bisect_right(starts, pos) - 1
        target: Statement | None = None
        if index >= 0 and pos < statements[index].end:
            stmt = statements[index]
            if not is_comment(data, stmt, pos):
                continue  # the marker is inside a string literal, not a comment
            target = stmt
        elif index >= 0 and statements[index].end_line == line:
            target = statements[index]
        elif index + 1 < len(statements):
            target = statements[index + 1]
        if target is None:
            raise CheckFailed(f"{rel}:{line}: gatecheck:allow comment is not followed by a statement", bad_input=True)
        rules, reason = allow_arguments(match.group(1).decode("utf-8", "replace"), rel, line)
        for rule_id in rules:
            target.allows[rule_id] = reason
            target.allow_lines[rule_id] = line


def allow_arguments(arguments: str, rel: str, line: int, marker: str = "--") -> tuple[list[str], str]:
    """The rule ids and the reason of an allow comment (what follows ``gatecheck:allow``); a missing
    reason or an unknown rule id is bad input naming the file and line."""
    args = ALLOW_ARGS.match(arguments)
    if not args or not args.group(2):
        raise CheckFailed(
            f"{rel}:{line}: write the allow comment as `{marker} gatecheck:allow RULE-ID REASON` (a reason is required)",
            bad_input=True,
        )
    rules = list(filter(None, args.group(1).split(",")))
    for rule_id in rules:
        if rule_id not in RULES:
            raise CheckFailed(f"{rel}:{line}: gatecheck:allow names unknown rule {rule_id!r}", bad_input=True)
    return rules, args.group(2)


def is_comment(data: bytes, stmt: Statement, pos: int) -> bool:
    """Whether byte ``pos`` inside ``stmt`` is in an SQL comment (not in a string literal)."""
    source = data[stmt.start:stmt.end].decode("utf-8")
    offset = len(data[stmt.start:pos].decode("utf-8", "replace"))
    return any(
        token.name in ("SQL_COMMENT", "C_COMMENT") and token.start <= offset <= token.end
        for token in scan(source)
    )
