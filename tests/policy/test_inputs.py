"""The policy input (gatecheck.policy.inputs) and `policy eval` on one written elsewhere."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gatecheck.model import Finding, Location, Package
from gatecheck.policy import inputs


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_policy_eval_prints_the_decision(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = {"subject": [], "context": {"stage": "ci", "now_ns": 1}, "checks": {"secrets": {"status": "ok"}},
           "findings": [{"id": "0" * 32, "check": "secrets", "rule_id": "aws", "title": "key", "severity": "low"}], "waivers": []}
    path = write(tmp_path, "in.json", json.dumps(doc, indent=1))
    result = cli("policy", "eval", "--input", str(path))
    decision = json.loads(result.stdout)
    assert result.exit_code == 1 and decision["deny"][0]["rule"] == "gatecheck.secret"
    path.write_text('{\n  "subject": [],\n  "context": {"stage": "prod", "now_ns": 1},\n'
                    '  "checks": {}, "findings": [], "waivers": []\n}\n')
    bad = cli("policy", "eval", "--input", str(path))
    assert bad.exit_code == 2 and f"{path}:3" in bad.stderr


def test_sbom_facts_from_cyclonedx_artifact() -> None:
    from gatecheck.model import Artifact, CheckResult

    bom = {"bomFormat": "CycloneDX", "components": [
        {"name": "a", "version": "1", "purl": "pkg:pypi/a@1", "licenses": [{"expression": "MIT OR AGPL-3.0-only"}]},
        {"name": "b", "version": "2", "licenses": [{"license": {"id": "Apache-2.0"}}]}]}
    result = CheckResult(check="sbom", artifacts=[Artifact("bom", inputs.CYCLONEDX_JSON, content=bom)])
    facts = inputs.sbom_facts([result])
    assert facts is not None
    assert facts["components"][0]["licenses"] == ["AGPL-3.0-only", "MIT"]
    assert facts["licenses"] == ["AGPL-3.0-only", "Apache-2.0", "MIT"]
    assert inputs.to_ns(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) == 1704067200000000000


def test_finding_document_is_the_dataclass_as_a_dict() -> None:
    """Finding.to_dict is written field by field for speed; it must say what asdict says."""
    from dataclasses import asdict

    from gatecheck.model import Fix

    rich = Finding(id="1" * 32, check="sca", rule_id="GHSA-x", title="t", severity="high", confidence="high",
                   location=Location("requirements.txt", 3, 3), package=Package("flask", "2.0", "pkg:pypi/flask@2.0"),
                   fix=Fix(["2.3.2"]), references=["https://example.org"], aliases=["CVE-1"],
                   metadata={"cvss": 7.5, "nested": {"a": [1, 2]}})
    bare = Finding(id="2" * 32, check="sast", rule_id="r", title="t", location=Location("a.py"))
    for f in (rich, bare):
        reference = {k: v for k, v in asdict(f).items() if v is not None}
        # location.kind is left out until the gate has classified the path (the schema has no null kind)
        reference["location"] = {k: v for k, v in reference["location"].items() if k != "kind" or v is not None}
        assert f.to_dict() == reference
    doc = rich.to_dict()
    doc["metadata"]["nested"]["a"].append(3)  # the document is a copy: the finding is untouched
    assert rich.metadata["nested"]["a"] == [1, 2]
