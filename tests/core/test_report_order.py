"""Reports lead with what matters (issue 17): denials by severity with secrets first, short ids on
every row, and a long list says how many more there are and where to read them."""

from __future__ import annotations

from pathlib import Path

from gatecheck.model import CheckResult, Decision, DecisionEntry, Finding, Location, Tool, finding_id
from gatecheck.reports import Report, short_id
from gatecheck.reports.markdown import MAX_ROWS, MarkdownReporter


def _report(n_low: int) -> tuple[Report, Finding, Finding]:
    findings = []
    deny = []
    # Many high sast findings in check-name order first, then a critical one and a secret last:
    # a report ordered by check or by arrival would push the two that matter off the page.
    for i in range(n_low):
        f = Finding(id=finding_id("sast", "r", path=f"a{i:03}.py"), check="sast", rule_id="r", title=f"t{i}",
                    severity="high", location=Location(f"a{i:03}.py", 1, 1))
        findings.append(f)
        deny.append(DecisionEntry("gatecheck.severity", f"r: t{i}", finding_id=f.id, check="sast"))
    critical = Finding(id=finding_id("sca", "GHSA-x", key="pkg"), check="sca", rule_id="GHSA-x", title="critical one",
                       severity="critical", location=Location("requirements.txt", 3, 3))
    secret = Finding(id=finding_id("secrets", "private-key", path="deploy_key"), check="secrets", rule_id="private-key",
                     title="a private key", severity="low", location=Location("zz/deploy_key", 1, 1))
    deny += [DecisionEntry("gatecheck.severity", "GHSA-x: critical one", finding_id=critical.id, check="sca"),
             DecisionEntry("gatecheck.secret", "secret found: private-key", finding_id=secret.id, check="secrets"),
             DecisionEntry("gatecheck.check_failed", "check migrations ended with status error", check="migrations")]
    results = [CheckResult(check="sast", tool=Tool("x", "1"), findings=findings),
               CheckResult(check="sca", tool=Tool("x", "1"), findings=[critical]),
               CheckResult(check="secrets", tool=Tool("x", "1"), findings=[secret])]
    report = Report(results=results, decision=Decision(allow=False, deny=deny), stage="ci", root=Path("."),
                    gatecheck_version="0")
    return report, critical, secret


def test_entries_come_gate_first_then_secrets_then_by_severity() -> None:
    report, critical, secret = _report(5)
    ordered = report.ordered(report.decision.deny)
    assert [e.rule for e in ordered[:3]] == ["gatecheck.check_failed", "gatecheck.secret", "gatecheck.severity"]
    assert ordered[1].finding_id == secret.id and ordered[2].finding_id == critical.id


def test_markdown_with_more_than_fifty_denials_shows_the_important_ones_and_says_how_many_more() -> None:
    report, critical, secret = _report(MAX_ROWS + 20)
    text = MarkdownReporter().render(report)
    denied = text.split("### Denied")[1]
    rows = [line for line in denied.splitlines() if line.startswith("| `") or line.startswith("|  |")]
    assert f"`{short_id(secret.id)}`" in rows[1] and f"`{short_id(critical.id)}`" in rows[2]
    assert "check migrations ended with status error" in rows[0]
    total = MAX_ROWS + 20 + 3
    assert f"{total - MAX_ROWS} more denied, not shown here" in denied
    assert "JSON and SARIF reports" in denied and "gatecheck explain ID" in denied
