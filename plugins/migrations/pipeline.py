"""One run of the check over a tree: read every migration, put them in order, lint, report.

SQL files apply in the order :mod:`.discovery` gives; Alembic revisions and Django migrations are
read first (their graphs decide their order) and then replayed in that order after the SQL files.
One :class:`.linter.Linter` sees them all, so each file is judged with the schema its predecessors
built, while session state starts fresh with every file. A file that cannot be parsed becomes an
``unparsable-migration`` finding and is left out of the state; the other files are still checked.
Findings are reported only for files inside the scan paths, but every file builds the state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from gatecheck.api import CheckContext, CheckFailed, Finding

from .alembic_reader import AlembicRevision, looks_like_alembic, read_revision
from .alembic_reader import generate as generate_revision
from .alembic_reader import order as order_revisions
from .discovery import Candidates
from .django_reader import DjangoMigration, DjangoProject, looks_like_django, read_migration
from .linter import Linter
from .report import Report
from .source import MigrationFile, Unparsable, decode, parse_migration
from .state import Settings


def lint_tree(ctx: CheckContext, found: Candidates, *, tick_every: int, default_version: int,
              default_limit: int, recent_days: int) -> tuple[dict[str, Any], list[Finding]]:
    """Lint every candidate file; returns the result's summary and findings (``recent_days``: see
    :func:`latest_migrations`)."""
    options = ctx.options
    settings = Settings(
        postgres_version=int(options.get("postgres_version", default_version)),
        implicit_transaction=bool(options.get("implicit_transaction", False)),
        require_schema=bool(options.get("require_schema", False)),
    )
    linter = Linter(settings)
    report = Report(set(options.get("disable", [])), dict(options.get("severity", {})), settings.postgres_version)
    fmt = options.get("format", "auto")
    limit = int(options.get("max_file_size", default_limit))
    sizes = {entry.path: entry.size for entry in ctx.repo.entries()}
    formats: dict[str, str] = {}
    skipped_python: list[str] = []
    statements = 0

    def read(rel: str) -> bytes:
        ctx.check_cancelled()
        if sizes.get(rel, 0) > limit:
            raise CheckFailed(f"{rel}: {sizes[rel]} bytes, more than the {limit} the migrations check reads; not "
                              "read (raise [checks.migrations] max_file_size if it is a real migration)", bad_input=True)
        # ctx.read_bytes enforces the limit again: the file may have grown since it was listed.
        return ctx.read_bytes(rel, limit=limit)

    def lint(migration: MigrationFile) -> None:
        nonlocal statements
        formats[migration.rel] = migration.format
        statements += len(migration.statements)
        ctx.progress(f"{migration.rel}: {len(migration.statements)} statements ({migration.format})")
        hits = linter.lint_file(migration, tick=ctx.check_cancelled, every=tick_every)
        if ctx.in_scope(migration.rel):
            report.add(migration, hits)

    def failed(error: Unparsable) -> None:
        formats[error.rel] = "unparsable"
        if ctx.in_scope(error.rel):
            report.unparsable_file(error)

    def statically(rel: str, generate: Callable[[], MigrationFile]) -> None:
        """Lint what a Python migration's reader generates. Its source is arbitrary Python: should the
        reader meet a shape it cannot handle, the migration is listed as not checked (never dropped
        silently) and the other migrations are still checked."""
        try:
            migration = generate()
        except Unparsable as error:
            failed(error)
            return
        except CheckFailed:
            raise  # bad input the author must fix (a malformed allow comment): exit 2, as for SQL files
        except Exception as exc:  # a reader's limit on one file must not end the run: it is listed instead
            report.not_checked.append({"path": rel, "line": 1, "reason": f"the migration could not be read "
                                       f"statically ({type(exc).__name__}: {exc}); not checked"})
            formats[rel] = "not-checked"
            return
        lint(migration)

    for rel in found.sql:
        try:
            migration = parse_migration(read(rel), rel, fmt)
        except Unparsable as error:
            failed(error)
            continue
        lint(migration)

    django = DjangoProject()
    revisions: list[AlembicRevision] = []
    for rel in found.python:
        try:
            text, _ = decode(read(rel), rel)
            if looks_like_django(text):
                migration_py: DjangoMigration | None = read_migration(text, rel)
                if migration_py is not None:
                    django.add(migration_py)
                    continue
            if looks_like_alembic(text):
                revision = read_revision(text, rel)
                if revision is not None:
                    revisions.append(revision)
                    continue
        except Unparsable as error:
            failed(error)
            continue
        skipped_python.append(rel)
    ordered_revisions = order_revisions(revisions)
    for revision in ordered_revisions:
        statically(revision.rel, partial(generate_revision, revision))
    ordered_django = django.order()
    for migration_py in ordered_django:
        statically(migration_py.rel, partial(django.generate, migration_py))

    summary = {
        "files": len(formats),
        "statements": statements,
        "formats": formats,
        **report.summary(),
        "python_files_not_migrations": skipped_python,
        "squashed_or_replaced": django.skipped,
    }
    latest, older = latest_migrations(found.sql, ordered_revisions, ordered_django, list(django.migrations.values()),
                                      recent_days=recent_days)
    summary["latest"] = sorted(latest)
    summary["older_leaves"] = older
    return summary, report.findings


#: The first line ``manage.py makemigrations`` writes into every migration it generates.
GENERATED = re.compile(r"^# Generated by Django [\w.]+ on (\d{4}-\d{2}-\d{2})", re.MULTILINE)


def generated_on(migration: DjangoMigration) -> date | None:
    """The day ``makemigrations`` wrote the migration, from the header it puts at the top; None for a
    migration written by hand (or whose header was removed)."""
    found = GENERATED.search(migration.source, 0, 400)
    if found is None:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None


def latest_migrations(sql: list[str], revisions: list[AlembicRevision], django: list[DjangoMigration],
                      every_django: list[DjangoMigration], *, recent_days: int) -> tuple[set[str], list[dict[str, str]]]:
    """The migrations nothing applies after: the last SQL file of each directory (in apply order), the
    Alembic heads and the Django leaves. Without a base to compare with, these are the ones a change
    can be adding; every earlier one is history that already ran wherever the project is deployed.

    ``every_django`` includes squashed migrations left out of the order: a migration that depends on
    a squashed one depends on everything it replaces (pretix's 0057 is no leaf because 0058 depends
    on ``0051_squashed_0057``), and ``run_before`` makes a migration a dependency too.

    A project with many apps has a leaf in each, most of them years old (pretix: 13 leaves from 2020 to
    2026). A change adds the newest migrations, so a leaf that ``makemigrations`` generated more than
    ``recent_days`` before the newest generated migration of the tree is history too; those are
    returned second, with their dates. A leaf without the header (written by hand) stays new, and a
    date after today does not count as the newest, so neither can push other leaves out.
    ``recent_days`` 0 keeps every leaf new."""
    latest: dict[str, str] = {}
    for rel in sql:
        latest[rel.rpartition("/")[0]] = rel  # in apply order: the last one of a directory wins
    below = {d for r in revisions for d in (*r.down, *r.depends_on)}
    heads = {r.rel for r in revisions if r.revision not in below}
    depended = {dep for m in every_django for dep in m.dependencies}
    depended |= {(m.app, m.name) for m in every_django if m.run_before}
    for m in every_django:
        if (m.app, m.name) in depended:
            depended.update(m.replaces)
    leaves = [m for m in django if (m.app, m.name) not in depended]
    older: list[dict[str, str]] = []
    if recent_days > 0:
        today = datetime.now(UTC).date()
        dates = {m.rel: generated_on(m) for m in every_django}
        known = [d for d in dates.values() if d is not None and d <= today]
        if known:
            cutoff = max(known) - timedelta(days=recent_days)
            for m in leaves:
                day = dates.get(m.rel)
                if day is not None and day < cutoff:
                    older.append({"path": m.rel, "generated": day.isoformat()})
    old = {entry["path"] for entry in older}
    new = {m.rel for m in leaves if m.rel not in old}
    return set(latest.values()) | heads | new, sorted(older, key=lambda entry: entry["path"])
