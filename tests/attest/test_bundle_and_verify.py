"""Bundles written from a gate report, subjects, and the verifier as a library (several verdicts)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import gatecheck
from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, CYCLONEDX_PREDICATE_TYPE, VSA_PREDICATE_TYPE, bundle
from gatecheck.attest.bundle import EMPTY_POLICY_DIGEST, RunAttestation
from gatecheck.attest.dsse import parse_envelope
from gatecheck.attest.statement import parse_statement
from gatecheck.attest.subjects import dir_hash, resolve
from gatecheck.attest.verify import VerifyOptions, verify_entries
from gatecheck.errors import BadInput
from gatecheck.model import Artifact, CheckResult, Decision, DecisionEntry, Finding, Tool
from gatecheck.reports import Report
from gatecheck_plugins.signing.signers import KeySigner

NOW = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
SBOM = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "library", "name": "flask", "version": "2.0.0"}]}


def make_report(allow: bool = True, policy_digest: str | None = "sha256:" + "c" * 64, stage: str = "deploy") -> Report:
    results = [
        CheckResult(check="sca", tool=Tool("osv", "1"), findings=[
            Finding(id="f1", check="sca", rule_id="GHSA-x", title="vulnerable flask", severity="high")]),
        CheckResult(check="sbom", tool=Tool("cyclonedx", "7"), artifacts=[
            Artifact(name="sbom.cdx.json", media_type="application/vnd.cyclonedx+json", content=SBOM)]),
        CheckResult(check="secrets", tool=Tool("gatecheck-secrets", "1")),
        CheckResult.failed("sast", "error", "semgrep crashed"),
    ]
    deny = [] if allow else [DecisionEntry(rule="no-high", message="high finding", finding_id="f1")]
    decision = Decision(allow=allow, deny=deny, engine="embedded (regorus 0.9)", policy_digest=policy_digest)
    return Report(results=results, decision=decision, stage=stage, root=Path("."), gatecheck_version="0.1.0",
                  exit_code=0 if allow else 1)


def entries(lines: list[bytes], name: str = "b.intoto.jsonl") -> list[tuple[str, bytes]]:
    return [(f"{name}:{i}", line) for i, line in enumerate(lines, 1)]


def options(public, **kw) -> VerifyOptions:
    kw.setdefault("now", NOW + timedelta(minutes=10))
    return VerifyOptions(keys=[public("ed25519-a")], **kw)


@pytest.fixture
def signer(private):
    return KeySigner(private("ed25519-a"))


@pytest.fixture
def subject(tmp_path: Path):
    artifact = tmp_path / "app.whl"
    artifact.write_bytes(b"wheel bytes")
    return resolve(str(artifact))


def test_bundle_has_one_statement_per_result_the_sbom_and_a_complete_vsa(signer, subject, public) -> None:
    lines = bundle.build(make_report(), [subject], signer, bundle_name="gate.intoto.jsonl", now=NOW)
    assert len(lines) == 6  # four check results, one SBOM, the VSA
    statements = [parse_statement(parse_envelope(line).payload) for line in lines]
    assert [s.predicate_type for s in statements] == [CHECK_RESULT_PREDICATE_TYPE] * 4 + [
        CYCLONEDX_PREDICATE_TYPE, VSA_PREDICATE_TYPE]
    assert [s.predicate["check"] for s in statements[:4]] == ["sca", "sbom", "secrets", "sast"]
    assert statements[3].predicate["status"] == "error"
    assert statements[4].predicate == SBOM
    assert "content" not in statements[1].predicate["artifacts"][0]  # the SBOM is its own statement
    for st in statements:
        assert st.subject[0].digest == {"sha256": hashlib.sha256(b"wheel bytes").hexdigest()}
    vsa = statements[-1].predicate
    for field in ("verifier", "timeVerified", "resourceUri", "policy", "inputAttestations", "verificationResult",
                  "verifiedLevels"):
        assert field in vsa
    assert vsa["verifier"]["id"] == "https://gatecheck.dev/verifier"
    assert vsa["timeVerified"] == "2026-03-01T09:00:00.000000Z"
    assert vsa["resourceUri"] == subject.resource_uri and vsa["resourceUri"].startswith("file:///")
    assert vsa["resourceUri"].endswith("/app.whl")
    assert vsa["verifier"]["version"] == {"gatecheck": gatecheck.__version__}
    assert vsa["policy"] == {"uri": "https://gatecheck.dev/policy/embedded", "digest": {"sha256": "c" * 64}}
    names = ["check-result sca", "check-result sbom", "check-result secrets", "check-result sast", "sbom"]
    assert vsa["inputAttestations"] == [
        {"uri": f"gate.intoto.jsonl#{i}", "digest": {"sha256": hashlib.sha256(line).hexdigest()}, "name": name}
        for (i, line), name in zip(enumerate(lines[:-1], 1), names, strict=True)]
    assert vsa["verificationResult"] == "PASSED" and vsa["verifiedLevels"] == ["GATECHECK_STAGE_DEPLOY"]
    result = verify_entries(subject.subject.digest, entries(lines), options(public, policy_digest="c" * 64,
                                                                                stage="deploy",
                                                                                require_checks=["sca", "secrets"]))
    assert result.ok, result.reasons
    sast = verify_entries(subject.subject.digest, entries(lines), options(public, require_checks=["sast"]))
    assert sast.reason == "CHECK_NOT_OK"


def test_denied_run_writes_a_signed_failed_verdict_only_when_asked(tmp_path: Path, signer, subject, public) -> None:
    target = tmp_path / "out" / "gate.intoto.jsonl"
    quiet = RunAttestation(target, [subject], signer, verifier_id="https://ci.example/gate", attest_failed=False)
    assert "no attestation written" in quiet.write(make_report(allow=False))
    assert not target.exists()
    loud = RunAttestation(target, [subject], signer, verifier_id="https://ci.example/gate", attest_failed=True)
    assert "verdict FAILED" in loud.write(make_report(allow=False))
    lines = target.read_bytes().splitlines()
    vsa = parse_statement(parse_envelope(lines[-1]).payload).predicate
    assert vsa["verificationResult"] == "FAILED" and vsa["verifiedLevels"] == ["FAILED"]
    result = verify_entries(subject.subject.digest, entries(lines),
                            options(public, verifier_id="https://ci.example/gate", now=datetime.now(UTC)))
    assert result.reason == "RESULT_FAILED"


def test_missing_policy_digest_records_the_empty_listing_digest(signer, subject) -> None:
    lines = bundle.build(make_report(policy_digest=None), [subject], signer, now=NOW)
    vsa = parse_statement(parse_envelope(lines[-1]).payload).predicate
    assert vsa["policy"]["digest"] == {"sha256": EMPTY_POLICY_DIGEST} == {"sha256": hashlib.sha256(b"").hexdigest()}


def test_prepare_checks_the_options_before_the_run(keys_dir: Path) -> None:
    from gatecheck.plugin_manager import Plugins

    plugins = Plugins()
    key = f"file:{keys_dir / 'ed25519-a.pem'}"
    assert RunAttestation.prepare(None, (), (), verifier_id="v", attest_failed=False, plugins=plugins) is None
    with pytest.raises(BadInput, match="--subject"):
        RunAttestation.prepare(Path("b.jsonl"), (), (key,), verifier_id="v", attest_failed=False, plugins=plugins)
    with pytest.raises(BadInput, match="--key"):
        RunAttestation.prepare(Path("b.jsonl"), ("sha256:" + "a" * 64,), (), verifier_id="v", attest_failed=False,
                               plugins=plugins)
    with pytest.raises(BadInput, match="only make sense with --attest"):
        RunAttestation.prepare(None, ("x",), (), verifier_id="v", attest_failed=False, plugins=plugins)
    with pytest.raises(BadInput, match="subject not found"):
        RunAttestation.prepare(Path("b.jsonl"), ("no/such/file",), (key,), verifier_id="v", attest_failed=False,
                               plugins=plugins)


def test_several_verdicts_freshest_passing_counts_newer_failed_wins(signer, subject, public) -> None:
    digest = subject.subject.digest
    old_pass = bundle.build(make_report(), [subject], signer, now=NOW - timedelta(hours=3))
    new_pass = bundle.build(make_report(), [subject], signer, now=NOW - timedelta(hours=1))
    newer_fail = bundle.build(make_report(allow=False), [subject], signer, now=NOW)
    other_policy_fail = bundle.build(make_report(allow=False, policy_digest="d" * 64), [subject], signer, now=NOW)
    opts = options(public, max_age=timedelta(hours=2))
    both = verify_entries(digest, entries(old_pass, "old") + entries(new_pass, "new"), opts)
    assert both.ok and both.chosen is not None and both.chosen.record.source.startswith("new")
    assert len(both.verdicts) == 2 and sum(not v.reasons for v in both.verdicts) == 1  # old one is EXPIRED
    superseded = verify_entries(digest, entries(new_pass, "new") + entries(newer_fail, "fail"), opts)
    assert not superseded.ok and superseded.reason == "RESULT_FAILED"
    assert "supersedes" in superseded.reasons[0].message
    unrelated = verify_entries(digest, entries(new_pass, "new") + entries(other_policy_fail, "other"), opts)
    assert unrelated.ok
    failed_then_passed = verify_entries(digest, entries(newer_fail, "f") + entries(
        bundle.build(make_report(), [subject], signer, now=NOW + timedelta(minutes=5)), "p"), opts)
    assert failed_then_passed.ok


def test_malformed_line_fails_even_next_to_a_passing_verdict(signer, subject, public) -> None:
    lines = bundle.build(make_report(), [subject], signer, now=NOW)
    result = verify_entries(subject.subject.digest, entries([*lines, b'{"payload": "trunc']), options(public))
    assert not result.ok and result.reason == "MALFORMED"
    assert result.reasons[0].source == "b.intoto.jsonl:7"


def test_foreign_envelopes_are_warnings_not_failures(signer, subject, public, private) -> None:
    lines = bundle.build(make_report(), [subject], signer, now=NOW)
    foreign = bundle.build(make_report(), [subject], KeySigner(private("untrusted")), now=NOW)
    result = verify_entries(subject.subject.digest, entries(lines + foreign), options(public))
    assert result.ok
    assert {w.code for w in result.warnings} == {"UNTRUSTED_KEY"} and len(result.warnings) == 6


def test_bad_options_are_bad_input(public) -> None:
    with pytest.raises(BadInput, match="threshold 2"):
        verify_entries({"sha256": "a" * 64}, [], options(public, threshold=2))
    with pytest.raises(BadInput, match="at least one trusted public key"):
        verify_entries({"sha256": "a" * 64}, [], VerifyOptions(keys=[]))


def test_directory_digest_equals_the_documented_shell_pipeline(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    (root / "sub dir").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "B.txt").write_bytes(b"beta")
    (root / "sub dir" / "c.bin").write_bytes(bytes(range(256)))
    (root / "empty").mkdir()
    (root / "link").symlink_to(root / "a.txt")
    if shutil.which("sha256sum") is None:
        pytest.fail("sha256sum (coreutils) is needed for this test")
    shell = subprocess.run(
        "find . -type f | cut -c3- | LC_ALL=C sort | xargs -r -d '\\n' sha256sum | sha256sum | cut -f1 -d' '",
        shell=True, cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    assert dir_hash(root) == shell
    before = dir_hash(root)
    (root / "sub dir" / "c.bin").write_bytes(b"changed")
    assert dir_hash(root) != before
    assert resolve(str(root)).subject.digest == {"dirHash": dir_hash(root)}


def test_subject_forms() -> None:
    hexval = "AB" * 32
    oci = resolve(f"registry.example.com/team/app@sha256:{hexval}")
    assert oci.subject.name == "registry.example.com/team/app"
    assert oci.subject.digest == {"sha256": hexval.lower()}
    # An absolute URI, the image's purl (purl's oci type), as SLSA's resourceUri wants.
    assert oci.resource_uri == (f"pkg:oci/app@sha256:{hexval.lower()}"
                                "?repository_url=registry.example.com/team/app")
    tagged = resolve(f"localhost:5000/team/App:1.2@sha256:{hexval}")
    assert tagged.resource_uri == (f"pkg:oci/app@sha256:{hexval.lower()}"
                                   "?repository_url=localhost:5000/team/App&tag=1.2")
    assert resolve(f"sha256:{hexval}").resource_uri == f"urn:sha256:{hexval.lower()}"
    assert resolve(f"sha256:{hexval}").subject.digest == {"sha256": hexval.lower()}
    with pytest.raises(BadInput):
        resolve("sha256:abc")


def test_cli_run_attest_then_verify(tmp_path: Path, run_cli, keys_dir: Path) -> None:
    """The real `gatecheck run --attest` on the example project, then `gatecheck verify` on its bundle."""
    project = Path(__file__).resolve().parents[2] / "examples" / "webapp"
    artifact = tmp_path / "app.tar"
    artifact.write_bytes(b"release artifact")
    out = tmp_path / "gate.intoto.jsonl"
    key = f"file:{keys_dir / 'ed25519-a.pem'}"
    code, text = run_cli(["run", str(project), "-q", "--check", "sarif", "--no-cache", "-f", "json", "-o",
                          str(tmp_path / "r.json"), "--attest", str(out), "--subject", str(artifact), "--key", key])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == report["exit_code"] == 1, text  # the example project is meant to be denied
    assert not out.exists() and "--attest-failed" in text
    code, text = run_cli(["run", str(project), "-q", "--check", "sarif", "--no-cache", "-f", "json", "-o",
                          str(tmp_path / "r.json"), "--attest", str(out), "--subject", str(artifact), "--key", key,
                          "--attest-failed", "--stage", "deploy"])
    assert code == 1 and out.exists(), text
    lines = out.read_bytes().splitlines()
    vsa = json.loads(base64.b64decode(json.loads(lines[-1])["payload"]))
    assert vsa["predicate"]["verificationResult"] == "FAILED"
    assert len(vsa["predicate"]["inputAttestations"]) == len(lines) - 1
    code, text = run_cli(["verify", str(artifact), "--bundle", str(out), "--key", str(keys_dir / "ed25519-a.pub"),
                          "--format", "json"])
    doc = json.loads(text)
    assert code == 1 and doc["reason"] == "RESULT_FAILED"
    code, text = run_cli(["verify", str(artifact), "--bundle", str(out), "--key", str(keys_dir / "ed25519-b.pub")])
    assert code == 1 and "UNTRUSTED_KEY" in text
    artifact.write_bytes(b"another artifact")
    code, text = run_cli(["verify", str(artifact), "--bundle", str(out), "--key", str(keys_dir / "ed25519-a.pub")])
    assert code == 1 and "SUBJECT_MISMATCH" in text
    code, text = run_cli(["verify", str(tmp_path / "missing"), "--bundle", str(out), "--key",
                          str(keys_dir / "ed25519-a.pub")])
    assert code == 2 and "subject not found" in text


def clean_project(tmp_path: Path) -> Path:
    """A project whose one SARIF report has no result: the sarif check runs (status ok) and finds nothing."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "lint.sarif").write_text(json.dumps({
        "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "lint", "version": "1"}}, "results": []}]}))
    return project


def test_cli_passing_run_verifies(tmp_path: Path, run_cli, keys_dir: Path) -> None:
    project = clean_project(tmp_path)
    out = tmp_path / "pass.intoto.jsonl"
    image = "registry.example.com/app@sha256:" + "e" * 64
    code, text = run_cli(["run", str(project), "-q", "--check", "sarif", "--no-cache", "--attest", str(out),
                          "--subject", image, "--key", f"file:{keys_dir / 'ecdsa-p256-a.pem'}",
                          "--verifier-id", "https://ci.example.com/gatecheck"])
    assert code == 0 and "verdict PASSED" in text, text
    pub = str(keys_dir / "ecdsa-p256-a.pub")
    code, text = run_cli(["verify", image, "--bundle", str(out), "--key", pub, "--verifier-id",
                          "https://ci.example.com/gatecheck", "--stage", "ci", "--max-age", "1h"])
    assert code == 0 and text.startswith("PASS"), text
    code, text = run_cli(["verify", image, "--bundle", str(out), "--key", pub])  # default verifier id differs
    assert code == 1 and "VERIFIER_MISMATCH" in text
    code, text = run_cli(["verify", image, "--bundle", str(out), "--key", pub, "--verifier-id",
                          "https://ci.example.com/gatecheck", "--require-check", "sarif"])
    assert code == 0, text
    code, text = run_cli(["verify", image, "--bundle", str(out), "--key", pub, "--verifier-id",
                          "https://ci.example.com/gatecheck", "--require-check", "sca"])
    assert code == 1 and "CHECK_MISSING" in text  # sca did not run in this gate
    code, text = run_cli(["verify", image, "--bundle", str(out), "--key", pub, "--verifier-id",
                          "https://ci.example.com/gatecheck", "--at", "2099-01-01T00:00:00Z"])
    assert code == 1 and "EXPIRED" in text
    code, text = run_cli(["verify", image, "--bundle", str(out), "--key", pub, "--max-age", "soon"])
    assert code == 2 and "not a duration" in text


def test_cli_two_signing_keys_meet_a_threshold_of_two(tmp_path: Path, run_cli, keys_dir: Path) -> None:
    project = clean_project(tmp_path)
    out = tmp_path / "two.intoto.jsonl"
    subject = "sha256:" + "7" * 64
    code, text = run_cli(["run", str(project), "-q", "--check", "sarif", "--no-cache", "--attest", str(out),
                          "--subject", subject, "--key", f"file:{keys_dir / 'ed25519-a.pem'}",
                          "--key", f"file:{keys_dir / 'ecdsa-p256-a.pem'}"])
    assert code == 0, text
    both = ["--key", str(keys_dir / "ed25519-a.pub"), "--key", str(keys_dir / "ecdsa-p256-a.pub")]
    code, text = run_cli(["verify", subject, "--bundle", str(out), *both, "--threshold", "2"])
    assert code == 0, text
    code, text = run_cli(["verify", subject, "--bundle", str(out), "--key", str(keys_dir / "ed25519-a.pub"),
                          "--key", str(keys_dir / "ed25519-b.pub"), "--threshold", "2"])
    assert code == 1 and "THRESHOLD_NOT_MET" in text
    code, text = run_cli(["verify", subject, "--bundle", str(out), *both, "--threshold", "3"])
    assert code == 2 and "threshold 3" in text
    code, text = run_cli(["run", str(project), "-q", "--check", "sarif", "--attest", str(out), "--subject", subject,
                          "--key", f"file:{keys_dir / 'ed25519-a.pem'}", "--key", f"file:{keys_dir / 'ed25519-a.pem'}"])
    assert code == 2 and "same key is given twice" in text


def test_verdict_carries_the_decision_and_the_applied_waivers(signer, subject) -> None:
    from gatecheck.attest.vsa import DECISION_FIELD, WAIVERS_FIELD

    report = make_report(allow=False)
    report.decision.waived.append(DecisionEntry(rule="waived", message="accepted", finding_id="f2", waiver_id="w-1"))
    report.applied_waivers = [{"id": "w-1", "expires": "2027-01-01", "owner": "ops", "reason": "vendor fix due",
                               "ticket": "OPS-1"}]
    lines = bundle.build(report, [subject], signer)
    vsa = parse_statement(parse_envelope(lines[-1]).payload).predicate
    decision = vsa[DECISION_FIELD]
    assert decision["allow"] is False and decision["deny_count"] == 1
    assert [e["rule"] for e in decision["deny"]] == ["no-high"]
    assert decision["waived"][0]["waiver_id"] == "w-1"
    assert vsa[WAIVERS_FIELD] == report.applied_waivers
