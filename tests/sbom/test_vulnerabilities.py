"""include_vulnerabilities: the SCA check's findings of the same gate become the SBOM's
``vulnerabilities`` section. The SCA result (fixture ``sca_result`` in conftest) is built from real advisories in the shape
the sca check documents (``Finding`` with package, fix, aliases, ``metadata.cvss``), so these
tests do not depend on the sca plugin or a vulnerability database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult


def test_sca_findings_become_the_vulnerabilities_section(
    example_copy: Path, sca_result: CheckResult, run_sbom: Callable[..., CheckResult], sbom_of: Callable,
    library_validation_error: Callable, independent_validation_errors: Callable,
) -> None:
    result = run_sbom(example_copy, results={"sca": sca_result}, include_vulnerabilities=True)
    text, document = sbom_of(result, example_copy)
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []
    vulns = {v["id"]: v for v in document["vulnerabilities"]}
    assert set(vulns) == {"GHSA-g3rq-g295-4j3m", "GHSA-8q59-q68h-6hv4", "GHSA-m2qf-hxjv-5gpq"}
    jinja = vulns["GHSA-g3rq-g295-4j3m"]
    assert jinja["affects"] == [{"ref": "pkg:pypi/jinja2@2.11.2", "versions": [{"version": "2.11.2", "status": "affected"}]}]
    refs = {c["bom-ref"] for c in document["components"]}
    assert all(a["ref"] in refs for v in vulns.values() for a in v["affects"])
    assert jinja["source"] == {"name": "GitHub Advisory Database", "url": "https://github.com/advisories/GHSA-g3rq-g295-4j3m"}
    assert {r["id"] for r in jinja["references"]} == {"CVE-2020-28493", "PYSEC-2021-66"}
    # cyclonedx-python-lib writes CVSS v3 vectors without the "CVSS:3.1/" prefix (the method says it).
    assert jinja["ratings"] == [{"score": 5.3, "severity": "medium", "method": "CVSSv31",
                                 "vector": "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}]
    assert jinja["analysis"] == {"state": "in_triage"}  # VEX-ready: a later statement changes the state
    assert jinja["recommendation"] == "Upgrade to 2.11.3 or later."
    assert vulns["GHSA-m2qf-hxjv-5gpq"]["recommendation"] == "Upgrade to 2.2.5 or 2.3.2 or later."
    assert jinja["published"].startswith("2021-02-01T20:15:00")
    assert result.summary["vulnerabilities"] == 3
    assert result.summary["unmatched_vulnerabilities"] == ["GHSA-xxxx-not-here (django 3.2.0)"]


def test_without_the_option_there_is_no_vulnerabilities_section(
    example_copy: Path, sca_result: CheckResult, run_sbom: Callable[..., CheckResult], sbom_of: Callable
) -> None:
    _, document = sbom_of(run_sbom(example_copy, results={"sca": sca_result}), example_copy)
    assert "vulnerabilities" not in document


@pytest.mark.parametrize("status", ["error", "timeout"])
def test_a_failed_sca_check_fails_the_sbom_closed(example_copy: Path, run_sbom: Callable[..., CheckResult], status: str) -> None:
    failed = CheckResult.failed("sca", status, "vulnerability database is missing")  # type: ignore[arg-type]
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(example_copy, results={"sca": failed}, include_vulnerabilities=True)
    assert status in str(excinfo.value) and "vulnerability database is missing" in str(excinfo.value)


def test_the_option_without_an_sca_run_is_an_error(example_copy: Path, run_sbom: Callable[..., CheckResult]) -> None:
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(example_copy, include_vulnerabilities=True)
    assert "sca check did not run" in str(excinfo.value)
