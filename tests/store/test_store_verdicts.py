"""Verdicts read back from the store (SQLite and PostgreSQL): both time forms, ties, stage-less FAILED, no inputs.

The admission server decides from stored envelopes through :class:`VerdictService`; these tests
push real signed bundles and ask it, so the rule the verifier applies is the rule admission gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key
from store_backends import BACKENDS, fresh_store_url

from gatecheck.attest import PAYLOAD_TYPE, VSA_PREDICATE_TYPE, dsse, vsa
from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.statement import Statement, Subject
from gatecheck.attest.verify import VerifyOptions
from gatecheck.server.decisions import VerdictService, options_fingerprint
from gatecheck.store import Store
from gatecheck.timestamps import format_micro

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with fresh_store_url(request.param, tmp_path) as url, Store.open(url) as st:
        yield st


@pytest.fixture
def key() -> PrivateKey:
    return new_key()


def rewritten(key: PrivateKey, line: bytes, change: dict[str, Any], drop: tuple[str, ...] = ()) -> bytes:
    """The VSA envelope ``line`` with predicate fields replaced or dropped, signed again by ``key``."""
    doc = json.loads(dsse.parse_envelope(line).payload)
    doc["predicate"].update(change)
    for name in drop:
        del doc["predicate"][name]
    subject = tuple(Subject(s["name"], s["digest"]) for s in doc["subject"])
    return dsse.sign(PAYLOAD_TYPE, Statement(subject, VSA_PREDICATE_TYPE, doc["predicate"]).to_json(), [key]).to_json()


def decide(store: Store, key: PrivateKey, digest: str, **options: Any) -> tuple[bool, str | None]:
    service = VerdictService(store, VerifyOptions(keys=[key.public], **options), cache_size=0)
    answer = service.decide(digest)
    return answer.ok, answer.reason


def test_a_whole_second_vsa_is_stored_in_the_fixed_width_form_and_still_verifies(store: Store, key: PrivateKey) -> None:
    shop = digest_of("shop")
    lines = make_bundle(key, shop, when=NOW)
    whole = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines[-1] = rewritten(key, lines[-1], {"timeVerified": whole})
    store.push(entries(lines), VerifyOptions(keys=[key.public]))
    stored = store.search(subject=f"sha256:{shop}", predicate_type=VSA_PREDICATE_TYPE)
    assert [r.time_verified for r in stored] == [NOW.strftime("%Y-%m-%dT%H:%M:%S.000000Z")]
    assert [r.seq for r in store.verdicts_since(NOW - timedelta(seconds=1))] == [stored[0].seq]
    assert store.verdicts_since(NOW + timedelta(microseconds=1)) == []
    assert decide(store, key, shop) == (True, None)


def test_sub_second_verdicts_keep_their_order_in_the_store(store: Store, key: PrivateKey) -> None:
    shop = digest_of("shop")
    store.push(entries(make_bundle(key, shop, when=NOW + timedelta(milliseconds=900), passed=False), "f"),
               VerifyOptions(keys=[key.public]))
    store.push(entries(make_bundle(key, shop, when=NOW + timedelta(milliseconds=100)), "p"),
               VerifyOptions(keys=[key.public]))
    times = [r.time_verified for r in store.verdicts_since(NOW)]
    assert times == [format_micro(NOW + timedelta(milliseconds=100)), format_micro(NOW + timedelta(milliseconds=900))]
    # Pushed after it, but made 0.8 s earlier: the FAILED verdict is the newer one.
    assert decide(store, key, shop) == (False, "RESULT_FAILED")


def test_admission_gives_a_tie_to_failed(store: Store, key: PrivateKey) -> None:
    shop = digest_of("shop")
    passed = make_bundle(key, shop, when=NOW, stage="deploy")
    failed = make_bundle(key, shop, when=NOW, stage="deploy", passed=False, checks=("sast",))
    store.push(entries(passed, "p") + entries(failed, "f"), VerifyOptions(keys=[key.public]))
    assert decide(store, key, shop, stage="deploy") == (False, "RESULT_FAILED")


def test_admission_lets_a_stageless_failed_verdict_supersede(store: Store, key: PrivateKey) -> None:
    shop = digest_of("shop")
    passed = make_bundle(key, shop, when=NOW, stage="deploy")
    later = make_bundle(key, shop, when=NOW + timedelta(seconds=30), passed=False, checks=("sast",))
    later[-1] = rewritten(key, later[-1], {}, drop=(vsa.STAGE_FIELD,))
    store.push(entries(passed, "p"), VerifyOptions(keys=[key.public]))
    assert decide(store, key, shop, stage="deploy") == (True, None)
    store.push(entries(later, "f"), VerifyOptions(keys=[key.public]))
    stored = store.search(subject=f"sha256:{shop}", verdict="FAILED")
    assert [r.stage for r in stored] == [None]
    assert decide(store, key, shop, stage="deploy") == (False, "RESULT_FAILED")


def test_a_verdict_with_no_inputs_is_stored_but_not_admitted(store: Store, key: PrivateKey) -> None:
    shop = digest_of("hollow")
    result = store.push(entries(make_bundle(key, shop, checks=(), when=NOW)), VerifyOptions(keys=[key.public]))
    # The store keeps what was signed (auditors want to see it); admission refuses it.
    assert len(result.stored) == 1 and result.stored[0].inputs == []
    assert decide(store, key, shop) == (False, "NO_INPUTS")
    assert decide(store, key, shop, allow_no_inputs=True) == (True, None)


def test_the_cache_key_tells_allow_no_inputs_apart() -> None:
    key = new_key()
    strict = VerifyOptions(keys=[key.public])
    lenient = VerifyOptions(keys=[key.public], allow_no_inputs=True)
    assert options_fingerprint(strict) != options_fingerprint(lenient)
    assert options_fingerprint(strict) == options_fingerprint(VerifyOptions(keys=[key.public]))
