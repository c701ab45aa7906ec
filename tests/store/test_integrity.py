"""The tamper check (core/store/integrity.py): every change, removal or reordering is reported, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from attestation_factory import digest_of, entries, make_bundle

from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.store import Store, schema
from gatecheck.store.chain import record_hash


def opts(*keys: PrivateKey) -> VerifyOptions:
    return VerifyOptions(keys=[k.public for k in keys])


def test_chain_is_intact_after_pushes(store: Store, key: PrivateKey) -> None:
    for name in ("a", "b", "c"):
        store.push(entries(make_bundle(key, digest_of(name))), opts(key))
    report = store.check()
    assert report.ok and report.records == 9 and report.head_seq == 9
    assert store.check(expect_head=f"9:{report.head_hash}").ok


def _filled(store: Store, key: PrivateKey) -> None:
    for name in ("a", "b", "c"):
        store.push(entries(make_bundle(key, digest_of(name))), opts(key))
    assert store.check().ok


def _tamper(store: Store, *statements: sa.Executable) -> None:
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def test_check_detects_a_changed_column(store: Store, key: PrivateKey) -> None:
    _filled(store, key)
    t = schema.attestations
    _tamper(store, sa.update(t).where(t.c.seq == 6).values(verdict="PASSED", repository="github.com/evil/x"))
    report = store.check()
    assert [(p.seq, p.code) for p in report.problems] == [(6, "RECORD_CHANGED")]


def test_check_detects_a_changed_envelope_and_a_changed_subject(store: Store, key: PrivateKey) -> None:
    _filled(store, key)
    t, s = schema.attestations, schema.subjects
    other = make_bundle(key, digest_of("z"))[0]
    _tamper(store, sa.update(t).where(t.c.seq == 2).values(envelope=other),
            sa.update(s).where(s.c.seq == 8).values(digest=digest_of("forged")))
    codes = {(p.seq, p.code) for p in store.check().problems}
    assert (2, "ENVELOPE_CHANGED") in codes and (8, "RECORD_CHANGED") in codes


def test_check_detects_a_removed_record(store: Store, key: PrivateKey) -> None:
    _filled(store, key)
    t = schema.attestations
    _tamper(store, *(sa.delete(tbl).where(tbl.c.seq == 5) for tbl in (schema.subjects, schema.signers, schema.inputs)),
            sa.delete(t).where(t.c.seq == 5))
    codes = {(p.seq, p.code) for p in store.check().problems}
    assert {(6, "SEQUENCE_GAP"), (6, "LINK_BROKEN")} <= codes


def test_check_detects_reordered_records(store: Store, key: PrivateKey) -> None:
    _filled(store, key)
    t = schema.attestations
    with store.engine.connect() as conn:
        rows = {r["seq"]: dict(r) for r in conn.execute(sa.select(t).where(t.c.seq.in_([3, 6]))).mappings()}
    # Swap everything but the position: the records now appear in another order.
    swap = [c.name for c in t.c if c.name != "seq"]
    _tamper(store, sa.update(t).where(t.c.seq == 3).values(digest="x" * 64),
            sa.update(t).where(t.c.seq == 6).values({c: rows[3][c] for c in swap}),
            sa.update(t).where(t.c.seq == 3).values({c: rows[6][c] for c in swap}))
    problems = store.check().problems
    assert {p.seq for p in problems} >= {3, 6}
    assert {p.code for p in problems} >= {"LINK_BROKEN", "RECORD_CHANGED"}


def test_check_detects_records_cut_from_the_end_against_an_expected_head(store: Store, key: PrivateKey) -> None:
    _filled(store, key)
    seq, head = store.head()
    t, h = schema.attestations, schema.chain_head
    with store.engine.connect() as conn:
        prev_hash = conn.execute(sa.select(t.c.record_hash).where(t.c.seq == 8)).scalar_one()
    _tamper(store, *(sa.delete(tbl).where(tbl.c.seq == 9) for tbl in (schema.subjects, schema.signers, schema.inputs)),
            sa.delete(t).where(t.c.seq == 9), sa.update(h).values(seq=8, record_hash=prev_hash))
    assert store.check().ok  # a consistent, shorter chain ...
    report = store.check(expect_head=f"{seq}:{head}")  # ... that the recorded head exposes
    assert [p.code for p in report.problems] == ["HEAD_MISMATCH"]


def test_head_row_out_of_step_is_reported(store: Store, key: PrivateKey) -> None:
    _filled(store, key)
    _tamper(store, sa.update(schema.chain_head).values(seq=4))
    assert [p.code for p in store.check().problems] == ["HEAD_MISMATCH"]


def test_record_hash_is_unchanged_for_existing_records() -> None:
    # Hashes written by the store before it took canonical_json and sha256_hex from core: a record
    # already in a chain must hash to the same value, non-ASCII text (escaped) and empty fields included.
    row = {
        "seq": 7, "digest": "ab" * 32, "payload_type": "application/vnd.in-toto+json",
        "predicate_type": "https://slsa.dev/verification_summary/v1", "verdict": "PASSED",
        "policy_digest": "sha256:" + "cd" * 32, "verifier_id": "https://gatecheck.dev/verifier",
        "stage": "déploiement", "time_verified": "2026-03-01T12:00:00.250000Z",
        "repository": "https://example.org/équipe/shop.git", "commit": "0123456789abcdef0123456789abcdef01234567",
        "source": "verdicts/日本.jsonl:3", "stored_at": "2026-03-01T12:00:01.000000Z",
    }
    subjects = [("shop", "sha256", "ef" * 32), ("café", "sha256", "12" * 32)]
    assert record_hash(row, subjects, ["key-b", "key-a"], ["34" * 32, "56" * 32], "78" * 32) == (
        "940c43df3a20eefb7e4bfcfb9e1e0ea220e7a0299d2e009d277114ba83e28079")
    bare = dict(row, verdict=None, policy_digest=None, stage=None, time_verified=None, repository=None, commit=None,
                source="a.jsonl:1")
    assert record_hash(bare, [], [], [], schema.GENESIS_HASH) == (
        "718afa10694747e58bc95c6fa19b8d9bb643097c1ea7a0c699735c2ff381d723")
