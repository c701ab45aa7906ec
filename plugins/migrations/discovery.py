"""Which files are migrations, in which order, and how each is read.

Migrations are files of the tree under judgement, found only in the repository view's listing
and read only through it (``ctx.read_bytes``): a symlink out of the tree, a FIFO or a device is
never opened, and ``directory``/``include``/``files`` cannot name a path outside the tree.

- SQL files: ``directory``/``include`` (default ``migrations/*.sql``) in natural or lexical
  order, or the ``files`` list in the order given.
- Python migrations (``python = true``, the default, unless ``files`` is given): Django
  migrations (``<app>/migrations/*.py`` defining ``class Migration``) and Alembic revisions
  (``versions/*.py`` with ``revision``/``down_revision``) anywhere in the tree, recognised by
  their content, ordered by their migration graphs (:mod:`.django_reader`, :mod:`.alembic_reader`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wcmatch import glob

from gatecheck.api import RUN_EXCLUDE, CheckContext, CheckFailed, OutsideRepository, normalize, nothing_scanned

DEFAULT_DIRECTORY = "migrations"
DEFAULT_INCLUDE = ["*.sql"]
#: Where Django and Alembic keep their Python migrations.
PYTHON_PATTERNS = ["**/migrations/*.py", "**/versions/*.py", "migrations/*.py", "versions/*.py"]
#: ``include`` globs: ``**`` crosses directories, ``*`` does not, and dot-files match like any other.
INCLUDE_FLAGS = glob.GLOBSTAR | glob.DOTGLOB
_DIGITS = re.compile(r"(\d+)")


def natural_key(rel: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Sort key that orders ``V2__x.sql`` before ``V10__y.sql`` and ``0002`` after ``0001``."""
    return tuple(
        tuple((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in _DIGITS.split(part) if chunk)
        for part in rel.split("/")
    )


@dataclass
class Candidates:
    """The files the check reads: SQL in the order they apply, Python migrations to be ordered by graph."""

    sql: list[str] = field(default_factory=list)
    python: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[str]:
        return [*self.sql, *self.python]


def candidates(ctx: CheckContext) -> Candidates:
    """Root-relative migration files: the ``files`` option as given (a name there may be missing or
    unsafe; :func:`refuse_unlisted` says so), else the files the repository view lists under
    ``directory`` that match ``include``, plus Python migrations anywhere, minus the exclude globs.

    The scan paths do not narrow this: a migration outside them still builds the state later
    ones are judged against."""
    options = ctx.options
    found = Candidates()
    if "files" in options:
        for i, name in enumerate(options["files"]):
            rel = confined(name, f"checks.migrations.files[{i}]")
            (found.python if rel.endswith(".py") else found.sql).append(rel)
        return found
    directory = confined(options.get("directory", DEFAULT_DIRECTORY), "checks.migrations.directory")
    try:
        ctx.repo.path(directory, what="checks.migrations.directory")  # a symlink on the way out of the tree
    except OutsideRepository as exc:
        raise CheckFailed(f"{exc.message}; migrations are read only from the tree being gated", bad_input=True) from exc
    patterns = [confined(p, f"checks.migrations.include[{i}]")
                for i, p in enumerate(options.get("include", DEFAULT_INCLUDE))]
    prefix = f"{directory}/" if directory else ""
    sql: dict[str, str] = {}  # root-relative path -> path inside the directory
    python: set[str] = set()
    discover = options.get("python", True)
    excluded = 0
    for rel in ctx.repo.files():
        inside = rel[len(prefix):] if rel.startswith(prefix) else None
        wanted = inside is not None and glob.globmatch(inside, patterns, flags=INCLUDE_FLAGS)
        is_python = rel.endswith(".py") and not rel.endswith("/__init__.py")
        if discover and is_python and glob.globmatch(rel, PYTHON_PATTERNS, flags=INCLUDE_FLAGS):
            wanted = True
        if not wanted:
            continue
        if ctx.is_excluded(rel):
            excluded += 1
            continue
        if is_python:
            python.add(rel)
        elif inside is not None:
            sql[rel] = inside
    if excluded and not sql and not python:
        raise nothing_scanned(excluded, {RUN_EXCLUDE: excluded})
    if options.get("order", "natural") == "lexical":
        found.sql = sorted(sql, key=lambda rel: sql[rel])
    else:
        found.sql = sorted(sql, key=lambda rel: (natural_key(sql[rel]), sql[rel]))
    found.python = sorted(python, key=natural_key)
    return found


def confined(name: str, key: str) -> str:
    """``name`` as a clean root-relative path; one that is absolute or climbs out of the tree is bad
    input. Repository configuration is refused such paths when it loads (``x-gatecheck-path``);
    this holds trusted configuration to the same, since migrations are only ever read from the tree."""
    try:
        return normalize(name, what=key)
    except OutsideRepository as exc:
        raise CheckFailed(f"{exc.message}; migrations are read only from the tree being gated", bad_input=True) from exc


def refuse_unlisted(ctx: CheckContext, files: list[str]) -> None:
    """Bad input for a file named in ``files`` that the repository view does not list, with the reason."""
    listed = set(ctx.repo.files())
    refused = {item.path: item.reason for item in ctx.repo.skipped}
    for rel in files:
        if rel in listed:
            continue
        try:
            real = ctx.repo.relative(ctx.repo.path(rel))
        except OutsideRepository:
            real = None
        if real in listed:
            continue  # reached through a symlinked directory inside the tree; read where it lives
        if rel in refused:
            why = f"was not read: {refused[rel]}"
        elif real is None:
            why = "was not read: it resolves outside the repository (a symlink leaves the tree)"
        elif ctx.repo.is_dir(rel):
            why = "is a directory (name files here, or use `directory` and `include`)"
        elif ctx.repo.path(rel).exists():
            why = (f"was not read: it is not among the files gatecheck scans (git does not track it, and "
                   f"[run] untracked = {ctx.repo.untracked!r} leaves it out)")
        else:
            why = "does not exist"
        raise CheckFailed(f"{rel}: migration file listed in `files` {why}", bad_input=True)


def where_searched(options: dict[str, Any]) -> str:
    """The places searched, for the "no migration files found" message."""
    if options.get("files"):
        return ", ".join(options["files"])
    sql = f"{options.get('directory', DEFAULT_DIRECTORY)}/" + ", ".join(options.get("include", DEFAULT_INCLUDE))
    if options.get("python", True):
        return f"{sql}; Django **/migrations/*.py; Alembic **/versions/*.py"
    return sql
