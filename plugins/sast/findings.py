"""Findings with gatecheck's own fingerprints: semgrep's matches, and the check's notices about files
it could not fully analyse (:data:`INCOMPLETE_ANALYSIS`), analysed through a rewrite
(:data:`FALLBACK_ANALYSIS`), or suppression comments it cannot honour (:data:`BARE_NOSEMGREP`).

A finding's id is a fingerprint of the check, the rule, the path, the normalized matched code and
its occurrence among identical matches in the file, so it survives edits elsewhere in the file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gatecheck.api import Finding, Location, finding_id
from gatecheck_plugins.sast.file_versions import FileVersion
from gatecheck_plugins.sast.rulepack import SEMGREP_SEVERITY, Rule, RulePack
from gatecheck_plugins.sast.semgrep import EngineProblem, result_line, result_offset
from gatecheck_plugins.sast.suppressions import Marker

#: The finding a nosemgrep comment without a rule id or reason becomes.
BARE_NOSEMGREP = "gatecheck.sast.bare-nosemgrep"
#: The finding for a file semgrep could not fully analyse (a parse error, rules that timed out).
INCOMPLETE_ANALYSIS = "gatecheck.sast.incomplete-analysis"
#: The finding for a file analysed through :mod:`.fallback`'s rewrite of syntax semgrep lacks.
FALLBACK_ANALYSIS = "gatecheck.sast.fallback-analysis"

#: A CWE id in rule metadata (``CWE-89: SQL Injection``).
CWE = re.compile(r"CWE-(\d+)")


class FindingMaker:
    """Makes the findings of one pass over a set of files, numbering identical ones by occurrence."""

    def __init__(self, check: str, pack: RulePack, rule_file_name: Callable[[Path], str]) -> None:
        self.check = check
        self.pack = pack
        #: How a rule file is named in a finding's metadata (never a scratch path).
        self.rule_file_name = rule_file_name
        self._occurrences: Counter[tuple[str, str, str]] = Counter()

    def _occurrence(self, rule_id: str, rel: str, key: str) -> int:
        counter = (rule_id, rel, key)
        occurrence = self._occurrences[counter]
        self._occurrences[counter] += 1
        return occurrence

    def match(self, rel: str, data: bytes, result: dict[str, Any]) -> Finding:
        """The finding for one semgrep match in ``rel`` (whose bytes are ``data``)."""
        check_id = str(result.get("check_id", ""))
        rule: Rule | None = self.pack.rules.get(check_id) or self.pack.resolve(check_id)
        extra: dict[str, Any] = result["extra"] if isinstance(result.get("extra"), dict) else {}
        meta: dict[str, Any] = extra["metadata"] if isinstance(extra.get("metadata"), dict) else {}
        rule_id = rule.id if rule else check_id
        start, end = result_offset(result, "start"), result_offset(result, "end")
        code = data[start:end].decode("utf-8", "replace") if 0 <= start < end <= len(data) else ""
        normalized = " ".join(code.split()) or str(result.get("start", {}).get("line", ""))
        occurrence = self._occurrence(rule_id, rel, normalized)
        message = " ".join(str(extra.get("message", "")).split())
        severity = SEMGREP_SEVERITY.get(str(extra.get("severity", "")).upper(), rule.severity if rule else "unknown")
        cwes = sorted({f"CWE-{n}" for item in as_list(meta.get("cwe")) for n in CWE.findall(str(item))},
                      key=lambda c: int(c[4:]))
        references = [str(r) for r in as_list(meta.get("references")) if isinstance(r, str)]
        references += [f"https://cwe.mitre.org/data/definitions/{c[4:]}.html" for c in cwes]
        start_line = result_line(result, "start")
        return Finding(
            id=finding_id(self.check, rule_id, path=rel, key=f"{normalized}\0{occurrence}"),
            check=self.check,
            rule_id=rule_id,
            title=_title(message) or rule_id,
            severity=severity,  # type: ignore[arg-type]  # one of SEMGREP_SEVERITY' values
            confidence=_confidence(meta.get("confidence")),  # type: ignore[arg-type]
            location=Location(rel, start_line, result_line(result, "end") or start_line),
            references=references,
            metadata={
                "message": message,
                "cwe": cwes,
                "category": str(meta.get("category", "security")),
                "owasp": [str(o) for o in as_list(meta.get("owasp"))],
                "class": str(meta["class"]) if meta.get("class") else None,
                "column": (result.get("start") or {}).get("col"),
                "engine": "semgrep",
                "rule_file": self.rule_file_name(rule.file) if rule else None,
            },
        )

    def blind_spots(self, version: FileVersion, problems: list[EngineProblem]) -> list[Finding]:
        """Findings that say where the analysis of a file fell short: semgrep could not parse all of
        it or gave up on rules (:data:`INCOMPLETE_ANALYSIS`), or it holds syntax semgrep's main parser
        lacks and was analysed through gatecheck's rewrite (:data:`FALLBACK_ANALYSIS`)."""
        findings: list[Finding] = []
        if not problems and version.syntax_error is not None:
            line, message = version.syntax_error
            findings.append(self.notice(
                INCOMPLETE_ANALYSIS, version.rel, line, "low", key="python syntax error",
                title=f"Python cannot parse this file ({message}, line {line}); semgrep reported no error, "
                      "but may have read only part of it (or read it as Python 2)",
                metadata={"syntax_error": {"line": line, "message": message}}))
        if problems:
            kinds = sorted({p.kind for p in problems})
            rules = sorted({p.rule_id.rsplit(".", 1)[-1] for p in problems if p.rule_id})
            line = min((p.line for p in problems if p.line), default=1)
            detail = f" ({len(rules)} rule(s) gave up: {', '.join(rules[:5])})" if rules else ""
            findings.append(self.notice(
                INCOMPLETE_ANALYSIS, version.rel, line, "medium", key=" ".join(kinds),
                title=f"semgrep could not fully analyse this file: {', '.join(kinds)}{detail}; "
                      "findings in it may be missing",
                metadata={"problems": [p.to_dict() for p in problems[:20]]}))
        if version.constructs:
            kinds = sorted({c.kind for c in version.constructs})
            findings.append(self.notice(
                FALLBACK_ANALYSIS, version.rel, version.constructs[0].line, "info", key=" ".join(kinds),
                title=f"syntax semgrep's Python parser does not read ({', '.join(kinds)}); "
                      "analysed through gatecheck's line-preserving rewrite",
                metadata={"constructs": [c.describe() for c in version.constructs[:50]]}))
        return findings

    def notice(
        self, rule_id: str, rel: str, line: int, severity: str, *, key: str, title: str, metadata: dict[str, Any],
    ) -> Finding:
        """A finding of the check's own (engine ``gatecheck``) about ``rel``; ``key`` tells it apart
        from others of the same rule in the file."""
        occurrence = self._occurrence(rule_id, rel, key)
        return Finding(
            id=finding_id(self.check, rule_id, path=rel, key=f"{key}\0{occurrence}"),
            check=self.check, rule_id=rule_id, title=title,
            severity=severity,  # type: ignore[arg-type]  # one of the schema's severities
            confidence="high", location=Location(rel, line, line),
            metadata={**metadata, "engine": "gatecheck"},
        )

    def bare_marker(self, rel: str, marker: Marker) -> Finding:
        """The finding for a nosemgrep comment that names no rule or gives no reason."""
        occurrence = self._occurrence(BARE_NOSEMGREP, rel, marker.text)
        return Finding(
            id=finding_id(self.check, BARE_NOSEMGREP, path=rel, key=f"{marker.text}\0{occurrence}"),
            check=self.check,
            rule_id=BARE_NOSEMGREP,
            title=f"nosemgrep comment {marker.problem}; it suppresses nothing "
                  "(write `# nosemgrep: <rule-id> -- <reason>`)",
            severity="medium",
            confidence="high",
            location=Location(rel, marker.line, marker.line),
            metadata={"comment": marker.text, "rules": marker.rule_names, "engine": "gatecheck"},
        )


def as_list(value: Any) -> list[Any]:
    """A metadata value that may be one item or a list, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _confidence(value: Any) -> str:
    text = str(value or "").lower()
    return text if text in ("high", "medium", "low") else "medium"


def _title(message: str) -> str:
    """The first sentence of a rule message, short enough for a table cell."""
    first = re.split(r"(?<=[.;:])\s", message, maxsplit=1)[0].rstrip(".;:")
    return first if len(first) <= 160 else first[:157].rstrip() + "..."
