"""Check ``migrations``: PostgreSQL migrations linted for locks, table rewrites and breaking changes.

The SQL is parsed with PostgreSQL's own grammar through pglast (GPL-3.0, so an optional extra:
``pip install 'gatecheck[migrations]'``). Without pglast the check reports ``skipped`` with that
install hint; it never passes silently.

Inputs are the ``.sql`` files under a configurable directory, in natural (version-aware) or
lexical order or an explicit list: hand-written migrations, ``alembic upgrade A:B --sql`` output
and ``manage.py sqlmigrate`` output (see :mod:`.source`). The rules and their PostgreSQL facts are
in :mod:`.rules`; the state kept across statements and files is in :mod:`.linter`.

Findings point at the file and line of the statement; their ids are built from the rule, the file
and the statement's whitespace-normalized text plus an occurrence counter, never the line, so
adding a migration above does not churn them. A ``-- gatecheck:allow RULE-ID REASON`` comment on
or before a statement accepts that rule for that statement, and the acceptance is listed in the
summary with its reason.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from gatecheck import hookimpl
from gatecheck.checks import Check, CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import SEVERITIES, CheckResult, Finding, Location, Severity, Tool, finding_id
from gatecheck.repository import UNTRACKED_SKIPPED_DIRS

from .rules import RULES

__version__ = "1.0.0"

INSTALL_HINT = "pip install 'gatecheck[migrations]'"
DEFAULT_DIRECTORY = "migrations"
DEFAULT_INCLUDE = ["*.sql"]
DEFAULT_POSTGRES_VERSION = 14
#: Statements between two cancellation checks while linting a large file.
CANCEL_EVERY = 2000
_DIGITS = re.compile(r"(\d+)")


def _pglast_version() -> str | None:
    try:
        return importlib.metadata.version("pglast")
    except importlib.metadata.PackageNotFoundError:
        return None


def natural_key(rel: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Sort key that orders ``V2__x.sql`` before ``V10__y.sql`` and ``0002`` after ``0001``."""
    return tuple(
        tuple((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in _DIGITS.split(part) if chunk)
        for part in rel.split("/")
    )


class MigrationsCheck:
    """Lints PostgreSQL migrations with the real PostgreSQL grammar."""

    name = "migrations"
    #: The check's version plus the parser's (part of the cache key): another grammar may give other
    #: results, and a result cached as "skipped, pglast missing" must not outlive installing it.
    version = f"{__version__}+pglast{_pglast_version() or '-missing'}"
    description = "PostgreSQL migrations: locks, table rewrites and breaking changes (needs gatecheck[migrations])."
    options_schema: Mapping[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "directory": {
                "type": "string", "minLength": 1,
                "description": "Directory (relative to the project root) holding the migration files. Default: migrations.",
            },
            "include": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                "description": "Globs relative to `directory` (`**` recurses). Default: [\"*.sql\"].",
            },
            "files": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                "description": "Explicit migration files (relative to the project root) in the order they apply; "
                               "replaces directory/include/order.",
            },
            "order": {
                "enum": ["natural", "lexical"],
                "description": "How files apply: natural (numbers compare as numbers, V2 before V10; the default) "
                               "or lexical (plain string order).",
            },
            "format": {
                "enum": ["auto", "sql", "alembic", "django"],
                "description": "Input shape: plain SQL, `alembic upgrade --sql` output or `sqlmigrate` output. "
                               "Default: auto (detected per file from the tools' comments).",
            },
            "postgres_version": {
                "type": "integer", "minimum": 9, "maximum": 99,
                "description": "Major version of the target PostgreSQL; rules that are safe from a version on "
                               "(constant defaults since 11, ...) follow it. Default: 14.",
            },
            "implicit_transaction": {
                "type": "boolean",
                "description": "The migration tool wraps each file in a transaction (Flyway, Sqitch): treat every "
                               "file as one transaction block.",
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
        },
    }


    def inputs(self, ctx: CheckContext) -> list[Path]:
        """The migration files that exist, in the order they apply (the cache key)."""
        return [path for path in self._candidates(ctx) if path.is_file()]

    def _candidates(self, ctx: CheckContext) -> list[Path]:
        """The migration files in the order they apply, including listed files that are missing."""
        options = ctx.options
        if "files" in options:
            return [ctx.root / name for name in options["files"]]
        directory = ctx.root / options.get("directory", DEFAULT_DIRECTORY)
        if not directory.is_dir():
            return []
        found: dict[Path, str] = {}
        for pattern in options.get("include", DEFAULT_INCLUDE):
            for path in directory.glob(pattern):
                if not path.is_file():
                    continue
                rel = ctx.relpath(path)
                inside = path.relative_to(directory).parts[:-1]
                if ctx.is_excluded(rel) or any(part in UNTRACKED_SKIPPED_DIRS for part in inside):
                    continue
                found[path] = path.relative_to(directory).as_posix()
        if options.get("order", "natural") == "lexical":
            return sorted(found, key=lambda p: found[p])
        return sorted(found, key=lambda p: (natural_key(found[p]), found[p]))

    def run(self, ctx: CheckContext) -> CheckResult:
        options = ctx.options
        files = self._candidates(ctx)
        tool = Tool("pglast", _pglast_version() or "not installed")
        if not files:
            where = options.get("files") or f"{options.get('directory', DEFAULT_DIRECTORY)}/" + ", ".join(
                options.get("include", DEFAULT_INCLUDE))
            message = f"no migration files found ({where})"
            if options.get("required", False):
                raise CheckFailed(message)
            return CheckResult(tool=tool, status="skipped", error=message, summary={"files": 0})
        for path in files:
            if not path.is_file():
                raise CheckFailed(f"{ctx.relpath(path)}: migration file listed in `files` does not exist", bad_input=True)
        try:
            import pglast  # noqa: F401  (GPL-3.0: an optional extra)
        except ImportError:
            return CheckResult(
                tool=tool, status="skipped",
                error=f"the PostgreSQL parser pglast is not installed, so {len(files)} migration file(s) were not "
                      f"checked: {INSTALL_HINT}",
                summary={"files": len(files), "install": INSTALL_HINT},
            )
        from .source import gc_paused

        with gc_paused():
            return self._lint(ctx, files, tool)

    def _lint(self, ctx: CheckContext, files: list[Path], tool: Tool) -> CheckResult:
        from .linter import Linter, Settings
        from .source import parse_file

        options = ctx.options
        settings = Settings(
            postgres_version=int(options.get("postgres_version", DEFAULT_POSTGRES_VERSION)),
            implicit_transaction=bool(options.get("implicit_transaction", False)),
        )
        linter = Linter(settings)
        disabled = set(options.get("disable", []))
        severities: dict[str, str] = dict(options.get("severity", {}))
        fmt = options.get("format", "auto")
        scope = [p if p.is_absolute() else ctx.root / p for p in ctx.paths]
        findings: list[Finding] = []
        allowed: list[dict[str, Any]] = []
        unused: list[dict[str, Any]] = []
        formats: dict[str, str] = {}
        statements = 0
        suppressed_by_config = 0
        for path in files:
            ctx.check_cancelled()
            rel = ctx.relpath(path)
            migration = parse_file(path, rel, fmt)
            formats[rel] = migration.format
            statements += len(migration.statements)
            ctx.progress(f"{rel}: {len(migration.statements)} statements ({migration.format})")
            hits = linter.lint_file(migration, tick=ctx.check_cancelled, every=CANCEL_EVERY)
            if scope and not any(path.resolve().is_relative_to(s.resolve()) for s in scope):
                continue  # linted for the state it builds up, but outside the paths asked about
            fired: set[tuple[int, str]] = set()
            occurrences: Counter[tuple[str, str]] = Counter()
            for hit in hits:
                stmt = hit.stmt
                fired.add((id(stmt), hit.rule))
                if hit.rule in disabled:
                    suppressed_by_config += 1
                    continue
                if hit.rule in stmt.allows:
                    allowed.append({"rule_id": hit.rule, "path": rel, "line": stmt.line, "reason": stmt.allows[hit.rule]})
                    continue
                occurrence = occurrences[(hit.rule, stmt.text)]
                occurrences[(hit.rule, stmt.text)] += 1
                rule = RULES[hit.rule]
                unit = migration.units[stmt.unit] if migration.format == "alembic" and stmt.unit else None
                findings.append(Finding(
                    id=finding_id(self.name, hit.rule, path=rel, key=f"{stmt.text}\0{occurrence}"),
                    check=self.name,
                    rule_id=hit.rule,
                    title=hit.message,
                    severity=cast(Severity, severities.get(hit.rule, rule.severity)),
                    confidence=cast(Any, hit.confidence),
                    location=Location(rel, stmt.line, stmt.end_line),
                    references=list(rule.references),
                    metadata={
                        "rule": rule.title,
                        "lock": hit.lock,
                        "why": rule.why,
                        "safe_pattern": rule.safe,
                        "statement": stmt.text if len(stmt.text) <= 500 else stmt.text[:497] + "...",
                        **({"table": hit.table} if hit.table else {}),
                        **({"migration": unit} if unit else {}),
                        "format": migration.format,
                        "postgres_version": settings.postgres_version,
                    },
                ))
            for stmt in migration.statements:
                for rule_id, reason in stmt.allows.items():
                    if (id(stmt), rule_id) not in fired:
                        unused.append({"rule_id": rule_id, "path": rel, "line": stmt.allow_lines[rule_id],
                                       "reason": reason})
        by_rule = Counter(f.rule_id for f in findings)
        return CheckResult(
            tool=tool,
            findings=findings,
            summary={
                "files": len(files),
                "statements": statements,
                "formats": formats,
                "postgres_version": settings.postgres_version,
                "findings": len(findings),
                "by_rule": dict(sorted(by_rule.items())),
                "allowed": allowed,
                "unused_allows": unused,
                "disabled_rules": sorted(disabled),
                "suppressed_by_config": suppressed_by_config,
            },
        )


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [MigrationsCheck()]
