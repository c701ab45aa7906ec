"""DSSE: PAE bytes, strict base64, envelope parsing, signature checks, and the mutation test."""

from __future__ import annotations

import base64
import json
import random
import time

import pytest

from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.dsse import EnvelopeError, b64decode, check_signatures, parse_envelope


def test_pae_matches_the_dsse_specification_example() -> None:
    # The DSSE protocol document's worked example.
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    # Lengths are byte lengths of the UTF-8 type and of the payload bytes.
    assert dsse.pae("t\u00e9", b"\x00\xff") == b"DSSEv1 3 t\xc3\xa9 2 \x00\xff"
    assert dsse.pae("", b"") == b"DSSEv1 0  0 "


@pytest.mark.parametrize("data", [b"", b"a", b"ab", b"abc", b"\xfb\xff\xfe", bytes(range(256))])
def test_base64_accepts_both_alphabets_and_requires_padding(data: bytes) -> None:
    std = base64.b64encode(data).decode()
    url = base64.urlsafe_b64encode(data).decode()
    for text in {std, url}:
        assert b64decode(text) == data
    if std.endswith("="):
        for text in {std.rstrip("="), url.rstrip("=")}:
            with pytest.raises(EnvelopeError, match="padding"):
                b64decode(text)


@pytest.mark.parametrize("text", [
    "YQ==", "YR==",  # "YR" has non-zero unused bits: decodes to b"a" like "YQ" does
    "Y", "YQ", "YQ=", "YQ===", "Y===", "a+b-", "ab c", "YWJj\n", "!!!!", "YWJj=", "=YWJ",
])
def test_base64_rejects_non_canonical_or_invalid_text(text: str) -> None:
    if text == "YQ==":  # the one valid entry, kept next to its non-canonical twin for contrast
        assert b64decode(text) == b"a"
        return
    with pytest.raises(EnvelopeError) as info:
        b64decode(text)
    assert info.value.code == "MALFORMED"


def _signed(private, payload: bytes = b'{"hello":"world"}', **kw) -> bytes:
    return dsse.sign(kw.get("payload_type", PAYLOAD_TYPE), payload, [private("ed25519-a")]).to_json()


def test_envelope_round_trip_and_signature_check(private, public) -> None:
    raw = _signed(private)
    env = parse_envelope(raw)
    assert env.payload == b'{"hello":"world"}' and env.payload_type == PAYLOAD_TYPE
    assert env.signatures[0].keyid == public("ed25519-a").keyid
    result = check_signatures(env, [public("ed25519-a")])
    assert result.ok and result.accepted == {public("ed25519-a").keyid}
    assert check_signatures(env, [public("ed25519-b")]).code == "UNTRUSTED_KEY"  # its keyid names no trusted key


def test_keyid_is_only_a_hint(private, public) -> None:
    doc = json.loads(_signed(private))
    doc["signatures"][0]["keyid"] = public("ed25519-b").keyid  # lies: names the other trusted key
    env = parse_envelope(json.dumps(doc).encode())
    assert check_signatures(env, [public("ed25519-b"), public("ed25519-a")]).ok
    doc["signatures"][0]["keyid"] = "not-a-key"
    env = parse_envelope(json.dumps(doc).encode())
    assert check_signatures(env, [public("ed25519-a")]).ok
    # An untrusted signer cannot borrow a trusted keyid.
    forged = json.loads(dsse.sign(PAYLOAD_TYPE, b"{}", [private("untrusted")]).to_json())
    forged["signatures"][0]["keyid"] = public("ed25519-a").keyid
    assert check_signatures(parse_envelope(json.dumps(forged).encode()), [public("ed25519-a")]).code == (
        "SIGNATURE_INVALID")
    plain = parse_envelope(dsse.sign(PAYLOAD_TYPE, b"{}", [private("untrusted")]).to_json())
    assert check_signatures(plain, [public("ed25519-a")]).code == "UNTRUSTED_KEY"


def test_threshold_counts_distinct_trusted_keys(private, public) -> None:
    a, b, e = private("ed25519-a"), private("ed25519-b"), private("ecdsa-p256-a")
    trusted = [public("ed25519-a"), public("ed25519-b"), public("ecdsa-p256-a")]
    twice = parse_envelope(dsse.sign(PAYLOAD_TYPE, b"x", [a, a, a]).to_json())
    assert check_signatures(twice, trusted, threshold=2).code == "THRESHOLD_NOT_MET"
    two = parse_envelope(dsse.sign(PAYLOAD_TYPE, b"x", [a, e]).to_json())
    assert check_signatures(two, trusted, threshold=2).ok
    assert check_signatures(two, trusted, threshold=3).code == "THRESHOLD_NOT_MET"
    three = parse_envelope(dsse.sign(PAYLOAD_TYPE, b"x", [e, private("untrusted"), b, a]).to_json())
    assert check_signatures(three, trusted, threshold=3).ok


def test_unknown_fields_are_ignored_and_duplicates_rejected(private, public) -> None:
    doc = json.loads(_signed(private))
    doc["extension"] = {"x": 1}
    doc["signatures"][0]["cert"] = None
    assert check_signatures(parse_envelope(json.dumps(doc).encode()), [public("ed25519-a")]).ok
    raw = _signed(private)
    dup = raw[:-1] + b',"payload":"e30="}'
    with pytest.raises(EnvelopeError, match="duplicate JSON key 'payload'"):
        parse_envelope(dup)


@pytest.mark.parametrize("raw", [
    b"", b"[]", b'{"payload":"e30=","payloadType":"t"}', b'{"payload":1,"payloadType":"t","signatures":[]}',
    b'{"payload":"e30=","payloadType":"t","signatures":[{"keyid":"k"}]}',
    b'{"payload":"e30=","payloadType":"t","signatures":[{"sig":"e30=","keyid":5}]}',
    b'{"payload":"e30=","payloadType":"t","signatures":{}}', b'{"payload":"e30=","payloadType":NaN,"signatures":[]}',
    b'\xef\xbb\xbf{}', b'{"payload":"e30=","payloadType":"\\ud800","signatures":[]}', b"\xff\xfe{\x00}\x00",
    b'{"payload":"e30=","payloadType":"t","signatures":[]} trailing',
    b'{"payload":"e30=","payloadType":"t","signatures":[],"n":' + b"9" * 5000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
])
def test_malformed_envelopes_are_rejected(raw: bytes) -> None:
    with pytest.raises(EnvelopeError) as info:
        parse_envelope(raw)
    assert info.value.code == "MALFORMED"


def test_ecdsa_signatures_are_der_and_deterministic(private, public) -> None:
    e = private("ecdsa-p256-a")
    first = dsse.sign(PAYLOAD_TYPE, b"x", [e]).signatures[0].sig
    assert first == dsse.sign(PAYLOAD_TYPE, b"x", [e]).signatures[0].sig
    assert first[0] == 0x30  # ASN.1 SEQUENCE
    assert public("ecdsa-p256-a").verify(first, dsse.pae(PAYLOAD_TYPE, b"x"))
    assert not public("ecdsa-p256-a").verify(first, dsse.pae(PAYLOAD_TYPE, b"y"))


def _verifies(raw: bytes, keys) -> bool:
    try:
        return check_signatures(parse_envelope(raw), keys).ok
    except EnvelopeError:
        return False


@pytest.mark.parametrize("key_name", ["ed25519-a", "ecdsa-p256-a"])
def test_mutation_no_changed_envelope_verifies(private, public, key_name: str) -> None:
    """Every single-byte change (three different replacements per position) and 10,000 random
    multi-byte changes of a valid envelope: none verifies.

    The envelope carries no keyid: a keyid is an unauthenticated hint by the DSSE spec, so a
    changed keyid over a valid signature rightly still verifies (see test_keyid_is_only_a_hint).
    """
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://example.com/p",
                          "subject": [{"name": "a", "digest": {"sha256": "ab" * 32}}], "predicate": {"n": 1}},
                         separators=(",", ":")).encode()
    env = dsse.sign(PAYLOAD_TYPE, payload, [private(key_name)])
    doc = env.to_dict()
    for s in doc["signatures"]:
        del s["keyid"]
    raw = json.dumps(doc, separators=(",", ":")).encode()
    keys = [public(key_name)]
    assert _verifies(raw, keys)
    rng = random.Random(20260101)
    start = time.perf_counter()
    accepted: list[bytes] = []
    single = 0
    for i in range(len(raw)):
        for replacement in {raw[i] ^ 0x01, raw[i] ^ 0x20, rng.choice(b"ABCXYZabcxyz0189+/-_=\"{}[],: ")}:
            if replacement == raw[i]:
                continue
            mutated = raw[:i] + bytes([replacement]) + raw[i + 1:]
            single += 1
            if _verifies(mutated, keys):
                accepted.append(mutated)
    assert single >= 2 * len(raw)
    for _ in range(10_000):
        buf = bytearray(raw)
        kind = rng.random()
        if kind < 0.8:  # overwrite 2..8 random bytes with random values
            for pos in rng.sample(range(len(buf)), rng.randint(2, 8)):
                buf[pos] = rng.choice([v for v in range(256) if v != raw[pos]])
        elif kind < 0.9:  # delete a random slice
            a = rng.randrange(len(buf))
            del buf[a:a + rng.randint(1, 16)]
        else:  # insert random bytes
            a = rng.randrange(len(buf) + 1)
            buf[a:a] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        if bytes(buf) != raw and _verifies(bytes(buf), keys):
            accepted.append(bytes(buf))
    assert accepted == []
    assert time.perf_counter() - start < 60
