"""Report formats: the document every reporter renders, and the reporter protocol.

Built-in formats (text, json, sarif, junit, markdown) live in this package, one module
each, and are registered through the ``gatecheck_reporters`` hook like any plugin's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from gatecheck.errors import EXIT_BAD_INPUT, EXIT_DENIED, EXIT_PASS
from gatecheck.model import SEVERITY_RANK, CheckResult, Decision, DecisionEntry, Finding

#: How many characters of a finding id reports show; ``gatecheck explain`` accepts this prefix.
SHORT_ID = 10


def short_id(finding_id: str | None) -> str:
    """The prefix of a finding id that reports show on every row."""
    return (finding_id or "")[:SHORT_ID]


def json_text(document: Any) -> str:
    """A JSON document as indented text (two spaces, UTF-8, a final newline), as reports are written.

    orjson writes a 10,000-finding report ten times faster than the json module; a value it
    does not take (an integer past 64 bits, a key that is not a string) falls back to json.
    """
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def exit_code_of(results: list[CheckResult], decision: Decision) -> int:
    """A gate run's exit code: 2 when a check was given bad input, else 1 when the policy denied, else 0."""
    if any(r.bad_input for r in results):
        return EXIT_BAD_INPUT
    return EXIT_PASS if decision.allow else EXIT_DENIED


@dataclass
class Row:
    """One line of a report's denied/warned/waived list: an entry, and the entries folded into it
    (every advisory of one package as one file declares it is one row, not one per advisory)."""

    entry: DecisionEntry
    finding: Finding | None
    #: The findings of the entries folded into this row (after :attr:`finding`).
    folded: list[Finding] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The entry's message; for a package row, the package, the advisories folded into the row, and
        the upgrade that clears every advisory of that version."""
        finding = self.finding
        if finding is None or finding.package is None or not finding.metadata.get("package_advisories"):
            return self.entry.message
        known = [str(a) for a in finding.metadata.get("package_advisories") or []]
        fixed = finding.metadata.get("fixed_by")
        upgrade = (f"; upgrade to {fixed} to clear all {len(known)} of this version's advisories" if fixed
                   else "; no release fixes every advisory of this version")
        if not self.folded:
            return self.entry.message + upgrade
        here = [finding.rule_id, *(f.rule_id for f in self.folded)]
        return f"{finding.package.name} {finding.package.version or ''}: {len(here)} advisories ({', '.join(here)}){upgrade}"


@runtime_checkable
class Reporter(Protocol):
    """A report format provided through the ``gatecheck_reporters`` hook."""

    #: The value of ``gatecheck run --format``.
    name: str
    media_type: str
    #: Used when ``--format NAME`` is given with no output path and stdout is taken.
    default_filename: str

    def render(self, report: Report) -> str:
        """The whole report as text."""
        ...


@dataclass
class Report:
    """Everything a reporter may show about one gate run."""

    results: list[CheckResult]
    decision: Decision
    stage: str
    root: Path
    gatecheck_version: str
    started_at: str = ""
    duration_ms: int = 0
    exit_code: int = 0
    #: The waivers the decision applied: ``{id, expires, owner, reason, ticket}`` each, for
    #: reports and the attestation (auditors see who accepted what risk, until when).
    applied_waivers: list[dict[str, Any]] = field(default_factory=list)
    #: Where the configuration, waivers and policy came from (:meth:`gatecheck.trust.ConfigSource.describe`).
    config_source: dict[str, Any] = field(default_factory=lambda: {"kind": "repository", "trusted": False})
    _index: dict[str, dict[str, DecisionEntry]] = field(default_factory=dict, repr=False)
    _by_id: dict[str, Finding] | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """Whether the run passed: the policy allowed it and it exits 0 (:func:`exit_code_of`).
        Reports, metrics and the attestation's verdict all ask this."""
        return self.exit_code == EXIT_PASS and self.decision.allow

    def findings(self) -> list[Finding]:
        """Every finding of every check, in check order."""
        return [f for r in self.results for f in r.findings]

    def _entries(self, kind: str) -> dict[str, DecisionEntry]:
        if kind not in self._index:
            entries: list[DecisionEntry] = getattr(self.decision, kind)
            self._index[kind] = {e.finding_id: e for e in entries if e.finding_id}
        return self._index[kind]

    def waiver_for(self, finding: Finding) -> DecisionEntry | None:
        """The decision entry that waived this finding, if one did."""
        return self._entries("waived").get(finding.id)

    def ordered(self, entries: list[DecisionEntry]) -> list[DecisionEntry]:
        """Decision entries in the order a reader should meet them: what concerns the whole gate
        (a failed check, an empty gate) first, then secrets, then findings by severity (critical
        first), then by path. Every report that lists entries uses this one order."""
        findings = self._findings_by_id()

        def key(entry: DecisionEntry) -> tuple[int, int, str, int, str]:
            finding = findings.get(entry.finding_id or "")
            if finding is None:
                return (0, 0, entry.rule, 0, entry.message)
            group = 1 if entry.rule == "gatecheck.secret" else 2
            where = finding.location.path if finding.location else ""
            line = finding.location.start_line or 0 if finding.location else 0
            return (group, -SEVERITY_RANK.get(finding.severity, 0), where, line, entry.message)

        return sorted(entries, key=key)

    def rows(self, entries: list[DecisionEntry]) -> list[Row]:
        """:meth:`ordered` entries as report rows: entries of one rule about one package in one file
        (a dependency with several advisories) fold into one row, the most severe first."""
        rows: list[Row] = []
        groups: dict[tuple[str, str, str, str], Row] = {}
        for entry in self.ordered(entries):
            finding = self.finding(entry.finding_id)
            if finding is not None and finding.package is not None and finding.location is not None \
                    and finding.metadata.get("package_advisories"):
                key = (entry.rule, finding.check, finding.package.name, finding.location.path)
                if key in groups:
                    groups[key].folded.append(finding)
                    continue
                row = groups[key] = Row(entry, finding)
            else:
                row = Row(entry, finding)
            rows.append(row)
        return rows

    def set_aside(self) -> list[tuple[str, str]]:
        """(check, sentence) for each check that ran diff-aware (``--baseline-ref``): how many
        pre-existing findings it set aside and against which commit, so no report hides that it hid some."""
        notes: list[tuple[str, str]] = []
        for result in self.results:
            base = result.summary.get("baseline")
            if not isinstance(base, dict) or not isinstance(base.get("preexisting"), int):
                continue
            commit = str(base.get("commit", ""))[:12]
            how = "merge base with" if base.get("merge_base") else "commit of"
            notes.append((result.check, f"{base['preexisting']} pre-existing finding(s) set aside by --baseline-ref "
                                        f"(base {commit}, {how} {base.get('ref', '?')})"
                                        + ("; files unchanged since the base were not scanned"
                                           if base.get("unchanged_files_scanned") is False else "")))
        return notes

    def finding(self, finding_id: str | None) -> Finding | None:
        """The finding a decision entry names, if any."""
        return self._findings_by_id().get(finding_id or "")

    def _findings_by_id(self) -> dict[str, Finding]:
        if self._by_id is None:
            self._by_id = {f.id: f for f in self.findings()}
        return self._by_id

    def denial_for(self, finding: Finding) -> DecisionEntry | None:
        """The decision entry that denied on this finding, if one did."""
        return self._entries("deny").get(finding.id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report document (``schemas/report.schema.json``)."""
        return {
            "report_version": 1,
            "gatecheck_version": self.gatecheck_version,
            "stage": self.stage,
            "root": str(self.root),
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "results": [r.to_dict() for r in self.results],
            "decision": self.decision.to_dict(),
            "exit_code": self.exit_code,
            "applied_waivers": self.applied_waivers,
            "config_source": self.config_source,
        }
