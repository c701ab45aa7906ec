"""Which verdict counts when several are about one subject, and verdicts that vouch for nothing.

Regression tests for issue 15 item 7: a FAILED verdict in the same second as a PASSED one used
to lose; a FAILED verdict without a stage was ignored when the caller asked about a stage; a
PASSED VSA with no input attestations (a gate that ran no check) verified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, DEFAULT_VERIFIER_ID, PAYLOAD_TYPE, VSA_PREDICATE_TYPE, bundle, dsse, vsa
from gatecheck.attest.keys import PrivateKey, PublicKey
from gatecheck.attest.statement import Statement, Subject, parse_statement
from gatecheck.attest.subjects import resolve
from gatecheck.attest.verify import REASON_CODES, VerifyOptions, verify_entries
from gatecheck.model import CheckResult, Decision, DecisionEntry, Tool
from gatecheck.reports import Report
from gatecheck.timestamps import format_micro, parse_rfc3339
from gatecheck_plugins.signing.signers import KeySigner

NOW = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
SUBJECT = {"sha256": "5" * 64}
POLICY = "c" * 64


def report(allow: bool, stage: str = "deploy") -> Report:
    results = [CheckResult(check="secrets", tool=Tool("gatecheck-secrets", "1"))]
    deny = [] if allow else [DecisionEntry(rule="secrets.leak", message="leaked key", finding_id="f1")]
    return Report(results=results, decision=Decision(allow=allow, deny=deny, engine="embedded",
                                                     policy_digest=f"sha256:{POLICY}"),
                  stage=stage, root=Path("."), gatecheck_version="0.1.0", exit_code=0 if allow else 1)


def signed_vsa(key: PrivateKey, predicate: dict[str, Any]) -> bytes:
    """One signed VSA envelope about :data:`SUBJECT` with exactly ``predicate``."""
    statement = Statement((Subject("app", dict(SUBJECT)),), VSA_PREDICATE_TYPE, predicate)
    return dsse.sign(PAYLOAD_TYPE, statement.to_json(), [key]).to_json()


def bare_predicate(*, passed: bool, when: datetime = NOW, stage: str | None = "deploy",
                   inputs: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """A VSA predicate about :data:`SUBJECT`; ``stage=None`` leaves the stage field out."""
    doc = vsa.predicate(verifier_id=DEFAULT_VERIFIER_ID, verifier_version="test", time_verified=when,
                        resource_uri="urn:sha256:" + SUBJECT["sha256"], policy_uri="https://gatecheck.dev/policy/x",
                        policy_digest=POLICY, input_digests=inputs or [], passed=passed, stage=stage or "ci")
    if stage is None:
        del doc[vsa.STAGE_FIELD]
    return doc


def verdict(key: PrivateKey, *, passed: bool, when: datetime = NOW, stage: str | None = "deploy",
            change: Callable[[dict[str, Any]], None] | None = None) -> list[bytes]:
    """A signed check result and the VSA listing it as its one input (optionally edited by ``change``)."""
    result = {"check": "secrets", "status": "ok", "findings": [], "tool": {"name": "secrets", "version": "1"},
              "note": f"{passed} {when.isoformat()} {stage}"}  # one distinct envelope per verdict
    check = dsse.sign(PAYLOAD_TYPE, Statement((Subject("app", dict(SUBJECT)),), CHECK_RESULT_PREDICATE_TYPE,
                                              result).to_json(), [key]).to_json()
    predicate = bare_predicate(passed=passed, when=when, stage=stage,
                               inputs=[("b#1", hashlib.sha256(check).hexdigest())])
    if change is not None:
        change(predicate)
    return [check, signed_vsa(key, predicate)]


def entries(lines: list[bytes], name: str) -> list[tuple[str, bytes]]:
    return [(f"{name}:{i}", line) for i, line in enumerate(lines, 1)]


@pytest.fixture
def key(private: Callable[[str], PrivateKey]) -> PrivateKey:
    return private("ed25519-a")


@pytest.fixture
def trusted(public: Callable[[str], PublicKey]) -> list[PublicKey]:
    return [public("ed25519-a")]


@pytest.fixture
def app(tmp_path: Path) -> Any:
    target = tmp_path / "app.whl"
    target.write_bytes(b"wheel")
    return resolve(str(target))


def test_time_verified_is_written_with_microseconds() -> None:
    moment = NOW + timedelta(microseconds=250_001)
    assert format_micro(moment) == "2026-03-01T09:00:00.250001Z"
    assert vsa.predicate(verifier_id="v", verifier_version="1", time_verified=moment, resource_uri="r",
                         policy_uri="p", policy_digest=POLICY, input_digests=[], passed=True,
                         stage="ci")["timeVerified"] == "2026-03-01T09:00:00.250001Z"
    # Another zone is converted to UTC, never written with its offset.
    east = moment.astimezone(timezone(timedelta(hours=2)))
    assert format_micro(east) == "2026-03-01T09:00:00.250001Z"


@pytest.mark.parametrize("text, expected", [
    ("2026-03-01T09:00:00Z", NOW),
    ("2026-03-01T09:00:00.250001Z", NOW + timedelta(microseconds=250_001)),
    ("2026-03-01T09:00:00.5Z", NOW + timedelta(milliseconds=500)),
    ("2026-03-01T09:00:00.123456789Z", NOW + timedelta(microseconds=123_456)),  # nanoseconds: truncated
    ("2026-03-01T11:00:00.000001+02:00", NOW + timedelta(microseconds=1)),
])
def test_both_timestamp_forms_parse(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


def test_a_whole_second_verdict_from_an_older_gatecheck_still_verifies(key: PrivateKey,
                                                                       trusted: list[PublicKey]) -> None:
    predicate = bare_predicate(passed=True)
    predicate["timeVerified"] = "2026-03-01T09:00:00Z"
    result = verify_entries(SUBJECT, entries([signed_vsa(key, predicate)], "old"),
                            VerifyOptions(keys=trusted, now=NOW + timedelta(minutes=1), allow_no_inputs=True))
    assert result.ok, result.reasons
    assert result.chosen is not None and result.chosen.verdict is not None
    assert result.chosen.verdict.time_verified == NOW


def test_failed_later_in_the_same_second_supersedes_passed(key: PrivateKey, trusted: list[PublicKey], app: Any) -> None:
    """The reported defect: whole-second timestamps made both verdicts equal, and PASSED won."""
    signer = KeySigner(key)
    passed = bundle.build(report(True), [app], signer, now=NOW + timedelta(milliseconds=100))
    failed = bundle.build(report(False), [app], signer, now=NOW + timedelta(milliseconds=900))
    options = VerifyOptions(keys=trusted, now=NOW + timedelta(minutes=1))
    for ordered in (entries(passed, "p") + entries(failed, "f"), entries(failed, "f") + entries(passed, "p")):
        result = verify_entries(app.subject.digest, ordered, options)
        assert not result.ok and result.reason == "RESULT_FAILED", result.reasons
        assert result.reasons[0].source.startswith("f:")
    # A PASSED verdict made later in the same second is genuinely newer, and counts.
    later = bundle.build(report(True), [app], signer, now=NOW + timedelta(milliseconds=950))
    assert verify_entries(app.subject.digest, entries(failed, "f") + entries(later, "p"), options).ok


def test_failed_wins_an_exact_tie(key: PrivateKey, trusted: list[PublicKey]) -> None:
    options = VerifyOptions(keys=trusted, now=NOW + timedelta(minutes=1))
    passed, failed = verdict(key, passed=True), verdict(key, passed=False)
    for ordered in (passed + failed, failed + passed):
        result = verify_entries(SUBJECT, entries(ordered, "b"), options)
        assert not result.ok and result.reason == "RESULT_FAILED", result.reasons
        assert "supersedes" in result.reasons[0].message


def test_a_failed_verdict_without_a_stage_supersedes_a_passed_one_for_the_asked_stage(
        key: PrivateKey, trusted: list[PublicKey]) -> None:
    passed = verdict(key, passed=True, stage="deploy")
    stageless = verdict(key, passed=False, stage=None, when=NOW + timedelta(seconds=5))
    options = VerifyOptions(keys=trusted, now=NOW + timedelta(minutes=1), stage="deploy")
    result = verify_entries(SUBJECT, entries(passed + stageless, "b"), options)
    assert not result.ok and result.reason == "RESULT_FAILED", result.reasons
    assert result.reasons[0].source == "b:4"
    # Without --stage too: a verdict that names no stage speaks for every stage.
    result = verify_entries(SUBJECT, entries(passed + stageless, "b"), VerifyOptions(keys=trusted, now=options.now))
    assert not result.ok and result.reason == "RESULT_FAILED", result.reasons
    # An older stage-less FAILED verdict does not: the PASSED one came after it.
    older = verdict(key, passed=False, stage=None, when=NOW - timedelta(seconds=5))
    assert verify_entries(SUBJECT, entries(passed + older, "b"), options).ok


def test_failed_verdicts_that_do_not_concern_the_passing_one_do_not_supersede(
        key: PrivateKey, trusted: list[PublicKey]) -> None:
    later = NOW + timedelta(seconds=5)

    def other_policy(doc: dict[str, Any]) -> None:
        doc["policy"]["digest"] = {"sha256": "d" * 64}

    def other_verifier(doc: dict[str, Any]) -> None:
        doc["verifier"]["id"] = "https://elsewhere.example/verifier"

    lines = [*verdict(key, passed=True, stage="deploy"), *verdict(key, passed=False, stage="ci", when=later),
             *verdict(key, passed=False, when=later, change=other_policy),
             *verdict(key, passed=False, when=later, change=other_verifier)]
    result = verify_entries(SUBJECT, entries(lines, "b"), VerifyOptions(keys=trusted, now=NOW + timedelta(minutes=1)))
    assert result.ok, result.reasons
    assert result.chosen is not None and result.chosen.record.source == "b:2"


def test_a_verdict_with_no_input_attestations_is_refused_unless_allowed(key: PrivateKey, trusted: list[PublicKey]
                                                                        ) -> None:
    hollow = [signed_vsa(key, bare_predicate(passed=True))]
    options = VerifyOptions(keys=trusted, now=NOW + timedelta(minutes=1))
    result = verify_entries(SUBJECT, entries(hollow, "b"), options)
    assert not result.ok and result.reason == "NO_INPUTS", result.reasons
    assert [r.code for r in result.reasons] == ["NO_INPUTS"]
    assert "NO_INPUTS" in REASON_CODES
    options.allow_no_inputs = True
    assert verify_entries(SUBJECT, entries(hollow, "b"), options).ok


def test_a_gate_that_ran_no_check_signs_a_verdict_verify_refuses(key: PrivateKey, trusted: list[PublicKey],
                                                                 app: Any) -> None:
    """What `gatecheck run` signs with every check disabled: zero inputs, whatever it says."""
    empty = Report(results=[], decision=Decision(allow=True, engine="embedded"), stage="ci", root=Path("."),
                   gatecheck_version="0.1.0", exit_code=0)
    lines = bundle.build(empty, [app], KeySigner(key), now=NOW)
    assert len(lines) == 1
    assert parse_statement(dsse.parse_envelope(lines[0]).payload).predicate["inputAttestations"] == []
    result = verify_entries(app.subject.digest, entries(lines, "b"), VerifyOptions(keys=trusted, now=NOW))
    assert not result.ok and result.reason == "NO_INPUTS"


def test_cli_refuses_no_inputs_and_allow_no_inputs_accepts(tmp_path: Path, key: PrivateKey, keys_dir: Path,
                                                          run_cli: Callable[[list[str]], tuple[int, str]]) -> None:
    target = tmp_path / "b.intoto.jsonl"
    target.write_bytes(signed_vsa(key, bare_predicate(passed=True)) + b"\n")
    argv = ["verify", "sha256:" + SUBJECT["sha256"], "--bundle", str(target), "--key", str(keys_dir / "ed25519-a.pub"),
            "--at", "2026-03-01T09:01:00Z"]
    code, text = run_cli([*argv, "--format", "json"])
    assert code == 1 and json.loads(text)["reason"] == "NO_INPUTS", text
    code, text = run_cli([*argv, "--allow-no-inputs"])
    assert code == 0 and text.startswith("PASS"), text
    assert "0 input attestation(s)" in text
    code, text = run_cli(["verify", "--help"])
    assert "--allow-no-inputs" in text and "NO_INPUTS" in text


def test_cli_at_accepts_both_timestamp_forms(tmp_path: Path, key: PrivateKey, keys_dir: Path,
                                             run_cli: Callable[[list[str]], tuple[int, str]]) -> None:
    target = tmp_path / "b.intoto.jsonl"
    target.write_bytes(signed_vsa(key, bare_predicate(passed=True, when=NOW + timedelta(microseconds=500))) + b"\n")
    argv = ["verify", "sha256:" + SUBJECT["sha256"], "--bundle", str(target), "--key", str(keys_dir / "ed25519-a.pub"),
            "--allow-no-inputs", "--clock-skew", "0s"]
    assert run_cli([*argv, "--at", "2026-03-01T09:00:00.000600Z"])[0] == 0
    code, text = run_cli([*argv, "--at", "2026-03-01T09:00:00Z"])  # 500 microseconds before the verdict
    assert code == 1 and "FUTURE_DATED" in text, text
