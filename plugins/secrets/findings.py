"""Turning the matcher's matches into findings and suppressions: redacted, hashed, de-duplicated, stable ids.

One secret found several times in one file is one finding; ``metadata.lines`` lists every line.

A finding never carries a secret value: only a redacted preview and a keyed hash
(:mod:`gatecheck_plugins.secrets.redaction`), and its id is derived from that hash, so it is
stable across runs and machines without the raw value. Every matched value, suppressed ones
included, is handed to ``register`` (``ctx.sensitive``) so the gate masks it in every output.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gatecheck.api import Finding, Location, Suppression, finding_id
from gatecheck_plugins.secrets.matcher import Match
from gatecheck_plugins.secrets.redaction import masked_part, preview, secret_hash
from gatecheck_plugins.secrets.rules import Rule
from gatecheck_plugins.secrets.verify import LiveVerifier


@dataclass
class ScanStats:
    """What the scan read and set aside, for the summary."""

    files: int = 0
    bytes: int = 0
    binary: list[str] = field(default_factory=list)
    bare_suppressions: int = 0


class FindingBuilder:
    """Turns matches into findings and suppressions: redacted, hashed, de-duplicated, with stable ids."""

    def __init__(self, check: str, key: bytes, register: Callable[[bytes], None],
                 verifier: LiveVerifier | None = None) -> None:
        self.check = check
        self.key = key
        self.register = register
        self.verifier = verifier
        self.findings: list[Finding] = []
        self.suppressions: list[Suppression] = []
        self._by_identity: dict[tuple[str, str, str, int], Finding] = {}
        self._occurrences: Counter[tuple[str, str, str]] = Counter()
        self._suppressed: Counter[tuple[str, str, str]] = Counter()

    def add(self, match: Match, rel: str, stats: ScanStats, commit: str | None = None) -> None:
        rule = match.rule
        # Every matched value is masked wherever it appears in the gate's output, suppressed or not.
        self.register(masked_part(match.secret))
        digest = secret_hash(match.secret, self.key)
        identity = (rule.id, rel, digest)
        if match.suppressed_reason is not None:
            # The id the finding would have had: a reviewer can tell which finding a comment hides.
            occurrence = self._occurrences[identity] + self._suppressed[identity]
            self._suppressed[identity] += 1
            self.suppressions.append(Suppression(
                rule_id=rule.id, path=rel, line=match.allow_line or match.line, reason=match.suppressed_reason,
                finding_id=finding_id(self.check, rule.id, path=rel, key=f"{digest}\0{occurrence}"),
                severity=rule.severity,
            ))
            return
        if commit is not None:
            # A secret still in the working tree was already reported there; note where it came in.
            occurrence = self._occurrences[identity]
            if occurrence:
                existing = self._by_identity[(*identity, 0)]
                existing.metadata.setdefault("commits", [])
                if commit not in existing.metadata["commits"]:
                    existing.metadata["commits"].append(commit)
                return
        occurrence = self._occurrences[identity]
        self._occurrences[identity] += 1
        if occurrence:
            # One secret is one finding per file, however often the file repeats it (a test that
            # parses a token and asserts on it): one row to act on, every line listed.
            existing = self._by_identity[(*identity, 0)]
            existing.metadata["lines"].append(match.line)
            return
        metadata: dict[str, Any] = {
            "secret_hash": digest,
            "preview": preview(match.secret),
            "secret_length": len(match.secret),
            "rule_source": rule.source,
            "family": rule.family,
            "lines": [match.line],
        }
        if rule.tags:
            metadata["tags"] = list(rule.tags)
        if self.verifier is not None:
            verification = self.verifier.verify(rule.id, match.secret)
            if verification is not None:
                metadata.update(verification.metadata())
        if commit is not None:
            metadata["commit"] = commit
            metadata["commits"] = [commit]
        title = rule.description
        if match.bare_suppression:
            stats.bare_suppressions += 1
            metadata["suppression_error"] = "gatecheck:allow needs a reason (gatecheck:allow <why this is not a secret>)"
            title += " (gatecheck:allow without a reason is not honoured)"
        finding = Finding(
            id=finding_id(self.check, rule.id, path=rel, key=f"{digest}\0{occurrence}"),
            check=self.check,
            rule_id=rule.id,
            title=title,
            severity=rule.severity,
            confidence=rule.confidence,
            location=Location(rel, match.line, match.end_line),
            metadata=metadata,
        )
        self._by_identity[(*identity, occurrence)] = finding
        self.findings.append(finding)

    def add_path_rule(self, rule: Rule, rel: str) -> None:
        digest = secret_hash(b"path:" + rel.encode("utf-8", "surrogateescape"), self.key)
        identity = (rule.id, rel, digest)
        if self._occurrences[identity]:
            return
        self._occurrences[identity] += 1
        self.findings.append(Finding(
            id=finding_id(self.check, rule.id, path=rel, key=f"{digest}\0path"),
            check=self.check,
            rule_id=rule.id,
            title=rule.description,
            severity=rule.severity,
            confidence=rule.confidence,
            location=Location(rel, None, None),
            metadata={"secret_hash": digest, "preview": os.path.basename(rel), "rule_source": rule.source,
                      "kind": "file"},
        ))
