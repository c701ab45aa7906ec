"""Check ``migrations``: PostgreSQL migrations linted for locks, table rewrites and breaking changes.

The SQL is parsed with PostgreSQL's own grammar through pglast (GPL-3.0, so an optional extra:
``pip install 'gatecheck[migrations]'``). Without pglast the check reports ``skipped`` with that
install hint; it never passes silently.

Inputs are the ``.sql`` files under a configurable directory, in natural (version-aware) or
lexical order or an explicit list: hand-written migrations, ``alembic upgrade A:B --sql`` output
and ``manage.py sqlmigrate`` output (see :mod:`.source`). They are files of the tree under
judgement, so they are found in the repository view's listing and read through it
(``ctx.read_bytes``, at most ``max_file_size`` bytes): a symlink out of the tree, a FIFO or a
device is never opened, and ``directory``/``files`` from repository configuration cannot name a
path outside the tree. The rules and their PostgreSQL facts are
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

from wcmatch import glob

from gatecheck import hookimpl
from gatecheck.checks import RUN_EXCLUDE, Check, CheckContext, nothing_scanned
from gatecheck.errors import CheckFailed
from gatecheck.model import SEVERITIES, CheckResult, Finding, Location, Severity, Tool, finding_id
from gatecheck.reports.sarif import RuleDoc, rules_artifact
from gatecheck.repository import OutsideRepository, normalize

from .rules import RULES

__version__ = "1.2.1"

INSTALL_HINT = "pip install 'gatecheck[migrations]'"
DEFAULT_DIRECTORY = "migrations"
DEFAULT_INCLUDE = ["*.sql"]
DEFAULT_POSTGRES_VERSION = 14
#: Largest migration file read unless ``max_file_size`` says otherwise: far above real migrations
#: (bench/migrations.py's 100,000 statements are a few megabytes), and the parse tree of a file
#: takes many times its size in memory.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024
#: ``include`` globs: ``**`` crosses directories, ``*`` does not, and dot-files match like any other.
INCLUDE_FLAGS = glob.GLOBSTAR | glob.DOTGLOB
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
            # The path options are annotated so that repository configuration cannot point them outside
            # the tree (gatecheck.config.check_trust); the check confines them again when it reads.
            "directory": {
                "type": "string", "minLength": 1, "x-gatecheck-path": "tree",
                "description": "Directory (relative to the project root, inside it) holding the migration files. "
                               "Default: migrations.",
            },
            "include": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "x-gatecheck-path": "tree",
                "description": "Globs relative to `directory`, inside it (`**` recurses). Default: [\"*.sql\"].",
            },
            "files": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "x-gatecheck-path": "tree",
                "description": "Explicit migration files (relative to the project root, inside it) in the order they "
                               "apply; replaces directory/include/order.",
            },
            "max_file_size": {
                "type": "integer", "minimum": 1,
                "description": f"Largest migration file read, in bytes (default {DEFAULT_MAX_FILE_SIZE}); a larger "
                               "file is bad input, never skipped.",
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
        """The migration files the repository view lists, in the order they apply (the cache key)."""
        listed = set(ctx.repo.files())
        return [ctx.repo.root / rel for rel in self._candidates(ctx) if rel in listed]

    def _candidates(self, ctx: CheckContext) -> list[str]:
        """Root-relative migration files in the order they apply: the ``files`` option as given (a
        name there may be missing or unsafe; :func:`_refuse_unlisted` says so), else the files the
        repository view lists under ``directory`` that match ``include``, minus the exclude globs.

        The scan paths do not narrow this: a migration outside them still builds the state later
        ones are judged against (see ``_lint``)."""
        options = ctx.options
        if "files" in options:
            return [_confined(name, f"checks.migrations.files[{i}]") for i, name in enumerate(options["files"])]
        directory = _confined(options.get("directory", DEFAULT_DIRECTORY), "checks.migrations.directory")
        try:
            ctx.repo.path(directory, what="checks.migrations.directory")  # a symlink on the way out of the tree
        except OutsideRepository as exc:
            raise CheckFailed(f"{exc.message}; migrations are read only from the tree being gated", bad_input=True) from exc
        patterns = [_confined(p, f"checks.migrations.include[{i}]")
                    for i, p in enumerate(options.get("include", DEFAULT_INCLUDE))]
        prefix = f"{directory}/" if directory else ""
        found: dict[str, str] = {}  # root-relative path -> path inside the directory
        excluded = 0
        for rel in ctx.repo.files():
            if rel.startswith(prefix):
                inside = rel[len(prefix):]
                if glob.globmatch(inside, patterns, flags=INCLUDE_FLAGS):
                    if ctx.is_excluded(rel):
                        excluded += 1
                        continue
                    found[rel] = inside
        if excluded and not found:
            raise nothing_scanned(excluded, {RUN_EXCLUDE: excluded})
        if options.get("order", "natural") == "lexical":
            return sorted(found, key=lambda rel: found[rel])
        return sorted(found, key=lambda rel: (natural_key(found[rel]), found[rel]))

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
        _refuse_unlisted(ctx, files)
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

    def _lint(self, ctx: CheckContext, files: list[str], tool: Tool) -> CheckResult:
        from .linter import Linter, Settings
        from .source import parse_migration

        options = ctx.options
        settings = Settings(
            postgres_version=int(options.get("postgres_version", DEFAULT_POSTGRES_VERSION)),
            implicit_transaction=bool(options.get("implicit_transaction", False)),
        )
        linter = Linter(settings)
        disabled = set(options.get("disable", []))
        severities: dict[str, str] = dict(options.get("severity", {}))
        fmt = options.get("format", "auto")
        limit = int(options.get("max_file_size", DEFAULT_MAX_FILE_SIZE))
        sizes = {entry.path: entry.size for entry in ctx.repo.entries()}
        findings: list[Finding] = []
        allowed: list[dict[str, Any]] = []
        unused: list[dict[str, Any]] = []
        formats: dict[str, str] = {}
        statements = 0
        suppressed_by_config = 0
        for rel in files:
            ctx.check_cancelled()
            if sizes.get(rel, 0) > limit:
                raise CheckFailed(f"{rel}: {sizes[rel]} bytes, more than the {limit} the migrations check reads; not "
                                  "read (raise [checks.migrations] max_file_size if it is a real migration)", bad_input=True)
            # ctx.read_bytes enforces the limit again: the file may have grown since it was listed.
            migration = parse_migration(ctx.read_bytes(rel, limit=limit), rel, fmt)
            formats[rel] = migration.format
            statements += len(migration.statements)
            ctx.progress(f"{rel}: {len(migration.statements)} statements ({migration.format})")
            hits = linter.lint_file(migration, tick=ctx.check_cancelled, every=CANCEL_EVERY)
            if not ctx.in_scope(rel):
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
            artifacts=[rules_artifact({rule_id: _rule_doc(rule_id) for rule_id in by_rule if rule_id in RULES})],
        )


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


def _confined(name: str, key: str) -> str:
    """``name`` as a clean root-relative path; one that is absolute or climbs out of the tree is bad
    input. Repository configuration is refused such paths when it loads (``x-gatecheck-path``);
    this holds trusted configuration to the same, since migrations are only ever read from the tree."""
    try:
        return normalize(name, what=key)
    except OutsideRepository as exc:
        raise CheckFailed(f"{exc.message}; migrations are read only from the tree being gated", bad_input=True) from exc


def _refuse_unlisted(ctx: CheckContext, files: list[str]) -> None:
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


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [MigrationsCheck()]
