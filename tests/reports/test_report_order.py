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


def test_one_row_per_vulnerable_package_in_a_file_with_the_upgrade_that_clears_it() -> None:
    from gatecheck.model import Package

    def advisory(aid: str, severity: str, path: str = "requirements.txt") -> Finding:
        return Finding(id=finding_id("sca", aid, path=path, key="jinja2"), check="sca", rule_id=aid,
                       title=f"jinja2 2.11.2 is affected: {aid}", severity=severity,  # type: ignore[arg-type]
                       location=Location(path, 4, 4), package=Package("jinja2", "2.11.2", "pkg:pypi/jinja2@2.11.2"),
                       metadata={"package_advisories": ["A-1", "A-2", "A-3"], "fixed_by": "3.1.6"})

    findings = [advisory("A-1", "high"), advisory("A-2", "critical"), advisory("A-3", "high", "requirements-prod.txt")]
    deny = [DecisionEntry("gatecheck.severity", f"{f.rule_id}: {f.title}", finding_id=f.id, check="sca") for f in findings]
    report = Report(results=[CheckResult(check="sca", tool=Tool("x", "1"), findings=findings)],
                    decision=Decision(allow=False, deny=deny), stage="ci", root=Path("."), gatecheck_version="0")
    rows = report.rows(report.decision.deny)
    assert len(rows) == 2  # two files: one row each
    both = next(r for r in rows if r.finding and r.finding.location and r.finding.location.path == "requirements.txt")
    assert both.finding is not None and both.finding.rule_id == "A-2"  # the most severe leads
    assert both.message == "jinja2 2.11.2: 2 advisories (A-2, A-1); upgrade to 3.1.6 to clear all 3 of this version's advisories"
    text = MarkdownReporter().render(report)
    assert text.count("jinja2 2.11.2") == 2 and "upgrade to 3.1.6" in text
