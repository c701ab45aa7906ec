"""Verify-and-append (core/store/append.py), against SQLite and the real PostgreSQL server."""

from __future__ import annotations

import json
import threading

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key

from gatecheck.attest import VSA_PREDICATE_TYPE
from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.errors import BadInput
from gatecheck.store import Store


def opts(*keys: PrivateKey) -> VerifyOptions:
    return VerifyOptions(keys=[k.public for k in keys])


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


def test_values_longer_than_a_column_are_malformed_on_every_backend(store: Store, key: PrivateKey) -> None:
    lines = make_bundle(key, digest_of("long"), stage="x" * 41)
    with pytest.raises(BadInput, match="stage is 41 characters long"):
        store.push(entries(lines, "long.jsonl"), opts(key))
    with pytest.raises(BadInput, match="--repo"):
        store.push(entries(make_bundle(key, digest_of("ok"))), opts(key), repository="r" * 501)
    assert store.count() == 0


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
