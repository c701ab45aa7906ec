"""Engines, conformance, fail-closed decisions, the OPA backend (via a test double and a real opa)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from opa_rest_double import OpaRestDouble

from gatecheck.config import load as load_config
from gatecheck.errors import BadInput
from gatecheck.gate import GateOptions, run_gate
from gatecheck.plugin_manager import Plugins
from gatecheck.policy import cases as cases_mod
from gatecheck.policy import decide as decide_mod
from gatecheck.policy import policy_bundle as bundle_mod
from gatecheck.policy import regotest, selftest
from gatecheck.policy.embedded import EmbeddedEngine
from gatecheck.policy.engines import EngineSettings, QueryResult
from gatecheck.policy.opa import OpaEngine, OpaProvider

# regorus limitations, each kept out of bundles by gatecheck.policy.lint (docs/policies.md).
KNOWN_EMBEDDED_FAILURES = {"imports.function_via_alias", "comprehension.in_head_of_rule_with_body"}

MINIMAL_INPUT: dict[str, Any] = {
    "subject": [], "context": {"stage": "ci", "now_ns": 1}, "checks": {"x": {"status": "ok"}}, "findings": [], "waivers": [],
}


def write_bundle(root: Path, rego: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "p.rego").write_text(rego)
    return root


def test_conformance_cases_on_embedded() -> None:
    cases = cases_mod.load()
    assert len(cases) >= 60
    outcomes = cases_mod.run_all(EmbeddedEngine(), cases)
    failed = {o.case.id for o in outcomes if not o.passed}
    assert failed == KNOWN_EMBEDDED_FAILURES, [(o.case.id, o.got) for o in outcomes if not o.passed]
    assert {c.id for c in cases if "embedded" in c.known_failure} == KNOWN_EMBEDDED_FAILURES


def test_conformance_runner_exits_0_with_only_known_failures() -> None:
    done = subprocess.run([sys.executable, "-m", "gatecheck_conformance.rego", "--engine", "embedded"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 known failure(s), 0 failed" in done.stdout and "KNOWN imports.function_via_alias" in done.stdout


def test_lint_keeps_policies_off_the_known_failure(tmp_path: Path) -> None:
    write_bundle(tmp_path / "b", "package lib\nimport rego.v1\nf(x) := x\n")
    (tmp_path / "b" / "q.rego").write_text("package q\nimport rego.v1\nimport data.lib\n\ny := lib.f(1)\n")
    with pytest.raises(BadInput) as info:
        bundle_mod.load(tmp_path / "b")
    assert info.value.line == 5 and info.value.path.endswith("q.rego") and "data.lib.f" in info.value.message


def test_lint_rejects_a_comprehension_in_the_head_of_a_rule_with_a_body(tmp_path: Path) -> None:
    write_bundle(tmp_path / "b", "package p\nimport rego.v1\n\nok := y if {\n\ty := [n | some n in [1]]\n}\n\n"
                                 "bad := [n |\n\tsome n in [1]\n] if input.go\n")
    with pytest.raises(BadInput) as info:
        bundle_mod.load(tmp_path / "b")
    assert info.value.line == 8 and "bind it in the body" in info.value.message


def test_empty_bundle_denies(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    decision = decide_mod.decide(EmbeddedEngine(), bundle_mod.load(tmp_path / "empty"), MINIMAL_INPUT)
    assert not decision.allow and [e.rule for e in decision.deny] == ["gatecheck.policy.empty"]
    assert decision.policy_digest and decision.policy_digest.startswith("sha256:")


def test_engine_error_denies(tmp_path: Path) -> None:
    b = bundle_mod.load(write_bundle(tmp_path / "b", "package gatecheck\nimport rego.v1\ndecision = {\"allow\": true} if true\n"
                                                      "decision = {\"allow\": false} if true\n"))
    decision = decide_mod.decide(EmbeddedEngine(), b, MINIMAL_INPUT)
    assert not decision.allow and [e.rule for e in decision.deny] == ["gatecheck.policy.engine_error"]


def test_decision_missing_allow_denies(tmp_path: Path) -> None:
    rego = 'package gatecheck\nimport rego.v1\ndecision := {"deny": [], "warn": [], "waived": []}\n'
    b = bundle_mod.load(write_bundle(tmp_path / "b", rego))
    decision = decide_mod.decide(EmbeddedEngine(), b, MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.malformed"
    assert "allow" in decision.deny[0].message


def test_allow_with_deny_entries_is_malformed(tmp_path: Path) -> None:
    rego = ('package gatecheck\nimport rego.v1\n'
            'decision := {"allow": true, "deny": [{"rule": "r", "message": "m"}], "warn": [], "waived": []}\n')
    decision = decide_mod.decide(EmbeddedEngine(), bundle_mod.load(write_bundle(tmp_path / "b", rego)), MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.malformed"


def test_undefined_decision_denies(tmp_path: Path) -> None:
    b = bundle_mod.load(write_bundle(tmp_path / "b", "package gatecheck\nimport rego.v1\ndecision := 1 if input.nope\n"))
    decision = decide_mod.decide(EmbeddedEngine(), b, MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.undefined"


def test_slow_evaluation_is_a_timeout_and_denies() -> None:
    decision = decide_mod.decide(EmbeddedEngine(EngineSettings(timeout=1e-9)), bundle_mod.load(), MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.timeout"


def test_invalid_input_denies() -> None:
    bad = {**MINIMAL_INPUT, "context": {"stage": "nowhere", "now_ns": 1}}
    decision = decide_mod.decide(EmbeddedEngine(), bundle_mod.load(), bad)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.invalid_input"


class LyingEngine(EmbeddedEngine):
    """A real embedded engine that answers one canary wrongly, to prove the self-test refuses it."""

    name = "lying"

    def evaluate(self, bundle: bundle_mod.Bundle, query: str, input: Any) -> QueryResult:
        result = super().evaluate(bundle, query, input)
        if bundle.source == "case semver.compare":
            return QueryResult(True, [1, 0, 1])
        return result


def test_self_test_refuses_an_engine_that_fails_a_canary() -> None:
    assert any(c.id == "semver.compare" for c in selftest.canaries())
    decision = decide_mod.decide(LyingEngine(), bundle_mod.load(), MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.engine_selftest"
    assert "semver.compare" in decision.deny[0].message


def test_rego_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    b = bundle_mod.load(write_bundle(tmp_path / "b", "package gatecheck\nimport rego.v1\n\ndecision := := 1\n"))
    with pytest.raises(BadInput) as info:
        decide_mod.decide(EmbeddedEngine(), b, MINIMAL_INPUT)
    assert info.value.path.endswith("p.rego") and info.value.line == 4


def test_digest_is_canonical_and_covers_every_file(tmp_path: Path) -> None:
    src = bundle_mod.default_path()
    copy = tmp_path / "copy"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    assert bundle_mod.load(copy).digest == bundle_mod.load().digest
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(copy.rglob("*")):
            tar.add(path, arcname=path.relative_to(copy).as_posix(), recursive=False)
    assert bundle_mod.load(archive).digest == bundle_mod.load().digest
    test_file = copy / "gatecheck" / "decision_test.rego"
    test_file.write_text(test_file.read_text() + "\n# changed\n")
    assert bundle_mod.load(copy).digest != bundle_mod.load().digest
    assert bundle_mod.load().with_data({"severity": {"threshold": "low"}}).digest != bundle_mod.load().digest


def test_bundled_rego_unit_tests_pass() -> None:
    results = regotest.run(EmbeddedEngine(), bundle_mod.load())
    assert len(results) >= 15
    assert all(r.passed for r in results), [(r.query, r.detail) for r in results if not r.passed]


def test_policy_test_command_reports_a_failing_test(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    b = write_bundle(tmp_path / "b", "package p\nimport rego.v1\nx := 1\n")
    (b / "p_test.rego").write_text("package p_test\nimport rego.v1\ntest_ok if data.p.x == 1\ntest_bad if data.p.x == 2\n")
    result = cli("policy", "test", str(b), "-v")
    assert result.exit_code == 1
    assert "PASS data.p_test.test_ok" in result.stdout and "FAIL data.p_test.test_bad" in result.stdout
    assert "1/2 passed" in result.stdout


# --- OPA backend ----------------------------------------------------------------------------


def _example_results(example_copy: Path) -> Any:
    return run_gate(load_config(example_copy), Plugins(), GateOptions(only=["sarif"], use_cache=False))


def test_opa_double_and_embedded_decide_identically_on_the_example(example_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example_copy / "gatecheck.waivers.toml").write_text(
        '[[waivers]]\nid = "W1"\nreason = "reviewed"\nowner = "web"\nexpires = 2099-01-01\n'
        'match = { rule = "ESLint/no-eval", path = "static/**" }\n')
    config_file = example_copy / "gatecheck.toml"
    config_file.write_text(config_file.read_text() + "\n[waivers]\nmax_days = 36500\n")
    embedded = _example_results(example_copy)
    with OpaRestDouble(token="s3cret") as opa:
        monkeypatch.setenv("GATECHECK_OPA_URL", opa.url)
        monkeypatch.setenv("OPA_TOKEN", "s3cret")
        # The token's variable is the operator's to name: a configuration outside the tree, with its waivers.
        operator = example_copy.parent / "operator"
        operator.mkdir()
        (operator / "gatecheck.waivers.toml").write_text((example_copy / "gatecheck.waivers.toml").read_text())
        (operator / "gatecheck.toml").write_text((example_copy / "gatecheck.toml").read_text()
                                                 + '\n[policy]\nengine = "opa"\nopa_token_env = "OPA_TOKEN"\n')
        remote = run_gate(load_config(example_copy, operator / "gatecheck.toml"), Plugins(),
                          GateOptions(only=["sarif"], use_cache=False))
        assert ("POST", "/v1/data/gatecheck/decision") in opa.requests
        assert any(path.startswith("/v1/policies/gatecheck/") for method, path in opa.requests if method == "PUT")
    a, b = embedded.decision.to_dict(), remote.decision.to_dict()
    assert a.pop("engine").startswith("embedded") and b.pop("engine").startswith("opa")
    assert a == b
    assert a["allow"] is True and a["deny"] == [] and a["waived"][0]["waiver_id"] == "W1"


def test_opa_undefined_result_denies() -> None:
    with OpaRestDouble() as opa:
        engine = OpaEngine(EngineSettings(timeout=10), opa.url)
        b = bundle_mod.Bundle("t", {"p.rego": "package gatecheck\nimport rego.v1\ndecision := 1 if input.nope\n"},
                              files=(("p.rego", "x"),), digest="sha256:" + "0" * 64)
        assert engine.evaluate(b, "data.gatecheck.decision", {}).defined is False
        decision = decide_mod.decide(engine, b, MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.undefined"


def test_opa_error_body_denies_with_its_message() -> None:
    with OpaRestDouble() as opa:
        engine = OpaEngine(EngineSettings(timeout=10), opa.url)
        opa.fail_next_query = "eval_conflict_error: complete rules must not produce multiple outputs"
        decision = decide_mod.decide(engine, bundle_mod.load(), MINIMAL_INPUT, self_test=False)
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.engine_error"
    assert "internal_error" in decision.deny[0].message and "multiple outputs" in decision.deny[0].message


def test_opa_unreachable_denies() -> None:
    with OpaRestDouble() as opa:
        url = opa.url
    decision = decide_mod.decide(OpaEngine(EngineSettings(timeout=2), url), bundle_mod.load(), MINIMAL_INPUT)
    assert not decision.allow and decision.deny[0].rule in ("gatecheck.policy.engine_error", "gatecheck.policy.engine_selftest")


def test_opa_compile_error_is_bad_input_with_line(tmp_path: Path) -> None:
    b = bundle_mod.load(write_bundle(tmp_path / "b", "package gatecheck\nimport rego.v1\n\ndecision := := 1\n"))
    with OpaRestDouble() as opa, pytest.raises(BadInput) as info:
        OpaEngine(EngineSettings(timeout=10), opa.url).evaluate(b, "data.gatecheck.decision", {})
    assert info.value.line == 4 and info.value.path.endswith("p.rego")


def test_opa_stale_policies_are_removed() -> None:
    with OpaRestDouble() as opa:
        opa.policies["gatecheck/old.rego"] = "package gatecheck\nimport rego.v1\ndecision := 1\n"
        opa.policies["someone-else"] = "package other\nimport rego.v1\nx := 1\n"
        engine = OpaEngine(EngineSettings(timeout=10), opa.url)
        decision = decide_mod.decide(engine, bundle_mod.load(), MINIMAL_INPUT)
        assert "gatecheck/old.rego" not in opa.policies and "someone-else" in opa.policies
    assert decision.allow is True and [e.rule for e in decision.warn] == ["gatecheck.sbom_missing"]


def test_opa_engine_starts_a_local_server_when_opa_is_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A test double of the `opa` binary: a script that serves OpaRestDouble on the --addr it is given.
    helpers = Path(__file__).resolve().parents[1] / "helpers"
    fake = tmp_path / "bin" / "opa"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(helpers)!r})\n"
                    "import opa_rest_double\nopa_rest_double.main(sys.argv[1:])\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(OpaProvider, "_local", None)
    engine = OpaProvider().create(EngineSettings(timeout=10))
    try:
        local = OpaProvider._local
        assert local is not None and engine.url == local.url and local.url.startswith("http://127.0.0.1:")
        a = decide_mod.decide(engine, bundle_mod.load(), MINIMAL_INPUT).to_dict()
        b = decide_mod.decide(EmbeddedEngine(), bundle_mod.load(), MINIMAL_INPUT).to_dict()
        assert a.pop("engine").startswith("opa") and b.pop("engine").startswith("embedded") and a == b
    finally:
        engine.close()
        if OpaProvider._local is not None:
            OpaProvider._local.stop()
    assert OpaProvider._local.process.poll() is not None


def test_opa_engine_without_url_or_binary_denies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(OpaProvider, "_local", None)
    from gatecheck.policy import EngineError

    with pytest.raises(EngineError, match="opa_url"):
        OpaProvider().create(EngineSettings())


def test_real_opa_binary_matches_embedded() -> None:
    binary = shutil.which("opa")
    if binary is None:
        pytest.skip("no `opa` binary on PATH (install OPA to run the OPA engine against a real server)")
    engine = OpaProvider().create(EngineSettings(timeout=30))
    outcomes = cases_mod.run_all(engine, cases_mod.load())
    assert all(o.passed for o in outcomes), [(o.case.id, o.got) for o in outcomes if not o.passed]
    inp = json.loads(json.dumps(MINIMAL_INPUT))
    a = decide_mod.decide(engine, bundle_mod.load(), inp).to_dict()
    b = decide_mod.decide(EmbeddedEngine(), bundle_mod.load(), inp).to_dict()
    a.pop("engine"), b.pop("engine")
    assert a == b


def test_engines_are_registered_through_the_hook() -> None:
    from gatecheck.hookspecs import hookimpl

    class EchoProvider:
        """A third-party engine: the embedded one under another name, to prove the hook is used."""

        name = "echo"
        description = "embedded, renamed"

        def create(self, settings: EngineSettings) -> EmbeddedEngine:
            engine = EmbeddedEngine(settings)
            engine.name = "echo"
            return engine

    class Plugin:
        @staticmethod
        @hookimpl
        def gatecheck_policy_engines() -> list[Any]:
            return [EchoProvider()]

    plugins = Plugins(load_entry_points=False, extra=[Plugin()])
    assert sorted(plugins.policy_engines()) == ["echo", "embedded", "opa"]
    from gatecheck.policy import create_engine

    engine = create_engine("echo", EngineSettings(), plugins)
    decision = decide_mod.decide(engine, bundle_mod.load(), MINIMAL_INPUT)
    assert decision.engine.startswith("echo") and decision.allow is True
    with pytest.raises(BadInput):
        create_engine("nope", EngineSettings(), plugins)


def test_finding_of_an_unlisted_check_is_invalid_input() -> None:
    finding = {"id": "0" * 32, "check": "ghost", "rule_id": "r", "title": "t", "severity": "high"}
    decision = decide_mod.decide(EmbeddedEngine(), bundle_mod.load(), {**MINIMAL_INPUT, "findings": [finding]})
    assert not decision.allow and decision.deny[0].rule == "gatecheck.policy.invalid_input"
    assert "ghost" in decision.deny[0].message


def test_run_options_policy_engine_waivers(cli, example_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    custom = write_bundle(tmp_path / "custom", 'package gatecheck\nimport rego.v1\n'
                          'decision := {"allow": true, "deny": [], "warn": [], "waived": []}\n')
    archive = tmp_path / "custom.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(custom / "p.rego", arcname="p.rego")
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "--policy", str(archive))
    doc = json.loads(result.stdout)
    # The example sets [run] fail_on = "high": that is policy data, so the digest covers it.
    expected = bundle_mod.load(archive).with_data({"severity": {"stages": {"ci": "high"}}}).digest
    assert result.exit_code == 0 and doc["decision"]["policy_digest"] == expected != bundle_mod.load(archive).digest
    assert cli("run", str(example_copy), "--check", "sarif", "-q", "--engine", "nope").exit_code == 2
    missing = cli("run", str(example_copy), "--check", "sarif", "-q", "--waivers", str(tmp_path / "none.toml"))
    assert missing.exit_code == 2 and "none.toml" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "--policy", str(tmp_path / "empty"))
    assert empty.exit_code == 1 and json.loads(empty.stdout)["decision"]["deny"][0]["rule"] == "gatecheck.policy.empty"
