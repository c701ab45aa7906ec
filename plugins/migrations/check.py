"""The ``migrations`` check: its options, one run over the tree (:mod:`.pipeline`), and the rules'
documentation for reports.

The SQL is parsed with PostgreSQL's own grammar through pglast (GPL-3.0, so an optional extra:
the ``migrations`` extra). Without pglast the check reports ``skipped`` with the install hint; it never
passes silently.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatecheck.api import (
    SEVERITIES,
    CheckBase,
    CheckContext,
    CheckFailed,
    CheckResult,
    Finding,
    GitBase,
    KeyFact,
    RuleDoc,
    Tool,
    gc_paused,
    rules_artifact,
)

from .discovery import Candidates, candidates, refuse_unlisted, where_searched
from .rules import RULES

__version__ = "1.3.0"

#: The check's name: its table in the configuration (``[checks.migrations]``) and its findings' ``check``.
CHECK = "migrations"

INSTALL_HINT = "install gatecheck's migrations extra (pip install '.[migrations]' in a checkout of gatecheck)"
DEFAULT_POSTGRES_VERSION = 14
#: Without a base, a Django leaf generated this many days before the tree's newest migration is history.
DEFAULT_RECENT_DAYS = 90
#: Largest migration file read unless ``max_file_size`` says otherwise: far above real migrations
#: (bench/migrations.py's 100,000 statements are a few megabytes), and the parse tree of a file
#: takes many times its size in memory.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024
#: Statements between two cancellation checks while linting a large file.
CANCEL_EVERY = 2000


def _pglast_version() -> str | None:
    try:
        return importlib.metadata.version("pglast")
    except importlib.metadata.PackageNotFoundError:
        return None


@dataclass
class Prepared:
    """What one run of the check works from (:meth:`MigrationsCheck.prepare`)."""

    found: Candidates
    #: The merge base of ``baseline_ref`` with HEAD, when the option is set.
    base: GitBase | None
    head: str


class MigrationsCheck(CheckBase):
    """Lints PostgreSQL migrations (SQL, and Django and Alembic migrations read statically) with the
    real PostgreSQL grammar."""

    name = CHECK
    #: The check's version plus the parser's (part of the cache key): another grammar may give other
    #: results, and a result cached as "skipped, pglast missing" must not outlive installing it.
    version = f"{__version__}+pglast{_pglast_version() or '-missing'}"
    description = "PostgreSQL migrations: locks, table rewrites and breaking changes (needs the migrations extra: pglast)."
    options_schema: Mapping[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            # The path options are annotated so that repository configuration cannot point them outside
            # the tree (gatecheck.config.check_trust); the check confines them again when it reads.
            "directory": {
                "type": "string", "minLength": 1, "x-gatecheck-path": "tree",
                "description": "Directory (relative to the project root, inside it) holding the SQL migration files. "
                               "Default: migrations.",
            },
            "include": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "x-gatecheck-path": "tree",
                "description": "Globs relative to `directory`, inside it (`**` recurses). Default: [\"*.sql\"].",
            },
            "files": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "x-gatecheck-path": "tree",
                "description": "Explicit migration files (relative to the project root, inside it) in the order they "
                               "apply; replaces directory/include/order and the discovery of Python migrations.",
            },
            "python": {
                "type": "boolean",
                "description": "Also read Django migrations (**/migrations/*.py) and Alembic revisions "
                               "(**/versions/*.py) anywhere in the tree, statically. Default: true.",
            },
            "max_file_size": {
                "type": "integer", "minimum": 1,
                "description": f"Largest migration file read, in bytes (default {DEFAULT_MAX_FILE_SIZE}); a larger "
                               "file is bad input, never skipped.",
            },
            "order": {
                "enum": ["natural", "lexical"],
                "description": "How SQL files apply: natural (numbers compare as numbers, V2 before V10; the "
                               "default) or lexical (plain string order). Python migrations follow their graph.",
            },
            "format": {
                "enum": ["auto", "sql", "alembic", "django"],
                "description": "Shape of the SQL files: plain SQL, `alembic upgrade --sql` output or `sqlmigrate` "
                               "output. Default: auto (detected per file from the tools' comments).",
            },
            "postgres_version": {
                "type": "integer", "minimum": 9, "maximum": 99,
                "description": "Major version of the target PostgreSQL; rules whose facts changed between versions "
                               f"follow it. Default: {DEFAULT_POSTGRES_VERSION}, the oldest supported major.",
            },
            "implicit_transaction": {
                "type": "boolean",
                "description": "The migration tool wraps each SQL file in a transaction (Flyway, Sqitch): treat "
                               "every SQL file as one transaction block.",
            },
            "require_schema": {
                "type": "boolean",
                "description": "Every table name must be schema-qualified (unqualified-table). Default: false.",
            },
            "disable": {
                "type": "array", "uniqueItems": True, "items": {"enum": sorted(RULES)},
                "description": "Rule ids to turn off.",
            },
            "severity": {
                "type": "object", "propertyNames": {"enum": sorted(RULES)},
                "additionalProperties": {"enum": list(SEVERITIES)},
                "description": "Severity per rule id, replacing the rule's default.",
            },
            "required": {
                "type": "boolean",
                "description": "Error, rather than skip, when no migration file is found.",
            },
            "baseline_ref": {
                "type": "string", "minLength": 1,
                # A pull request's base (--trusted-ref) says exactly which migrations the change adds.
                "x-gatecheck-trusted-ref-baseline": True,
                "description": "Git ref (origin/main): only migration files added or changed since its merge base "
                               "are new; the others are earlier migrations, reported, not denied (set by "
                               "gatecheck run --baseline-ref, else by --trusted-ref). Without one the latest "
                               "migration of each directory, Alembic head and Django leaf counts as new.",
            },
            "recent_days": {
                "type": "integer", "minimum": 0,
                "description": "Without a baseline: a Django leaf that makemigrations generated more than this "
                               f"many days before the newest migration of the tree is history, not new. "
                               f"0 counts every leaf as new. Default: {DEFAULT_RECENT_DAYS}.",
            },
        },
    }

    def prepare(self, ctx: CheckContext) -> Prepared:
        """The migration files and, with ``baseline_ref``, its merge base and HEAD, resolved once."""
        ref = ctx.options.get("baseline_ref")
        base = ctx.git_base(str(ref)) if ref else None
        head = ctx.git(["rev-parse", "--verify", "--quiet", "HEAD"]).stdout.decode().strip() if base else ""
        return Prepared(candidates(ctx), base, head)

    def inputs(self, ctx: CheckContext) -> list[Path | KeyFact]:
        """The migration files the repository view lists, in the order they are found, and the merge
        base of ``baseline_ref`` with HEAD, which decide which migrations are new (the cache key)."""
        prepared = self.prepared(ctx, Prepared)
        listed = set(ctx.repo.files())
        files: list[Path | KeyFact] = [ctx.repo.root / rel for rel in prepared.found.all if rel in listed]
        if prepared.base is not None:
            files.append(KeyFact("base_commit", f"{prepared.base.commit}:{prepared.head}"))
        return files

    def run(self, ctx: CheckContext) -> CheckResult:
        options = ctx.options
        prepared = self.prepared(ctx, Prepared)
        found = prepared.found
        files = found.all
        tool = Tool("pglast", _pglast_version() or "not installed")
        if not files:
            message = f"no migration files found ({where_searched(options)})"
            if options.get("required", False):
                raise CheckFailed(message)
            return CheckResult(tool=tool, status="skipped", error=message, summary={"files": 0})
        if "files" in options:
            refuse_unlisted(ctx, files)
        try:
            import pglast  # noqa: F401  (GPL-3.0: an optional extra)
        except ImportError:
            return CheckResult(
                tool=tool, status="skipped",
                error=f"the PostgreSQL parser pglast is not installed, so {len(files)} migration file(s) were not "
                      f"checked: {INSTALL_HINT}",
                summary={"files": len(files), "install": INSTALL_HINT},
            )
        from .pipeline import lint_tree
        recent_days = int(options.get("recent_days", DEFAULT_RECENT_DAYS))
        with gc_paused():
            summary, findings = lint_tree(ctx, found, tick_every=CANCEL_EVERY,
                                          default_version=DEFAULT_POSTGRES_VERSION,
                                          default_limit=DEFAULT_MAX_FILE_SIZE,
                                          recent_days=recent_days)
        mark_earlier(ctx, summary, findings, prepared.base, recent_days)
        by_rule = summary["by_rule"]
        return CheckResult(
            tool=tool,
            findings=findings,
            summary=summary,
            artifacts=[rules_artifact({rule_id: _rule_doc(rule_id) for rule_id in by_rule if rule_id in RULES})],
        )


def mark_earlier(ctx: CheckContext, summary: dict[str, Any], findings: list[Finding], base: GitBase | None,
                 recent_days: int) -> None:
    """Mark the findings of earlier migrations (``metadata.earlier_migration``): the default policy
    reports them without denying, because they already ran wherever the project is deployed.

    New are the files changed since the merge base of ``baseline_ref`` when it is set; otherwise the
    latest migration of each SQL directory, the Alembic heads and the Django leaves (summary.latest)
    save those generated long before the newest (summary.older_leaves, see ``latest_migrations``).
    """
    latest: list[str] = summary.pop("latest")
    older: list[dict[str, str]] = summary.pop("older_leaves")
    if base is not None:
        changed = ctx.changed_since(base.commit)
        in_base = ctx.git_tree(base.commit)
        # Changed since the base, or not in it at all (a migration not committed yet is new too).
        new = {rel for rel in summary["formats"] if rel in changed or not in_base.is_file(rel)}
        summary["new_migrations"] = {"basis": "baseline_ref", **base.summary(), "files": sorted(new)}
    else:
        new = set(latest)
        summary["new_migrations"] = {"basis": "latest", "files": sorted(new),
                                     "recent_days": recent_days,
                                     "older_leaves": older}
    earlier = 0
    for finding in findings:
        if finding.location is not None and finding.location.path not in new:
            finding.metadata["earlier_migration"] = True
            earlier += 1
    summary["new_migrations"]["earlier_findings"] = earlier


def _rule_doc(rule_id: str) -> RuleDoc:
    """A rule of the catalogue (:mod:`.rules`) as reports describe it: what, the lock, why, the safe way."""
    rule = RULES[rule_id]
    lock = f" Lock taken: {rule.lock}." if rule.lock != "none" else ""
    return {
        "summary": f"{rule.title}.",
        "description": f"{rule.title}.{lock} {rule.why}",
        "fix": f"{rule.safe} To accept it where it is safe (a small or new table), say why with "
               f"`-- gatecheck:allow {rule.id} <reason>` on or above the statement.",
        "references": list(rule.references),
        "tags": ["migration", "postgresql"],
    }

