"""Documents: stable fingerprints, schema validity, round trips."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import jsonschema
import pytest

from gatecheck import validation
from gatecheck.model import CheckResult, Finding, Fix, Location, Package, Tool, finding_id


def test_finding_id_is_the_documented_sha256_prefix() -> None:
    expected = hashlib.sha256(b"gatecheck-finding-v1\0sast\0py.eval\0app/x.py\0eval(data)").hexdigest()[:32]
    assert finding_id("sast", "py.eval", path="app/x.py", key="eval(data)") == expected


def test_finding_id_ignores_line_numbers_and_separates_fields() -> None:
    a = finding_id("c", "r", path="p.py", key="k")
    assert a == finding_id("c", "r", path="p.py", key="k")
    assert a != finding_id("c", "r", path="q.py", key="k")
    assert a != finding_id("c", "r2", path="p.py", key="k")
    # the NUL separator keeps "ab"+"c" and "a"+"bc" apart
    assert finding_id("ab", "c") != finding_id("a", "bc")


@pytest.mark.parametrize("name", validation.SCHEMA_NAMES)
def test_every_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = validation.load(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schemas_ship_as_package_data() -> None:
    names = {p.name for p in resources.files("gatecheck.schemas").iterdir()}
    assert {f"{n}.schema.json" for n in validation.SCHEMA_NAMES} <= names


def full_result() -> CheckResult:
    finding = Finding(
        id=finding_id("sca", "PYSEC-1", key="flask"), check="sca", rule_id="PYSEC-1", title="bad",
        severity="high", confidence="high", location=Location("requirements.txt", 3, 3),
        package=Package("flask", "2.2.2", "pkg:pypi/flask@2.2.2"), fix=Fix(["2.2.5"]),
        references=["https://example.org"], aliases=["CVE-2023-30861"], metadata={"cvss": "x"},
    )
    return CheckResult(check="sca", tool=Tool("pip-audit", "2.10"), findings=[finding], summary={"n": 1})


def test_check_result_round_trips_and_validates() -> None:
    result = full_result()
    data = result.to_dict()
    assert validation.first_error("check-result", data) is None
    assert CheckResult.from_dict(json.loads(json.dumps(data))) == result


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["findings"][0].__setitem__("severity", "severe"), "findings[0].severity"),
        (lambda d: d["findings"][0].__setitem__("id", "123"), "findings[0].id"),
        (lambda d: d.__setitem__("status", "error"), "error"),
        (lambda d: d["findings"][0].pop("rule_id"), "findings[0]"),
    ],
)
def test_check_result_schema_rejects_bad_documents(mutate, where: str) -> None:  # type: ignore[no-untyped-def]
    data = full_result().to_dict()
    mutate(data)
    problem = validation.first_error("check-result", data)
    assert problem is not None
    assert problem[0].startswith(where.split(".")[0])


def _policy_input_with_findings(n: int) -> dict[str, object]:
    finding = full_result().to_dict()["findings"][0]
    findings = [{**json.loads(json.dumps(finding)), "id": f"{i:032x}"} for i in range(n)]
    return {"subject": [], "context": {"stage": "ci", "now_ns": 0}, "checks": {"sca": {"status": "ok"}},
            "findings": findings, "waivers": [], "sbom": None}


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (None, None),
        (lambda d: d["findings"][777].__setitem__("severity", "severe"), "findings[777].severity"),
        (lambda d: d["findings"][998]["location"].__setitem__("start_line", "3"), "findings[998].location.start_line"),
        (lambda d: d["findings"][5].__setitem__("colour", "red"), "findings[5]"),
        (lambda d: d["context"].__setitem__("stage", "prod"), "context.stage"),
        (lambda d: d["waivers"].append({"id": "W1"}), "waivers[0]"),
    ],
)
def test_fast_and_reference_validators_agree(mutate, where: str | None) -> None:  # type: ignore[no-untyped-def]
    """The fast path (jsonschema-rs) answers "valid?"; the reference validator must agree, and an
    invalid document still gets the reference validator's exact key path, deep in a long list."""
    document = _policy_input_with_findings(1000)
    if mutate is not None:
        mutate(document)
    reference_ok = not list(validation.validator("policy-input").iter_errors(document))
    assert validation.is_valid("policy-input", document) is reference_ok is (where is None)
    problem = validation.first_error("policy-input", document)
    assert (problem is None) if where is None else (problem is not None and problem[0] == where)


def test_values_the_fast_validator_cannot_read_fall_back_to_the_reference() -> None:
    import datetime as dt

    document = full_result().to_dict()
    document["summary"] = {"when": dt.date(2026, 1, 1)}  # not JSON: the summary schema allows any value
    assert validation.is_valid("check-result", document) == (not list(validation.validator("check-result").iter_errors(document)))
    document["status"] = dt.date(2026, 1, 1)
    assert not validation.is_valid("check-result", document)
    assert validation.first_error("check-result", document) is not None


def test_a_sealed_result_builds_its_document_once() -> None:
    finding = Finding(id="f" * 32, check="c", rule_id="r", title="t", location=Location("a.py", 1, 1))
    result = CheckResult(check="c", tool=Tool("t", "1"), findings=[finding])
    before = result.to_dict()
    assert before is not result.to_dict()  # not sealed: a fresh document each time
    sealed = result.seal()
    assert sealed == before and result.to_dict() is sealed and result.seal() is sealed
    assert sealed["findings"][0] is finding.to_dict()
    # The cache is not a field: equality, repr and asdict ignore it.
    assert result == CheckResult.from_dict(sealed) and "_sealed" not in repr(result)


def test_one_severity_scale() -> None:
    from typing import get_args

    from gatecheck.model import SEVERITIES, SEVERITY_RANK, Severity

    assert SEVERITIES == get_args(Severity) == ("critical", "high", "medium", "low", "info", "unknown")
    assert set(SEVERITY_RANK) == set(SEVERITIES)
    schema = validation.load("finding")
    assert tuple(schema["properties"]["severity"]["enum"]) == SEVERITIES


def test_check_failed_is_a_gatecheck_error_with_its_exit_code() -> None:
    from gatecheck.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, CheckFailed, GatecheckError

    assert issubclass(CheckFailed, GatecheckError)
    assert CheckFailed("x").exit_code == EXIT_INTERNAL
    assert CheckFailed("x", bad_input=True).exit_code == EXIT_BAD_INPUT
