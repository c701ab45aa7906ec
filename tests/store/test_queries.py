"""Reading the store (core/store/queries.py): search filters, get, verdicts and generations, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from attestation_factory import POLICY_DIGEST, digest_of, entries, make_bundle

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, VSA_PREDICATE_TYPE
from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.store import Store


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
