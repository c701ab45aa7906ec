"""The tamper check (core/store/integrity.py): every change, removal or reordering is reported, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from attestation_factory import digest_of, entries, make_bundle

from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.store import Store, schema


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
