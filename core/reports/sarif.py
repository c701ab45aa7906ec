"""SARIF 2.1.0: one run per check, stable fingerprints, GitHub's numeric security-severity.

Waived findings are kept and marked with an accepted external suppression (code scanning
hides them; auditors still see them). A check that errored or timed out records a failed
invocation with its reason, so "no results" never reads as "nothing found".
"""

from __future__ import annotations

import json
from typing import Any

from gatecheck.model import CheckResult, Finding
from gatecheck.reports import Report, json_text

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# GitHub code scanning reads `security-severity` (a number as a string) into
# critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9. `unknown` and `info` carry
# none: claiming a number would invent a severity nobody measured.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note", "unknown": "warning"}
FINGERPRINT_KEY = "gatecheck/v1"


class SarifReporter:
    name = "sarif"
    media_type = "application/sarif+json"
    default_filename = "gatecheck.sarif"

    def render(self, report: Report) -> str:
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [self._run(result, report) for result in report.results],
        }
        return json_text(doc)

    def _run(self, result: CheckResult, report: Report) -> dict[str, Any]:
        rules: dict[str, dict[str, Any]] = {}
        for finding in result.findings:
            rule = rules.setdefault(finding.rule_id, _rule(finding))
            score = _security_severity(finding)
            if score is not None:
                current = rule["properties"].get("security-severity")
                if current is None or float(score) > float(current):
                    rule["properties"]["security-severity"] = score
        rule_index = {rule_id: i for i, rule_id in enumerate(rules)}
        tool = result.tool
        driver: dict[str, Any] = {
            "name": f"gatecheck/{result.check}",
            "semanticVersion": report.gatecheck_version if "+" not in report.gatecheck_version else None,
            "rules": list(rules.values()),
        }
        if tool is not None:
            driver["fullName"] = f"{tool.name} {tool.version}"
            driver["version"] = tool.version
        driver = {k: v for k, v in driver.items() if v is not None}
        invocation: dict[str, Any] = {"executionSuccessful": result.status in ("ok", "skipped")}
        if result.error:
            invocation["toolExecutionNotifications"] = [
                {"level": "error", "message": {"text": f"{result.status}: {result.error}"}}
            ]
        run: dict[str, Any] = {
            "tool": {"driver": driver},
            "automationDetails": {"id": f"gatecheck/{result.check}/{report.stage}/"},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"uri": report.root.resolve().as_uri() + "/"}},
            "results": [self._result(f, rule_index[f.rule_id], report) for f in result.findings],
            "properties": {"status": result.status, "summary": result.summary},
        }
        return run

    def _result(self, finding: Finding, index: int, report: Report) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": index,
            "level": LEVEL[finding.severity],
            "message": {"text": finding.title},
            "partialFingerprints": {FINGERPRINT_KEY: finding.id},
            "properties": {"severity": finding.severity, "confidence": finding.confidence, "gatecheck_id": finding.id},
        }
        if finding.location is not None:
            region: dict[str, Any] = {}
            if finding.location.start_line:
                region["startLine"] = finding.location.start_line
            if finding.location.end_line:
                region["endLine"] = max(finding.location.end_line, finding.location.start_line or 1)
            physical: dict[str, Any] = {"artifactLocation": {"uri": finding.location.path, "uriBaseId": "%SRCROOT%"}}
            if region:
                physical["region"] = region
            out["locations"] = [{"physicalLocation": physical}]
        if finding.package is not None:
            out["properties"]["package"] = {k: v for k, v in vars(finding.package).items() if v is not None}
        if finding.aliases:
            out["properties"]["aliases"] = finding.aliases
        if finding.fix is not None and finding.fix.versions:
            out["properties"]["fix_versions"] = finding.fix.versions
        waiver = report.waiver_for(finding)
        if waiver is not None:
            out["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": waiver.message}
            ]
        return out


def _rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.rule_id,
        "name": finding.rule_id,
        "shortDescription": {"text": finding.title},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {"tags": ["security", finding.check]},
    }
    if finding.references:
        rule["helpUri"] = finding.references[0]
    return rule


def _security_severity(finding: Finding) -> str | None:
    score = finding.metadata.get("cvss_score")
    if isinstance(score, int | float) and 0 <= score <= 10:
        return f"{float(score):.1f}"
    return SECURITY_SEVERITY.get(finding.severity)


def strip_suppressed(sarif: dict[str, Any]) -> dict[str, Any]:
    """A copy of a SARIF document without suppressed results (for uploaders that ignore them)."""
    out: dict[str, Any] = json.loads(json.dumps(sarif))
    for run in out.get("runs", []):
        run["results"] = [r for r in run.get("results", []) if not r.get("suppressions")]
    return out
