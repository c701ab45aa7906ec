"""Signed approvals, end to end: `gatecheck approve` signs them, the approvals check counts them, the
default policy requires N of them at deploy, and the store and the audit report show them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gatecheck.approve import APPROVAL_PREDICATE_TYPE
from gatecheck.approve.evaluate import evaluate
from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.statement import Statement, Subject
from gatecheck.attest.verify import read_bundle

DIGEST = "5b" * 32
IMAGE = f"registry.example.com/shop@sha256:{DIGEST}"
SUBJECT = {"sha256": DIGEST}


def entries(*bundles: Path) -> list[tuple[str, bytes]]:
    return [e for b in bundles for e in read_bundle(b)]


# -- counting ----------------------------------------------------------------------------------


def test_two_distinct_reviewers_count(reviewer: Callable[..., Any], signed: Callable[..., Path]) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    report = evaluate(SUBJECT, entries(signed(alice), signed(bob)), {"release": [alice.key.public, bob.key.public]})
    assert report.counted("release") == sorted([alice.keyid, bob.keyid])
    assert report.satisfied("release", 2) and not report.satisfied("release", 3)


def test_the_same_key_twice_counts_once(reviewer: Callable[..., Any], signed: Callable[..., Path]) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    report = evaluate(SUBJECT, entries(signed(alice, reason="first"), signed(alice, reason="again")),
                      {"release": [alice.key.public, bob.key.public]})
    assert [r.counted for r in report.records] == [True, True]
    assert report.counted("release") == [alice.keyid]
    assert not report.satisfied("release", 2)


def test_an_expired_approval_does_not_count(reviewer: Callable[..., Any], signed: Callable[..., Path]) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    old = signed(bob, approved=timedelta(days=-10), expires=timedelta(days=-3))
    report = evaluate(SUBJECT, entries(signed(alice), old), {"release": [alice.key.public, bob.key.public]})
    [expired] = [r for r in report.records if r.keyid == bob.keyid]
    assert expired.problem == "EXPIRED" and expired.expired and expired.valid and not expired.counted
    assert report.counted("release") == [alice.keyid]


def test_an_untrusted_key_does_not_count(reviewer: Callable[..., Any], signed: Callable[..., Path]) -> None:
    alice, bob, mallory = reviewer("alice"), reviewer("bob"), reviewer("mallory")
    report = evaluate(SUBJECT, entries(signed(alice), signed(mallory)), {"release": [alice.key.public, bob.key.public]})
    [untrusted] = [r for r in report.records if not r.counted]
    assert untrusted.problem == "UNTRUSTED_KEY" and untrusted.keyid is None
    assert report.counted("release") == [alice.keyid]


def test_a_key_of_another_set_does_not_count_for_this_one(reviewer: Callable[..., Any],
                                                          signed: Callable[..., Path]) -> None:
    alice, bob, carol = reviewer("alice"), reviewer("bob"), reviewer("carol")
    report = evaluate(SUBJECT, entries(signed(alice), signed(carol)),
                      {"release": [alice.key.public, bob.key.public], "security": [carol.key.public]})
    assert report.counted("release") == [alice.keyid] and report.counted("security") == [carol.keyid]


def test_approving_in_another_reviewers_name_does_not_count(reviewer: Callable[..., Any], tmp_path: Path) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    forged = Statement((Subject("x", SUBJECT),), APPROVAL_PREDICATE_TYPE,
                       {"approver": {"keyid": bob.keyid}, "reason": "bob said ok", "approvedAt": "2026-01-01T00:00:00Z"})
    line = dsse.sign(PAYLOAD_TYPE, forged.to_json(), [alice.key]).to_json()
    report = evaluate(SUBJECT, [("forged:1", line)], {"release": [alice.key.public, bob.key.public]})
    [record] = report.records
    assert record.problem == "APPROVER_MISMATCH" and report.counted("release") == []


def test_other_artifacts_and_future_dated_approvals_do_not_count(reviewer: Callable[..., Any],
                                                                 signed: Callable[..., Path]) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    report = evaluate(SUBJECT, entries(signed(alice, digest="77" * 32), signed(bob, approved=timedelta(days=1))),
                      {"release": [alice.key.public, bob.key.public]})
    assert sorted(r.problem or "" for r in report.records) == ["FUTURE_DATED", "SUBJECT_MISMATCH"]
    assert report.counted("release") == []


# -- gatecheck approve -------------------------------------------------------------------------


def test_approve_writes_a_signed_statement(reviewer: Callable[..., Any], tmp_path: Path, cli: Any) -> None:
    alice = reviewer("alice")
    bundle = tmp_path / "alice.intoto.jsonl"
    result = cli("approve", IMAGE, "--key", f"file:{alice.private}", "--reason", "canary healthy", "--ticket", "CHG-7",
                 "--expires", "7d", "--attest", str(bundle), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["approver"] == alice.keyid and data["subject"]["digest"] == SUBJECT
    [(_, line)] = read_bundle(bundle)
    statement = json.loads(dsse.b64decode(json.loads(line)["payload"]))
    assert statement["predicateType"] == APPROVAL_PREDICATE_TYPE
    assert statement["predicate"]["approver"] == {"keyid": alice.keyid}
    assert statement["predicate"]["reason"] == "canary healthy" and statement["predicate"]["ticket"] == "CHG-7"
    assert statement["predicate"]["expires"] > statement["predicate"]["approvedAt"]
    report = evaluate(SUBJECT, [("b:1", line)], {"release": [alice.key.public]})
    assert report.counted("release") == [alice.keyid]


@pytest.mark.parametrize(("args", "message"), [
    (["--reason", " "], "an approval needs a reason"),
    (["--reason", "ok", "--expires", "2020-01-01"], "is not after the approval"),
    (["--reason", "ok", "--expires", "soon"], "not a duration"),
])
def test_approve_refuses_bad_input(reviewer: Callable[..., Any], tmp_path: Path, cli: Any, args: list[str],
                                   message: str) -> None:
    alice = reviewer("alice")
    result = cli("approve", IMAGE, "--key", f"file:{alice.private}", "--attest", str(tmp_path / "a.jsonl"), *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "a.jsonl").exists()


def test_approve_needs_somewhere_to_put_it(reviewer: Callable[..., Any], cli: Any) -> None:
    result = cli("approve", IMAGE, "--key", f"file:{reviewer('alice').private}", "--reason", "ok")
    assert result.exit_code == 2 and "nowhere to put the approval" in result.stderr
