"""The store suite: every test runs against SQLite and against the real PostgreSQL server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from attestation_factory import POLICY_DIGEST, digest_of, entries, make_bundle, new_key, write_bundle, write_public
from store_backends import BACKENDS, fresh_store_url

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, VSA_PREDICATE_TYPE
from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.errors import BadInput
from gatecheck.store import Store, schema


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url) as st:
        yield st


@pytest.fixture
def key() -> PrivateKey:
    return new_key()


def opts(*keys: PrivateKey) -> VerifyOptions:
    return VerifyOptions(keys=[k.public for k in keys])


def test_push_verifies_indexes_and_searches(store: Store, key: PrivateKey) -> None:
    shop, cart = digest_of("shop"), digest_of("cart")
    result = store.push(entries(make_bundle(key, shop)), opts(key), repository="github.com/acme/shop", commit="abc123")
    store.push(entries(make_bundle(key, cart, passed=False, name="registry.example/cart"), "cart.jsonl"), opts(key),
               repository="github.com/acme/cart", commit="def456")
    assert len(result.stored) == 3 and not result.refused and not result.duplicates
    assert store.count() == 6

    about_shop = store.search(subject=f"sha256:{shop}")
    assert len(about_shop) == 3
    assert {r.predicate_type for r in about_shop} == {VSA_PREDICATE_TYPE, CHECK_RESULT_PREDICATE_TYPE}
    vsa = next(r for r in about_shop if r.predicate_type == VSA_PREDICATE_TYPE)
    assert vsa.verdict == "PASSED" and vsa.policy_digest == f"sha256:{POLICY_DIGEST}" and vsa.stage == "ci"
    assert vsa.signers == [key.keyid] and len(vsa.inputs) == 2
    assert vsa.repository == "github.com/acme/shop" and vsa.commit == "abc123"

    failed = store.search(verdict="FAILED")
    assert [r.subjects[0][2] for r in failed] == [cart]
    assert {r.seq for r in store.search(repository="github.com/acme/cart")} == {4, 5, 6}
    assert len(store.search(commit="abc123")) == 3
    assert len(store.search(predicate_type=VSA_PREDICATE_TYPE)) == 2
    assert len(store.search(policy_digest=POLICY_DIGEST, verdict="PASSED")) == 1
    assert len(store.search(keyid=key.keyid)) == 6
    assert store.search(keyid="0" * 64) == []
    assert len(store.search(since=datetime.now(UTC) - timedelta(minutes=5))) == 6
    assert store.search(since=datetime.now(UTC) + timedelta(minutes=5)) == []
    assert [r.seq for r in store.search(limit=2)] == [6, 5]

    by_id = store.get(vsa.seq)
    by_digest = store.get(f"sha256:{vsa.digest}")
    assert by_id is not None and by_digest is not None and by_id.seq == by_digest.seq == vsa.seq
    statement = by_id.statement()
    assert statement is not None and statement["predicate"]["verificationResult"] == "PASSED"
    assert store.get(999) is None


def test_duplicates_are_skipped_by_envelope_digest(store: Store, key: PrivateKey) -> None:
    lines = make_bundle(key, digest_of("shop"))
    store.push(entries(lines), opts(key))
    head = store.head()
    again = store.push(entries(lines, "copy.jsonl") + entries(lines[:1], "third.jsonl"), opts(key))
    assert again.stored == [] and len(again.duplicates) == 4
    assert store.count() == 3 and store.head() == head


def test_untrusted_and_invalid_envelopes_are_refused_and_reported(store: Store, key: PrivateKey) -> None:
    stranger = new_key("ecdsa-p256")
    good = make_bundle(key, digest_of("shop"))
    foreign = make_bundle(stranger, digest_of("evil"))
    tampered = bytearray(good[0])
    # Flip one character of the signature: the envelope still parses but no longer verifies.
    sig_at = tampered.rindex(b'"sig":"') + 10
    tampered[sig_at] = ord("A") if tampered[sig_at] != ord("A") else ord("B")
    result = store.push(entries(good) + entries(foreign, "foreign.jsonl") + [("t.jsonl:1", bytes(tampered))], opts(key))
    assert len(result.stored) == 3
    codes = sorted((r.source, r.code) for r in result.refused)
    assert codes == [("foreign.jsonl:1", "UNTRUSTED_KEY"), ("foreign.jsonl:2", "UNTRUSTED_KEY"),
                     ("foreign.jsonl:3", "UNTRUSTED_KEY"), ("t.jsonl:1", "SIGNATURE_INVALID")]
    assert store.search(subject=f"sha256:{digest_of('evil')}") == []


def test_malformed_line_stores_nothing_and_names_file_and_line(store: Store, key: PrivateKey) -> None:
    store.push(entries(make_bundle(key, digest_of("first"))), opts(key))
    before = (store.count(), store.head(), [r.to_dict() for r in store.search(limit=None)])
    lines = make_bundle(key, digest_of("second"))
    broken = [lines[0], b'{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": [', lines[2]]
    with pytest.raises(BadInput) as info:
        store.push(entries(broken, "ci/out.intoto.jsonl"), opts(key))
    assert info.value.path == "ci/out.intoto.jsonl" and info.value.line == 2
    assert "nothing was stored" in info.value.describe()
    assert (store.count(), store.head(), [r.to_dict() for r in store.search(limit=None)]) == before
    assert store.check().ok


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


def test_concurrent_pushes_keep_one_unbroken_chain(store_url: str, key: PrivateKey) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with Store.open(store_url) as st:
                for i in range(4):
                    st.push(entries(make_bundle(key, digest_of(f"w{n}-{i}")), f"w{n}.jsonl"), opts(key))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Store.open(store_url) as st:
        report = st.check()
        assert report.ok and report.records == 4 * 4 * 3


def test_migrations_are_versioned_and_upgrade_an_older_store(store_url: str) -> None:
    from gatecheck.store.database import normalise_url

    engine = sa.create_engine(normalise_url(store_url))
    try:
        assert schema.migrate(engine, target=1) == [1]
        with engine.connect() as conn:
            assert schema.current_version(conn) == 1
            assert not sa.inspect(conn).has_table("admissions")
    finally:
        engine.dispose()
    with Store.open(store_url) as st:  # the newer gatecheck upgrades it
        assert st.ping() == schema.LATEST_VERSION
        with st.engine.connect() as conn:
            versions = [r.version for r in conn.execute(sa.select(schema.schema_version).order_by("version"))]
            assert sa.inspect(conn).has_table("admissions")
        assert versions == [m.version for m in schema.MIGRATIONS]
    assert schema.migrate(sa.create_engine(normalise_url(store_url))) == []  # idempotent


def test_a_store_from_a_newer_gatecheck_is_refused(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.insert(schema.schema_version).values(version=schema.LATEST_VERSION + 1, applied_at="x",
                                                             description="from the future"))
    with pytest.raises(schema.SchemaTooNew, match="newer than this gatecheck knows"):
        Store.open(store.url)


def test_cli_push_search_get_check(cli, store_url: str, key: PrivateKey, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pub = write_public(key, tmp_path / "ci.pub")
    shop = digest_of("shop")
    bundle = write_bundle(tmp_path / "a.intoto.jsonl", make_bundle(key, shop))
    res = cli("store", "push", str(bundle), "--store", store_url, "--key", str(pub), "--repo", "github.com/acme/shop",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert len(json.loads(res.stdout)["stored"]) == 3

    res = cli("store", "push", str(bundle), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 0 and "stored 0, already stored 3, refused 0" in res.stdout

    stranger = new_key()
    foreign = write_bundle(tmp_path / "f.intoto.jsonl", make_bundle(stranger, digest_of("x")))
    res = cli("store", "push", str(foreign), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 1 and "UNTRUSTED_KEY" in res.stdout

    res = cli("store", "search", "--store", store_url, "--subject", f"registry.example/shop@sha256:{shop}",
              "--verdict", "passed")
    found = json.loads(res.stdout)
    assert res.exit_code == 0 and len(found) == 1 and found[0]["repository"] == "github.com/acme/shop"

    res = cli("store", "get", str(found[0]["id"]), "--store", store_url)
    doc = json.loads(res.stdout)
    assert doc["statement"]["predicateType"] == VSA_PREDICATE_TYPE and doc["envelope"]["payloadType"]
    assert cli("store", "get", "77", "--store", store_url).exit_code == 1

    res = cli("store", "check", "--store", store_url)
    assert res.exit_code == 0 and "chain intact: 3 record(s), head 3:" in res.stdout


def test_cli_malformed_bundle_exits_2_naming_file_and_line(cli, store_url: str, key: PrivateKey,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    pub = write_public(key, tmp_path / "ci.pub")
    good = write_bundle(tmp_path / "good.intoto.jsonl", make_bundle(key, digest_of("a")))
    assert cli("store", "push", str(good), "--store", store_url, "--key", str(pub)).exit_code == 0
    lines = make_bundle(key, digest_of("b"))
    bad = tmp_path / "bad.intoto.jsonl"
    bad.write_bytes(lines[0] + b"\n\n" + b'{"payload": "not base64!!", "payloadType": "x", "signatures": []}\n'
                    + lines[2] + b"\n")
    res = cli("store", "push", str(bad), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 2
    assert f"{bad}:3:" in res.stderr and "nothing was stored" in res.stderr
    res = cli("store", "search", "--store", store_url, "--limit", "1000")
    assert len(json.loads(res.stdout)) == 3
    assert cli("store", "check", "--store", store_url).exit_code == 0
    res = cli("store", "push", str(tmp_path / "missing.jsonl"), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 2 and "missing.jsonl" in res.stderr
    (tmp_path / "empty.jsonl").write_text("\n")
    res = cli("store", "push", str(tmp_path / "empty.jsonl"), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 2 and "holds no envelope" in res.stderr
    (tmp_path / "bad.pub").write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    res = cli("store", "push", str(good), "--store", store_url, "--key", str(tmp_path / "bad.pub"))
    assert res.exit_code == 2 and "bad.pub" in res.stderr
    assert len(json.loads(cli("store", "search", "--store", store_url).stdout)) == 3
    res = cli("store", "search", "--store", store_url, "--since", "yesterday-ish")
    assert res.exit_code == 2 and "--since" in res.stderr


def test_a_vsa_missing_a_required_field_is_malformed_input(store: Store, key: PrivateKey) -> None:
    from gatecheck.attest import PAYLOAD_TYPE, dsse
    from gatecheck.attest.statement import Statement, Subject

    store.push(entries(make_bundle(key, digest_of("kept"))), opts(key))
    before = (store.count(), store.head())
    predicate = json.loads(dsse.parse_envelope(make_bundle(key, digest_of("x"))[-1]).payload)["predicate"]
    del predicate["verificationResult"]
    statement = Statement((Subject("x", {"sha256": digest_of("x")}),), VSA_PREDICATE_TYPE, predicate)
    line = dsse.sign(PAYLOAD_TYPE, statement.to_json(), [key]).to_json()
    with pytest.raises(BadInput) as info:
        store.push([("vsa.jsonl:1", make_bundle(key, digest_of("y"))[0]), ("vsa.jsonl:2", line)], opts(key))
    assert (info.value.path, info.value.line) == ("vsa.jsonl", 2) and "verificationResult" in info.value.message
    assert (store.count(), store.head()) == before


def test_verdict_entries_and_subject_generation(store: Store, key: PrivateKey) -> None:
    shop = digest_of("shop")
    assert store.verdict_entries({"sha256": shop}) == [] and store.subject_generation({"sha256": shop}) == 0
    store.push(entries(make_bundle(key, shop, checks=("sast", "sca"), when=datetime.now(UTC) - timedelta(minutes=1))),
               opts(key))
    store.push(entries(make_bundle(key, digest_of("other"))), opts(key))
    found = store.verdict_entries({"sha256": shop})
    assert sorted(source for source, _ in found) == ["store:1", "store:2", "store:3"]
    assert store.subject_generation({"sha256": shop}) == 3
    store.push(entries(make_bundle(key, shop, passed=False, checks=())), opts(key))
    assert store.subject_generation({"sha256": shop}) == 7
    assert len(store.verdict_entries({"sha256": shop})) == 4
    from gatecheck.attest.verify import verify_entries

    result = verify_entries({"sha256": shop}, store.verdict_entries({"sha256": shop}), opts(key))
    assert result.reason == "RESULT_FAILED"  # the newer FAILED verdict wins


def test_postgres_half_fails_under_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    from store_backends import ENV, postgres_admin_url

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not set under CI"):
        postgres_admin_url()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        postgres_admin_url()


def test_values_longer_than_a_column_are_malformed_on_every_backend(store: Store, key: PrivateKey) -> None:
    lines = make_bundle(key, digest_of("long"), stage="x" * 41)
    with pytest.raises(BadInput, match="stage is 41 characters long"):
        store.push(entries(lines, "long.jsonl"), opts(key))
    with pytest.raises(BadInput, match="--repo"):
        store.push(entries(make_bundle(key, digest_of("ok"))), opts(key), repository="r" * 501)
    assert store.count() == 0
