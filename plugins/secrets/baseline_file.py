"""The secrets baseline: today's findings, by keyed hash only, so a gate can block only new secrets.

``gatecheck secrets baseline`` writes it; the ``secrets`` check then reports a finding
only when its (rule, secret hash) pair is not in the file. Matching on the hash rather
than the path means moving a known secret to another file does not make it "new",
while a different secret in the same place does. The file holds no secret values and
is meant to be committed and reviewed like any other policy exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gatecheck.api import CheckFailed, Finding, format_seconds, json_key_line, utc_now

FORMAT = "gatecheck-secrets-baseline/v1"
DEFAULT_PATH = ".gatecheck-secrets-baseline.json"


@dataclass
class Baseline:
    """Known (rule id, secret hash) pairs."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def keys(self) -> set[tuple[str, str]]:
        return {(str(e["rule_id"]), str(e["secret_hash"])) for e in self.entries}

    def covers(self, finding: Finding) -> bool:
        return (finding.rule_id, str(finding.metadata.get("secret_hash", ""))) in self.keys()


def from_findings(findings: list[Finding]) -> dict[str, Any]:
    """The baseline document for ``findings`` (hashes, rule ids and paths only)."""
    entries = sorted(
        ({
            "rule_id": f.rule_id,
            "secret_hash": f.metadata["secret_hash"],
            "path": f.location.path if f.location else None,
            "finding_id": f.id,
        } for f in findings if "secret_hash" in f.metadata),
        key=lambda e: (e["path"] or "", e["rule_id"], e["secret_hash"]),
    )
    return {
        "format": FORMAT,
        "generated_at": format_seconds(utc_now()),
        "hash": "hmac-sha256",
        "entries": entries,
    }


def parse(text: str, display: str) -> Baseline:
    """A baseline from its text; anything malformed is bad input naming the file and line."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckFailed(f"{display}:{exc.lineno}: invalid JSON in secrets baseline: {exc.msg}", bad_input=True) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckFailed(f"{display}:1: not a gatecheck secrets baseline (expected format {FORMAT!r})", bad_input=True)
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raise CheckFailed(f"{display}:{_line_of(text, 'entries')}: 'entries' must be a list", bad_input=True)
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("rule_id"), str) \
                or not str(entry.get("secret_hash", "")).startswith("hmac-sha256:"):
            raise CheckFailed(f"{display}:{_line_of(text, 'entries')}: entry {i} needs 'rule_id' and an "
                              f"'hmac-sha256:' 'secret_hash'", bad_input=True)
    return Baseline(entries)


def serialize(document: dict[str, Any]) -> str:
    """The text of a baseline file."""
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _line_of(text: str, key: str) -> int:
    return json_key_line(text, key) or 1
