"""Waivers: file validation with file and line, expiry never applied in any path, CLI tooling."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gatecheck import waivers
from gatecheck.errors import BadInput
from gatecheck.gate import enforce_expiry
from gatecheck.model import Decision, DecisionEntry, Finding, Location, Package
from gatecheck.policy import inputs

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_waiver_beyond_max_days_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml",
                 '[[waivers]]\nid = "A"\nreason = "ok ok"\nowner = "me"\nexpires = 2026-01-10\nmatch = {rule = "r"}\n\n'
                 '[[waivers]]\nid = "B"\nreason = "ok ok"\nowner = "me"\nexpires = 2027-06-01\nmatch = {rule = "r"}\n')
    with pytest.raises(BadInput) as info:
        waivers.load(path, max_days=90, now=NOW)
    assert info.value.line == 12 and "more than 90 days" in info.value.message and info.value.path == str(path)


def test_yaml_missing_owner_names_line(tmp_path: Path) -> None:
    text = "waivers:\n  - id: A\n    reason: fine reason\n    expires: '2026-01-10'\n    match: {rule: r}\n"
    path = write(tmp_path, "w.yaml", text)
    with pytest.raises(BadInput) as info:
        waivers.load(path, now=NOW)
    assert info.value.line == 2 and "owner" in info.value.message


def test_missing_expires_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml", '[[waivers]]\nid = "A"\nreason = "ok ok"\nowner = "me"\nmatch = {rule = "r"}\n')
    with pytest.raises(BadInput) as info:
        waivers.load(path, now=NOW)
    assert "expires" in info.value.message and info.value.line == 1


def test_datetime_without_offset_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", "waivers:\n- id: A\n  reason: fine reason\n  owner: me\n  match: {rule: r}\n"
                 "  expires: '2026-01-10T10:00:00'\n")
    with pytest.raises(BadInput) as info:
        waivers.load(path, now=NOW)
    assert info.value.line == 6 and "offset" in info.value.message


def test_matching_by_path_package_and_expiry(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", "waivers:\n"
                 "- {id: P, reason: vendored code, owner: me, expires: '2026-01-20', match: {path: 'vendor/**', check: sast}}\n"
                 "- {id: K, reason: no fix yet, owner: me, expires: '2026-01-20', match: {package: 'pkg:pypi/flask'}}\n"
                 "- {id: OLD, reason: was fine, owner: me, expires: '2025-12-01', match: {rule: r1}}\n")
    wf = waivers.load(path, now=NOW)
    f1 = Finding(id="a", check="sast", rule_id="r1", title="t", location=Location("vendor/x/y.py"))
    f2 = Finding(id="b", check="sca", rule_id="GHSA-1", title="t", package=Package("flask", "2.0", "pkg:pypi/flask@2.0"))
    f3 = Finding(id="c", check="sast", rule_id="r1", title="t", location=Location("app/main.py"))
    entries = {e["id"]: e for e in inputs_mod_policy(wf, [f1, f2, f3])}
    assert entries["P"]["matches"] == ["a"] and entries["K"]["matches"] == ["b"]
    assert entries["OLD"]["expired"] is True and entries["OLD"]["matches"] == []  # expired: selects nothing
    assert wf.waivers[2].age_days(NOW) == 30


def inputs_mod_policy(wf: waivers.WaiverFile, findings: list[Finding]) -> list[dict[str, object]]:
    return waivers.policy_input(wf.waivers, findings, NOW)


def test_expired_waiver_applied_by_a_policy_is_turned_back_into_a_deny(tmp_path: Path) -> None:
    text = "waivers:\n- {id: OLD, reason: was fine, owner: me, expires: '2025-12-01', match: {rule: r1}}\n"
    wf = waivers.load(write(tmp_path, "w.yaml", text), now=NOW)
    careless = Decision(allow=True, waived=[DecisionEntry("x.rule", "m", finding_id="c", waiver_id="OLD")])
    decision = enforce_expiry(careless, wf, NOW)
    assert decision.allow is False and decision.waived == []
    assert decision.deny[0].rule == "gatecheck.waiver_expired_applied"
    assert any(e.rule == "gatecheck.waiver_expired" and "30 day(s)" in e.message for e in decision.warn)


def test_expired_waiver_is_not_applied_in_a_gate_run(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    waiver = ('[[waivers]]\nid = "W1"\nreason = "reviewed"\nowner = "web"\nexpires = {when}\n'
              'match = {{ rule = "ESLint/no-eval" }}\n')
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).date().isoformat()
    (example_copy / "gatecheck.waivers.toml").write_text(waiver.format(when=yesterday))
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["decision"]["waived"] == []
    [expired] = [e for e in doc["decision"]["warn"] if e["rule"] == "gatecheck.waiver_expired"]
    assert expired["waiver_id"] == "W1" and "day(s) ago" in expired["message"]
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).date().isoformat()
    (example_copy / "gatecheck.waivers.toml").write_text(waiver.format(when=soon))
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "-o", str(example_copy / "r.json"))
    assert result.exit_code == 0
    listing = cli("waivers", "list", str(example_copy), "--report", str(example_copy / "r.json"), "--json")
    [row] = json.loads(listing.stdout)["waivers"]
    assert row["status"] == "expiring" and len(row["matched"]) == 1
    explained = cli("explain", row["matched"][0][:10], str(example_copy), "--report", str(example_copy / "r.json"))
    assert explained.exit_code == 0 and "WAIVED by waiver W1" in explained.stdout and "owner web" in explained.stdout


def test_waivers_check_fails_on_unmatched_and_expired(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    (example_copy / "gatecheck.waivers.yaml").write_text(
        f"waivers:\n- {{id: NOPE, reason: nothing here, owner: me, expires: '{soon}', match: {{rule: no-such-rule}}}}\n")
    cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "-o", str(example_copy / "r.json"))
    result = cli("waivers", "check", str(example_copy), "--report", str(example_copy / "r.json"))
    assert result.exit_code == 1 and "waiver NOPE matches no finding" in result.stdout
    (example_copy / "gatecheck.waivers.yaml").write_text("waivers:\n- id: X\n  owner: [\n")
    bad = cli("waivers", "check", str(example_copy))
    assert bad.exit_code == 2 and "gatecheck.waivers.yaml:" in bad.stderr


def test_explain_names_the_denying_rule(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "-o", str(example_copy / "r.json"))
    doc = json.loads((example_copy / "r.json").read_text())
    fid = doc["decision"]["deny"][0]["finding_id"]
    result = cli("explain", fid, str(example_copy), "--report", str(example_copy / "r.json"), "--json")
    info = json.loads(result.stdout)
    assert info["verdict"] == "denied" and info["deny"][0]["rule"] == "gatecheck.severity"
    assert info["policy_digest"] == doc["decision"]["policy_digest"]


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


def test_indexed_selection_equals_matching_every_finding() -> None:
    """policy_input picks candidates through indexes and then tests only the remaining fields;
    over many random waivers it must select exactly what Waiver.matches says of every finding."""
    import random

    rng = random.Random(20261205)
    paths = ["app/main.py", "app/sub/x.py", "vendor/a/b.py", "vendor/c.py", ".hidden/y.py", "apps/z.py", "app.py"]
    findings = []
    for i in range(400):
        pkg = None
        if rng.random() < 0.4:
            name = rng.choice(["flask", "jinja2", "requests"])
            version = rng.choice(["1.0", "2.0"])
            pkg = Package(name, version, rng.choice([f"pkg:pypi/{name}@{version}", f"pkg:pypi/{name}@{version}?x=1", None]))
        location = Location(rng.choice(paths)) if rng.random() < 0.8 else None
        findings.append(Finding(id=f"{i:032x}", check=rng.choice(["sast", "sca", "secrets"]),
                                rule_id=rng.choice(["r1", "r2", "r3"]), title="t", location=location, package=pkg))
    choices = {
        "finding_id": [f"{i:032x}" for i in range(0, 400, 7)] + ["nope"],
        "rule": ["r1", "r2", "r9"],
        "check": ["sast", "sca"],
        "path": ["app/**", "vendor/*.py", "**/*.py", "app/*", "apps/z.py", "*.py", ".hidden/**"],
        "package": ["flask", "pkg:pypi/flask", "pkg:pypi/jinja2@2.0", "pkg:pypi/requests@1.0?x=1", "nothing"],
    }
    expires = NOW + dt.timedelta(days=5)
    ws = []
    for j in range(300):
        keys = rng.sample(sorted(choices), rng.randint(1, 3))
        match = {k: rng.choice(choices[k]) for k in keys}
        ws.append(waivers.Waiver(id=f"W{j}", match=match, reason="r", owner="o", expires="x", expires_at=expires))
    selected = 0
    for w, entry in zip(ws, waivers.policy_input(ws, findings, NOW), strict=True):
        expected = [f.id for f in findings if w.matches(f)]
        assert sorted(entry["matches"]) == sorted(expected), w.match
        assert len(entry["matches"]) == len(set(entry["matches"]))
        selected += len(expected)
    assert selected > 1000  # the random waivers do select things, so the comparison means something
