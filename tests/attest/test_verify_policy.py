"""A Rego policy at verify time: the input it sees, how it fails closed, the example policy, and serve --policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gatecheck.attest.policy import VerifyPolicy
from gatecheck.attest.verify import VerifyOptions, verify_entries
from gatecheck.errors import BadInput
from gatecheck_conformance.verifier import foreign, generate

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "verify-policy"
NOW = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
PROVENANCE = "https://slsa.dev/provenance/v1"
VSA = "https://slsa.dev/verification_summary/v1"


def write_policy(directory: Path, rego: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "verify.rego").write_text("package gatecheck.verify\n\nimport rego.v1\n\n" + rego)
    return directory


def evidence(keys, *, builder: str = foreign.TRUSTED_BUILDER, extra: list[bytes] = ()) -> list[tuple[str, bytes]]:
    """A provenance bundle by the builder's key, gatecheck's six attestations, and whatever ``extra`` adds."""
    prov = foreign.provenance_bundle(keys, foreign.provenance(builder=builder))
    gate = generate.bundle_lines(generate.Spec(), keys)
    return ([("provenance.sigstore.json:1", prov)] + [(f"gate.intoto.jsonl:{i}", x) for i, x in enumerate(gate, 1)]
            + [(f"extra:{i}", x) for i, x in enumerate(extra, 1)])


def judge(policy: Path, entries, public, **kw):
    options = VerifyOptions(keys=[public("ed25519-a"), public("ecdsa-p256-a")], now=NOW,
                            policy=VerifyPolicy.load(policy), **kw)
    return verify_entries({"sha256": generate.ARTIFACT}, entries, options)


def test_the_policy_sees_every_verified_statement_with_facts_computed_for_it(tmp_path: Path, public) -> None:
    """A policy that hands its whole input back as a deny message: what Rego sees, through the real engine."""
    echo = write_policy(tmp_path / "echo", 'decision := {"allow": false, "deny": [{"rule": "echo", '
                                           '"message": json.marshal(input)}]}\n')
    keys = generate.load_keys()
    untrusted = generate.bundle_lines(generate.Spec(signers=["untrusted"]), keys)[:1]
    result = judge(echo, evidence(keys, extra=untrusted), public)
    assert result.reason == "POLICY_DENIED"
    seen = json.loads(result.reasons[0].message.removeprefix("echo: "))
    from gatecheck import validation

    assert validation.first_error("verify-policy-input", seen) is None
    assert seen["artifact"] == {"digest": {"sha256": generate.ARTIFACT}}
    assert seen["context"]["now_ns"] == 1767272400 * 10**9 and seen["context"]["max_age_ns"] == 24 * 3600 * 10**9
    assert sorted(seen["context"]["trusted_keys"]) == sorted([public("ed25519-a").keyid, public("ecdsa-p256-a").keyid])
    assert [s["predicateType"] for s in seen["statements"]] == [PROVENANCE] + [
        "https://gatecheck.dev/attestation/check-result/v1"] * 4 + ["https://cyclonedx.org/bom",
                                                                    "https://slsa.dev/verification_summary/v1"]
    assert seen["statements"][0]["format"] == "sigstore" and seen["statements"][1]["format"] == "dsse"
    assert seen["statements"][0]["signers"] == [public("ecdsa-p256-a").keyid]
    [prov] = seen["provenance"]
    assert prov["builder"]["id"] == foreign.TRUSTED_BUILDER and prov["source_repository"] == foreign.TRUSTED_REPOSITORY
    [verdict] = seen["verdicts"]
    assert verdict["passes"] and verdict["chosen"] and verdict["age_ns"] == 3600 * 10**9
    assert all(i["present"] and i["verified"] for i in verdict["inputs"]) and len(verdict["inputs"]) == 5
    assert set(seen["checks"]) == set(generate.CHECKS) and seen["checks"]["sca"]["status"] == "ok"
    assert seen["sboms"][0]["components"][0]["name"] == "requests"
    assert [u["code"] for u in seen["unverified"]] == ["UNTRUSTED_KEY"]


@pytest.mark.parametrize(("rego", "message"), [
    ('other := 1\n', "is undefined"),
    ('decision := {"allow": "yes", "deny": []}\n', "is malformed"),
    ('decision := {"allow": true, "deny": [{"rule": "r", "message": "m"}]}\n', "allows while listing 1 deny entry"),
    ('decision := {"allow": true, "deny": []} if input.artifact\n'
     'decision := {"allow": false, "deny": []} if input.context\n', "failed"),
])
def test_a_policy_that_does_not_decide_is_a_policy_error_never_a_pass(tmp_path: Path, public, rego: str,
                                                                     message: str) -> None:
    keys = generate.load_keys()
    result = judge(write_policy(tmp_path / "p", rego), evidence(keys), public)
    assert not result.ok and result.reason == "POLICY_ERROR", result.reasons
    assert message in result.reasons[0].message
    assert result.policy is not None and result.policy["allow"] is False and result.policy["error"]


def test_unusable_policies_are_bad_input_before_anything_is_verified(tmp_path: Path, run_cli, keys_dir: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BadInput, match="no Rego module"):
        VerifyPolicy.load(empty)
    broken = write_policy(tmp_path / "broken", "decision := {\n")
    with pytest.raises(BadInput) as info:
        VerifyPolicy.load(broken)
    assert info.value.path is not None and info.value.path.endswith("verify.rego")
    with pytest.raises(BadInput, match="unknown policy engine"):
        VerifyPolicy.load(EXAMPLE, engine="nope")
    code, text = run_cli(["verify", "sha256:" + "a" * 64, "--bundle", str(tmp_path / "x.jsonl"), "--key",
                          str(keys_dir / "ed25519-a.pub"), "--policy", str(broken)])
    assert code == 2 and "verify.rego" in text, text


def test_a_malformed_attestation_is_never_shown_to_the_policy(public) -> None:
    keys = generate.load_keys()
    result = judge(EXAMPLE, evidence(keys, extra=[b'{"payload": "trunc']), public)
    assert result.reason == "MALFORMED"
    assert result.policy is not None and result.policy["evaluated"] is False


def test_the_example_policy_and_its_own_tests(public, run_cli) -> None:
    keys = generate.load_keys()
    allowed = judge(EXAMPLE, evidence(keys), public)
    assert allowed.ok, allowed.reasons
    assert allowed.policy is not None and allowed.policy["digest"].startswith("sha256:")
    denied = judge(EXAMPLE, evidence(keys, builder="https://ci.evil.example/runner"), public)
    assert [r.message.split(":")[0] for r in denied.reasons] == ["verify.untrusted_builder"]
    # --require-predicate still applies beside a policy: the VSA's own rules come first, then the policy's.
    both = judge(EXAMPLE, evidence(keys), public, require_predicates=[VSA], policy_digest=generate.OTHER_POLICY)
    assert [r.code for r in both.reasons] == ["POLICY_MISMATCH", "POLICY_DENIED"]
    assert "verify.gate_missing" in both.reasons[1].message
    code, text = run_cli(["policy", "test", str(EXAMPLE)])
    assert code == 0 and "6/6 passed" in text, text


def test_serve_judges_stored_statements_with_the_same_policy(tmp_path: Path, public, run_cli) -> None:
    from gatecheck.server.decisions import VerdictService, options_fingerprint
    from gatecheck.store import Store

    keys = generate.load_keys()
    fresh = generate.bundle_lines(generate.Spec(time=datetime.now(UTC)), keys)
    trusted = [public("ed25519-a"), public("ecdsa-p256-a")]
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with Store.open(url) as store:
        store.push([(f"gate:{i}", x) for i, x in enumerate(fresh, 1)], VerifyOptions(keys=trusted))
        plain = VerifyOptions(keys=trusted)
        with_policy = VerifyOptions(keys=trusted, policy=VerifyPolicy.load(EXAMPLE))
        assert options_fingerprint(plain) != options_fingerprint(with_policy)
        service = VerdictService(store, with_policy, cache_size=0)
        missing = service.decide(generate.ARTIFACT)
        assert missing.reason == "POLICY_DENIED" and "verify.provenance_missing" in missing.message
        store.push(_provenance(keys, foreign.TRUSTED_BUILDER), VerifyOptions(keys=trusted))
        assert service.decide(generate.ARTIFACT).ok
        store.push(_provenance(keys, "https://ci.evil.example/runner"), VerifyOptions(keys=trusted))
        refused = service.decide(generate.ARTIFACT)
        assert refused.reason == "POLICY_DENIED" and "verify.untrusted_builder" in refused.message
        assert VerdictService(store, plain, cache_size=0).decide(generate.ARTIFACT).ok  # without a policy: today's rule
    code, text = run_cli(["serve", "--store", url, "--key", str(REPO / "conformance/verifier/keys/ed25519-a.pub"),
                          "--insecure-http", "--insecure-no-auth", "--policy", str(tmp_path / "missing")])
    assert code == 2 and "policy bundle not found" in text, text


def _provenance(keys, builder: str) -> list[tuple[str, bytes]]:
    return [(f"provenance-{builder}:1", foreign.provenance_bundle(keys, foreign.provenance(builder=builder)))]


@pytest.mark.parametrize("name", ["verify-policy-input", "verify-decision"])
def test_the_policy_schemas_are_draft_2020_12_and_ship_with_gatecheck(name: str) -> None:
    from importlib import resources

    import jsonschema

    from gatecheck import validation

    schema = validation.load(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert f"{name}.schema.json" in {p.name for p in resources.files("gatecheck.schemas").iterdir()}


def test_the_opa_engine_decides_as_the_embedded_one(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--engine opa` through gatecheck's OPA REST client, against the OPA server test double the policy
    suite uses (no OPA binary can be installed here; the double evaluates with the embedded engine)."""
    from opa_rest_double import OpaRestDouble

    vectors = REPO / "conformance" / "verifier" / "vectors"
    keys = REPO / "conformance" / "verifier" / "keys"
    trusted = ["--key", str(keys / "ed25519-a.pub"), "--key", str(keys / "ecdsa-p256-a.pub")]
    for name, expected in (("provenance-accepted-under-policy", 0), ("provenance-untrusted-builder-refused", 1)):
        files = [arg for f in ("provenance.sigstore.json", "gate.intoto.jsonl") for arg in ("--bundle", str(vectors / name / f))]
        argv = ["verify", f"sha256:{generate.ARTIFACT}", *files, *trusted, "--policy", str(EXAMPLE), "--at",
                generate.JUDGE_AT, "--format", "json"]
        with OpaRestDouble() as opa:
            monkeypatch.setenv("GATECHECK_OPA_URL", opa.url)
            code, text = run_cli([*argv, "--engine", "opa"])
            assert any(path.startswith("/v1/data/gatecheck/verify/decision") for _, path in opa.requests)
        assert code == expected, text
        assert json.loads(text)["policy"]["engine"] == "opa"
        embedded = run_cli(argv)
        assert embedded[0] == expected
        assert json.loads(text)["reasons"] == json.loads(embedded[1])["reasons"]
    monkeypatch.delenv("GATECHECK_OPA_URL")
    monkeypatch.setenv("PATH", str(tmp_path))  # no opa binary to start either
    code, text = run_cli(["verify", f"sha256:{generate.ARTIFACT}", "--bundle", str(tmp_path / "x"), *trusted,
                          "--policy", str(EXAMPLE), "--engine", "opa"])
    assert code == 2 and "GATECHECK_OPA_URL" in text, text
