"""Shared helpers for the sbom check's tests: run the check, validate its output two ways."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.schema._res import BOM_JSON, CRYPTOGRAPHY_DEFS, JSF, SPDX_JSON
from cyclonedx.validation.json import JsonStrictValidator, JsonValidator

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult, Finding, Fix, Location, Package, Tool, finding_id
from gatecheck_plugins.sbom.check import SbomCheck

SPEC = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}


@pytest.fixture(autouse=True)
def _fixed_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test builds with a fixed SOURCE_DATE_EPOCH unless it deletes it on purpose."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture
def run_sbom(tmp_path: Path) -> Callable[..., CheckResult]:
    """Run the sbom check on ``root`` with ``options``; ``results`` stands for earlier checks."""

    def run(root: Path, results: dict[str, CheckResult] | None = None, **options: Any) -> CheckResult:
        ctx = CheckContext(root=root, options=options, work_dir=tmp_path / "work", results=dict(results or {}))
        return SbomCheck().run(ctx)

    return run


@pytest.fixture
def library_validation_error() -> Callable[..., str | None]:
    return _library_validation_error


@pytest.fixture
def independent_validation_errors() -> Callable[..., list[str]]:
    return _independent_validation_errors


@pytest.fixture
def sbom_of() -> Callable[[CheckResult, Path], tuple[str, dict[str, Any]]]:
    return _sbom_of


def _library_validation_error(text: str, spec_version: str = "1.6") -> str | None:
    """cyclonedx-python-lib's own JSON validator (the plain one and the strict one)."""
    for validator_class in (JsonValidator, JsonStrictValidator):
        if spec_version == "1.7" and validator_class is JsonStrictValidator:
            continue  # the library has no strict schema for 1.7
        error = validator_class(SPEC[spec_version]).validate_str(text)
        if error is not None:
            return str(error.data.message if hasattr(error.data, "message") else error)[:500]
    return None


def _independent_validation_errors(document: dict[str, Any], spec_version: str = "1.6") -> list[str]:
    """A second, independent validation: jsonschema-rs (a separate JSON Schema implementation,
    in Rust, with every format checked: iri-reference, date-time, idn-email) over the official
    CycloneDX schema file as cyclonedx-python-lib ships it; gatecheck's validator plays no part."""
    schema = json.loads(Path(BOM_JSON[SPEC[spec_version]]).read_text("utf-8"))
    assert schema["$id"] == f"http://cyclonedx.org/schema/bom-{spec_version}.schema.json"
    prefix = "http://cyclonedx.org/schema/"
    registry = jsonschema_rs.Registry([
        (prefix + "spdx.SNAPSHOT.schema.json", json.loads(Path(SPDX_JSON).read_text("utf-8"))),
        (prefix + "jsf-0.82.SNAPSHOT.schema.json", json.loads(Path(JSF).read_text("utf-8"))),
        (prefix + "cryptography-defs.SNAPSHOT.schema.json", json.loads(Path(CRYPTOGRAPHY_DEFS).read_text("utf-8"))),
    ])
    validator = jsonschema_rs.Draft7Validator(
        schema, registry=registry, validate_formats=True, ignore_unknown_formats=False, offline=True
    )
    return [f"{e.instance_path}: {e.message[:200]}" for e in validator.iter_errors(document)]


def _sbom_of(result: CheckResult, root: Path) -> tuple[str, dict[str, Any]]:
    """The written SBOM text and the artifact's document, after checking they agree."""
    assert result.status == "ok", result.error
    (artifact,) = [a for a in result.artifacts if a.name == "sbom"]
    assert artifact.media_type == "application/vnd.cyclonedx+json"
    assert artifact.path is not None and isinstance(artifact.content, dict)
    path = Path(artifact.path)
    text = (path if path.is_absolute() else root / path).read_text("utf-8")
    assert json.loads(text) == artifact.content
    return text, artifact.content


def advisory(advisory_id: str, name: str, version: str, *, severity: str, title: str, fixed: list[str],
             aliases: list[str], vector: str, score: float) -> Finding:
    return Finding(
        id=finding_id("sca", advisory_id, key=name),
        check="sca",
        rule_id=advisory_id,
        title=title,
        severity=severity,  # type: ignore[arg-type]
        confidence="high",
        location=Location("requirements.txt", 1, 1),
        package=Package(name=name, version=version, purl=f"pkg:pypi/{name}@{version}"),
        fix=Fix(versions=fixed),
        references=[f"https://github.com/advisories/{advisory_id}", f"https://nvd.nist.gov/vuln/detail/{aliases[0]}"],
        aliases=aliases,
        metadata={
            "kind": "advisory",
            "advisory": advisory_id,
            "source": "osv",
            "published": "2021-02-01T20:15:00Z",
            "modified": "2024-09-24T21:00:00Z",
            "cvss": [{"type": "CVSS_V3", "vector": vector, "base_score": score, "severity": severity}],
        },
    )


@pytest.fixture
def sca_result() -> CheckResult:
    """A realistic SCA result: real advisories for the example project's pins, as the sca check reports them."""
    findings = [
        advisory("GHSA-g3rq-g295-4j3m", "jinja2", "2.11.2", severity="medium",
                 title="Regular Expression Denial of Service (ReDoS) in Jinja2", fixed=["2.11.3"],
                 aliases=["CVE-2020-28493", "PYSEC-2021-66"],
                 vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", score=5.3),
        advisory("GHSA-8q59-q68h-6hv4", "pyyaml", "5.3", severity="critical",
                 title="Improper Input Validation in PyYAML", fixed=["5.4"],
                 aliases=["CVE-2020-14343"], vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score=9.8),
        advisory("GHSA-m2qf-hxjv-5gpq", "flask", "2.2.2", severity="high",
                 title="Flask vulnerable to possible disclosure of permanent session cookie", fixed=["2.2.5", "2.3.2"],
                 aliases=["CVE-2023-30861"], vector="CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", score=7.5),
        # Not in this project's SBOM: reported as unmatched, never attached to a wrong component.
        advisory("GHSA-xxxx-not-here", "django", "3.2.0", severity="high", title="Something in Django",
                 fixed=["3.2.1"], aliases=["CVE-2021-00000"], vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
                 score=7.5),
        # The sca check's own non-advisory findings are not vulnerabilities.
        Finding(id=finding_id("sca", "unpinned-requirement", key="x"), check="sca", rule_id="unpinned-requirement",
                title="flask>=2 is not pinned", severity="high", package=Package(name="flask"),
                metadata={"kind": "unpinned"}),
    ]
    return CheckResult(check="sca", tool=Tool("pip-audit", "2.10.1"), findings=findings, summary={"vulnerabilities": 4})
