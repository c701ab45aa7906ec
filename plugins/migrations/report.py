"""Turning the linter's hits into findings, and everything the result's summary says about a run.

Findings point at the file and line of the statement (for a Python migration, the operation
that produces it); their ids are built from the rule, the file and the statement's
whitespace-normalized text plus an occurrence counter, never the line, so adding a migration
above does not churn them. An allow comment that covers a hit turns it into an entry of
``summary.allowed``; one that covers nothing is listed in ``summary.unused_allows``. A file that
cannot be parsed is one ``unparsable-migration`` finding naming the file and line.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from gatecheck.api import Finding, Location, Severity, finding_id

from .check import CHECK
from .rules import RULES
from .source import MigrationFile, Unparsable
from .state import Hit

STATEMENT_PREVIEW = 500


class Report:
    """Findings and summary entries of one run of the check."""

    def __init__(self, disabled: set[str], severities: dict[str, str], postgres_version: int) -> None:
        self.disabled = disabled
        self.severities = severities
        self.postgres_version = postgres_version
        self.findings: list[Finding] = []
        self.allowed: list[dict[str, Any]] = []
        self.unused: list[dict[str, Any]] = []
        self.not_checked: list[dict[str, Any]] = []
        self.unparsable: list[dict[str, Any]] = []
        self.suppressed_by_config = 0
        #: Per rule: the parts of a finding that do not depend on the statement (built once).
        self._rule_parts: dict[str, tuple[Severity, list[str], dict[str, Any]]] = {}

    def unparsable_file(self, error: Unparsable) -> None:
        """A file no grammar accepts: one finding naming file and line; the other files go on."""
        self.unparsable.append({"path": error.rel, "line": error.line, "reason": error.reason})
        rule = RULES["unparsable-migration"]
        if rule.id in self.disabled:
            self.suppressed_by_config += 1
            return
        self.findings.append(Finding(
            id=finding_id(CHECK, rule.id, path=error.rel, key="unparsable"),
            check=CHECK,
            rule_id=rule.id,
            title=f"{error.rel}:{error.line}: {error.reason}",
            severity=cast(Severity, self.severities.get(rule.id, rule.severity)),
            confidence="high",
            location=Location(error.rel, error.line, error.line),
            references=list(rule.references),
            metadata={"rule": rule.title, "kind": rule.kind, "why": rule.why, "safe_pattern": rule.safe,
                      "lock": rule.lock, "postgres_version": self.postgres_version},
        ))

    def add(self, migration: MigrationFile, hits: list[Hit]) -> None:
        """The findings of one file's hits (after ``disable`` and allow comments)."""
        rel = migration.rel
        for line, reason in migration.unresolved:
            self.not_checked.append({"path": rel, "line": line, "reason": reason})
        fired: set[tuple[int, str]] = set()
        occurrences: Counter[tuple[str, str]] = Counter()
        # One finding per rule, line and message: a Django operation (one line) can generate several
        # statements that a rule describes in the same words (two ALTERs while the same lock is held);
        # the reader would see the same row twice. The finding counts them in metadata.statements.
        same: dict[tuple[str, int, str], Finding] = {}
        for hit in hits:
            stmt = hit.stmt
            fired.add((id(stmt), hit.rule))
            if hit.rule in self.disabled:
                self.suppressed_by_config += 1
                continue
            if hit.rule in stmt.allows:
                self.allowed.append({"rule_id": hit.rule, "path": rel, "line": stmt.line, "reason": stmt.allows[hit.rule]})
                continue
            earlier = same.get((hit.rule, stmt.line, hit.message))
            if earlier is not None:
                earlier.metadata["statements"] = int(earlier.metadata.get("statements", 1)) + 1
                continue
            text = stmt.text
            occurrence = occurrences[(hit.rule, text)]
            occurrences[(hit.rule, text)] += 1
            severity, references, base = self._parts(hit.rule)
            unit = migration.units[stmt.unit] if migration.format == "alembic" and stmt.unit else migration.migration
            metadata = {**base, "lock": hit.lock,
                        "statement": text if len(text) <= STATEMENT_PREVIEW else text[:STATEMENT_PREVIEW - 3] + "...",
                        "format": migration.format}
            if hit.table:
                metadata["table"] = hit.table
            if unit:
                metadata["migration"] = unit
            finding = Finding(
                id=finding_id(CHECK, hit.rule, path=rel, key=f"{text}\0{occurrence}"),
                check=CHECK,
                rule_id=hit.rule,
                title=hit.message,
                severity=severity,
                confidence=cast(Any, hit.confidence),
                location=Location(rel, stmt.line, stmt.end_line),
                references=list(references),
                metadata=metadata,
            )
            same[(hit.rule, stmt.line, hit.message)] = finding
            self.findings.append(finding)
        for stmt in migration.statements:
            for rule_id, reason in stmt.allows.items():
                if (id(stmt), rule_id) not in fired:
                    self.unused.append({"rule_id": rule_id, "path": rel, "line": stmt.allow_lines[rule_id],
                                        "reason": reason})

    def _parts(self, rule_id: str) -> tuple[Severity, list[str], dict[str, Any]]:
        parts = self._rule_parts.get(rule_id)
        if parts is None:
            rule = RULES[rule_id]
            base = {"rule": rule.title, "kind": rule.kind, "why": rule.why, "safe_pattern": rule.safe,
                    "postgres_version": self.postgres_version}
            parts = self._rule_parts[rule_id] = (cast(Severity, self.severities.get(rule_id, rule.severity)),
                                                 list(rule.references), base)
        return parts

    def summary(self) -> dict[str, Any]:
        by_rule = Counter(f.rule_id for f in self.findings)
        advice = sum(1 for f in self.findings if f.metadata.get("kind") == "advice")
        return {
            "postgres_version": self.postgres_version,
            "findings": len(self.findings),
            "hazards": len(self.findings) - advice,
            "advice": advice,
            "by_rule": dict(sorted(by_rule.items())),
            "allowed": self.allowed,
            "unused_allows": self.unused,
            "unparsable": self.unparsable,
            "not_checked": self.not_checked,
            "disabled_rules": sorted(self.disabled),
            "suppressed_by_config": self.suppressed_by_config,
        }
