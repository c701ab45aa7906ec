"""JUnit XML: one test case per check and one per denied rule, for CI test-report views."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from gatecheck.model import DecisionEntry
from gatecheck.reports import Report
from gatecheck.reports.escaping import xml_text


def _sanitize(root: ET.Element) -> None:
    """Make every text and attribute of the tree valid XML 1.0 (a finding title can hold any character)."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        for key, value in element.attrib.items():
            element.set(key, xml_text(value))


class JUnitReporter:
    name = "junit"
    media_type = "application/xml"
    default_filename = "gatecheck.junit.xml"

    def render(self, report: Report) -> str:
        suites = ET.Element("testsuites", name="gatecheck")
        checks = ET.SubElement(suites, "testsuite", name="gatecheck.checks")
        failures = errors = skipped = 0
        for result in report.results:
            case = ET.SubElement(
                checks, "testcase", classname="gatecheck.checks", name=result.check,
                time=f"{result.duration_ms / 1000:.3f}",
            )
            if result.status in ("error", "timeout"):
                errors += 1
                ET.SubElement(case, "error", type=result.status, message=result.error or result.status).text = (
                    result.error or ""
                )
            elif result.status == "skipped":
                skipped += 1
                ET.SubElement(case, "skipped", message=result.error or "skipped")
            ET.SubElement(case, "system-out").text = f"{len(result.findings)} findings; summary: {result.summary}"
        checks.set("tests", str(len(report.results)))
        checks.set("errors", str(errors))
        checks.set("failures", "0")
        checks.set("skipped", str(skipped))

        policy = ET.SubElement(suites, "testsuite", name="gatecheck.policy")
        by_rule: dict[str, list[DecisionEntry]] = defaultdict(list)
        for entry in report.decision.deny:
            by_rule[entry.rule].append(entry)
        for rule, entries in sorted(by_rule.items()):
            case = ET.SubElement(policy, "testcase", classname="gatecheck.policy", name=rule)
            failures += 1
            lines = [f"{e.message}" + (f" [finding {e.finding_id}]" if e.finding_id else "") for e in entries]
            ET.SubElement(case, "failure", type="deny", message=f"{len(entries)} denial(s): {entries[0].message}").text = (
                "\n".join(lines)
            )
        verdict = ET.SubElement(policy, "testcase", classname="gatecheck.policy", name="decision")
        if not report.decision.allow:
            failures += 1
            ET.SubElement(verdict, "failure", type="deny", message="the policy denied this change")
        policy.set("tests", str(len(by_rule) + 1))
        policy.set("failures", str(failures))
        policy.set("errors", "0")
        suites.set("tests", str(len(report.results) + len(by_rule) + 1))
        suites.set("failures", str(failures))
        suites.set("errors", str(errors))
        _sanitize(suites)
        ET.indent(suites)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
