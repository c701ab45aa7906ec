"""The sbom check inside a gate: plugin registration, ordering after sca, the result cache, the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.cache import ResultCache, default_directory
from gatecheck.checks import Check, CheckContext, KeyFact
from gatecheck.model import CheckResult
from gatecheck.runner import CheckRun, RunSettings, run_checks
from gatecheck_plugins.sbom import gatecheck_checks
from gatecheck_plugins.sbom.check import SbomCheck


class RecordedScaCheck:
    """Test double for the sca check (built by another engineer): returns a fixed, realistic
    result so this test exercises only the ``after`` ordering and the hand-over."""

    name = "sca"
    version = "test"
    description = "recorded SCA result"
    options_schema: dict[str, Any] = {"type": "object"}

    def __init__(self, result: CheckResult) -> None:
        self.result = result

    def inputs(self, ctx: CheckContext) -> list[Path]:
        return []

    def run(self, ctx: CheckContext) -> CheckResult:
        return self.result


def test_plugin_registers_a_check_that_satisfies_the_protocol() -> None:
    (check,) = gatecheck_checks()
    assert isinstance(check, Check)
    assert check.name == "sbom" and check.after == ("sca",)


def gate(root: Path, checks: list[Any], options: dict[str, Any] | None = None) -> dict[str, CheckResult]:
    # The result cache and the work directories live outside the tree (the test's own GATECHECK_CACHE_DIR).
    cache = default_directory()
    settings = RunSettings(root=root, jobs=2, cache=ResultCache(cache), work_dir=cache / "work")
    runs = [CheckRun(check=c, options=dict(options or {}) if c.name == "sbom" else {}) for c in checks]
    return {r.check: r for r in run_checks(runs, settings)}


def test_sbom_runs_after_sca_and_includes_its_vulnerabilities(example_copy: Path, sca_result: CheckResult) -> None:
    # sbom listed first: the runner must still wait for sca because of `after`.
    results = gate(example_copy, [SbomCheck(), RecordedScaCheck(sca_result)], {"include_vulnerabilities": True})
    sbom = results["sbom"]
    assert sbom.status == "ok", sbom.error
    document = sbom.artifacts[0].content
    assert {v["id"] for v in document["vulnerabilities"]} == {
        "GHSA-g3rq-g295-4j3m", "GHSA-8q59-q68h-6hv4", "GHSA-m2qf-hxjv-5gpq"
    }


def output_of(root: Path) -> Path:
    return root / ".gatecheck" / "sbom.cdx.json"


def test_unchanged_rerun_is_a_cache_hit_and_the_file_survives(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = SbomCheck()
    first = gate(example_copy, [check])["sbom"]
    assert first.status == "ok" and not first.cached
    assert {i.path for i in first.inputs} >= {"requirements.txt"}
    written = output_of(example_copy).read_bytes()
    second = gate(example_copy, [check])["sbom"]
    assert second.cached, "the very next unchanged run must be a cache hit"
    assert second.artifacts[0].content == first.artifacts[0].content
    # A deleted SBOM is put back, byte for byte, from the cached result.
    output_of(example_copy).unlink()
    third = gate(example_copy, [check])["sbom"]
    assert third.cached and output_of(example_copy).read_bytes() == written
    # So is one edited by hand.
    output_of(example_copy).write_text("{}")
    edited = gate(example_copy, [check])["sbom"]
    assert edited.cached and output_of(example_copy).read_bytes() == written
    assert json.loads(written) == first.artifacts[0].content
    # A changed SOURCE_DATE_EPOCH changes the document, so it must change the key.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    fifth = gate(example_copy, [check])["sbom"]
    assert not fifth.cached
    assert fifth.artifacts[0].content["metadata"]["timestamp"].startswith("2027-01-15")


def test_what_is_not_a_file_reaches_the_key_as_facts_not_marker_files(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sca_result: CheckResult
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    work = tmp_path / "work"
    ctx = CheckContext(root=example_copy, options={"include_vulnerabilities": True}, work_dir=work,
                       results={"sca": sca_result})
    facts = {item.name: item.value for item in SbomCheck().inputs(ctx) if isinstance(item, KeyFact)}
    assert facts["SOURCE_DATE_EPOCH"] == "1800000000" and "GHSA-g3rq-g295-4j3m" in facts["sca"]
    assert not work.exists()


def test_reverting_inputs_never_leaves_a_stale_file(example_copy: Path) -> None:
    check = SbomCheck()
    requirements = example_copy / "requirements.txt"
    original = requirements.read_text()
    for _ in range(2):
        gate(example_copy, [check])
    a_text = output_of(example_copy).read_text()
    requirements.write_text(original + "attrs==24.2.0\n")
    gate(example_copy, [check])
    assert "attrs" in output_of(example_copy).read_text()
    requirements.write_text(original)  # back to A: A's result is cached, but the file shows B
    result = gate(example_copy, [check])["sbom"]
    assert output_of(example_copy).read_text() == a_text
    assert result.artifacts[0].content == json.loads(a_text)


def test_cli_run_writes_the_sbom_and_reports_it(example_copy: Path, cli: Callable[..., Any]) -> None:
    report = example_copy / "report.json"
    outcome = cli("run", str(example_copy), "--check", "sbom", "--no-cache", "-f", f"json:{report}")
    assert outcome.exit_code == 0, outcome.stderr
    data = json.loads(report.read_text())
    (result,) = [r for r in data["results"] if r["check"] == "sbom"]
    assert result["status"] == "ok"
    assert result["artifacts"][0]["media_type"] == "application/vnd.cyclonedx+json"
    assert result["summary"]["component_count"] == 11
    assert json.loads(output_of(example_copy).read_text()) == result["artifacts"][0]["content"]


def test_bad_option_is_a_configuration_error(example_copy: Path, cli: Callable[..., Any]) -> None:
    config = example_copy / "gatecheck.toml"
    config.write_text(config.read_text() + '\n[checks.sbom]\nspec_version = "1.5"\n')
    outcome = cli("run", str(example_copy), "--check", "sbom")
    assert outcome.exit_code == 2
    assert "spec_version" in outcome.stderr


def test_the_sbom_is_its_own_attestation_statement(example_copy: Path, cli: Callable[..., Any], tmp_path: Path) -> None:
    import base64

    key = tmp_path / "ci"
    assert cli("keygen", "-o", str(key)).exit_code == 0
    subject = example_copy / "app.whl"
    subject.write_bytes(b"built artifact")
    bundle = tmp_path / "gate.intoto.jsonl"
    outcome = cli("run", str(example_copy), "--check", "sbom", "--no-cache", "--attest", str(bundle),
                  "--subject", str(subject), "--key", f"file:{key}.key")
    assert outcome.exit_code == 0, outcome.stderr
    statements = [json.loads(base64.b64decode(json.loads(line)["payload"])) for line in bundle.read_text().splitlines()]
    (bom,) = [s for s in statements if s["predicateType"] == "https://cyclonedx.org/bom"]
    assert bom["predicate"] == json.loads(output_of(example_copy).read_text())


def test_policy_input_gets_components_and_licences(tmp_path: Path, run_sbom: Callable[..., CheckResult]) -> None:
    from importlib.metadata import version

    from gatecheck.policy.inputs import sbom_facts

    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text(f"packaging=={version('packaging')}\nleftpad==0.1\n")
    result = run_sbom(root, environment="current")
    result.check = "sbom"
    facts = sbom_facts([result])
    assert facts is not None
    by_name = {c["name"]: c for c in facts["components"]}
    assert by_name["packaging"]["licenses"] == ["Apache-2.0", "BSD-2-Clause"]
    assert by_name["leftpad"]["licenses"] == []
    assert by_name["leftpad"]["purl"] == "pkg:pypi/leftpad@0.1"
