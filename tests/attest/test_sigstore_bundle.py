"""Sigstore bundles (v0.3): what gatecheck writes, how strictly it reads, and the mutation test for the format."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from gatecheck.attest import PAYLOAD_TYPE, VSA_PREDICATE_TYPE, dsse, sigstore, vsa
from gatecheck.attest.statement import Statement, Subject
from gatecheck.attest.verify import VerifyOptions, check_envelope, verify_entries
from gatecheck_conformance.verifier import generate

STATEMENT = json.dumps({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://example.com/p",
                        "subject": [{"name": "a", "digest": {"sha256": "ab" * 32}}], "predicate": {"n": 1}},
                       separators=(",", ":")).encode()
NOW = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)


def bundle(private, name: str = "ed25519-a", payload: bytes = STATEMENT) -> dict[str, Any]:
    key = private(name)
    return sigstore.bundle_doc(dsse.sign(PAYLOAD_TYPE, payload, [key]), key.keyid)


def code_of(doc: Any, public, name: str = "ed25519-a") -> str | None:
    """The reason code check_envelope gives the bundle (None: it verified)."""
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    record = check_envelope("b:1", raw, VerifyOptions(keys=[public(name)]))
    return record.problem.code if record.problem else None


def test_the_bundle_gatecheck_writes_is_v0_3_with_a_public_key_hint_and_no_log(private, public) -> None:
    doc = bundle(private)
    assert doc["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert doc["verificationMaterial"] == {"publicKey": {"hint": public("ed25519-a").keyid}, "tlogEntries": []}
    assert doc["dsseEnvelope"]["payloadType"] == PAYLOAD_TYPE
    assert base64.b64decode(doc["dsseEnvelope"]["payload"]) == STATEMENT
    assert code_of(doc, public) is None
    # One envelope, one digest: the bundle's envelope re-encoded is the JSON Lines line, byte for byte.
    line = dsse.sign(PAYLOAD_TYPE, STATEMENT, [private("ed25519-a")]).to_json()
    record = check_envelope("b:1", json.dumps(doc, indent=2).encode(), VerifyOptions(keys=[public("ed25519-a")]))
    assert record.format == "sigstore" and record.raw == line
    assert record.digest == hashlib.sha256(line).hexdigest()
    assert record.container_digest == hashlib.sha256(json.dumps(doc, indent=2).encode()).hexdigest()
    with pytest.raises(ValueError, match="exactly one signature"):
        sigstore.bundle_doc(dsse.sign(PAYLOAD_TYPE, STATEMENT, [private("ed25519-a"), private("ed25519-b")]), "h")


def _set(path: list[str | int], value: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _drop(path: list[str | int]) -> Any:
    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


TLOG_ENTRY = {"logIndex": "1", "logId": {"keyId": "AA=="}, "kindVersion": {"kind": "dsse", "version": "0.0.1"},
              "canonicalizedBody": "e30="}


@pytest.mark.parametrize(("change", "code"), [
    (_set(["x-extra"], 1), "MALFORMED"),
    (_set(["verificationMaterial", "x-extra"], 1), "MALFORMED"),
    (_set(["verificationMaterial", "publicKey", "x-extra"], 1), "MALFORMED"),
    (_set(["dsseEnvelope", "x-extra"], 1), "MALFORMED"),
    (_set(["dsseEnvelope", "signatures", 0, "cert"], ""), "MALFORMED"),
    (_drop(["verificationMaterial"]), "MALFORMED"),
    (_drop(["verificationMaterial", "publicKey"]), "MALFORMED"),
    (_drop(["mediaType"]), "MALFORMED"),
    (_set(["mediaType"], "application/json"), "MALFORMED"),
    (_set(["dsseEnvelope", "signatures"], []), "MALFORMED"),
    (_set(["dsseEnvelope", "signatures", 0, "keyid"], 7), "MALFORMED"),
    (_set(["verificationMaterial", "publicKey", "hint"], None), "MALFORMED"),
    (_set(["verificationMaterial", "tlogEntries"], [{"logIndex": "1"}]), "MALFORMED"),
    (_set(["verificationMaterial", "timestampVerificationData"], {"rfc3161Timestamps": [{"x": 1}]}), "MALFORMED"),
    (_set(["messageSignature"], {"signature": "AA=="}), "MALFORMED"),  # both kinds of content
    (_set(["mediaType"], "application/vnd.dev.sigstore.bundle+json;version=0.1"), "BUNDLE_UNSUPPORTED"),
    (_set(["mediaType"], "application/vnd.dev.sigstore.bundle.v0.4+json"), "BUNDLE_UNSUPPORTED"),
    (_set(["verificationMaterial", "x509CertificateChain"], {"certificates": [{"rawBytes": "AA=="}]}), "MALFORMED"),
    (_set(["verificationMaterial"], {"certificate": {"rawBytes": "AA=="}, "tlogEntries": []}), "KEYLESS_UNSUPPORTED"),
    (_set(["verificationMaterial"], {"x509CertificateChain": {"certificates": []}}), "KEYLESS_UNSUPPORTED"),
    # What is accepted: the other spelling of v0.3, log entries and timestamps (present but not relied on),
    # and a hint or keyid that names no key (hints, as a DSSE keyid is).
    (_set(["mediaType"], "application/vnd.dev.sigstore.bundle+json;version=0.3"), None),
    (_set(["verificationMaterial", "tlogEntries"], [TLOG_ENTRY]), None),
    (_set(["verificationMaterial", "timestampVerificationData"], {"rfc3161Timestamps": [{"signedTimestamp": "AA=="}]}),
     None),
    (_set(["verificationMaterial", "publicKey", "hint"], "someone else"), None),
    (_drop(["dsseEnvelope", "signatures", 0, "keyid"]), None),
])
def test_bundles_are_read_strictly(private, public, change, code: str | None) -> None:
    doc = bundle(private)
    change(doc)
    assert code_of(doc, public) == code


def test_duplicate_keys_nan_and_trailing_data_are_malformed(private, public) -> None:
    raw = json.dumps(bundle(private)).encode()
    assert code_of(raw[:-1] + b',"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}', public) == "MALFORMED"
    assert code_of(raw + b"{}", public) == "MALFORMED"
    assert code_of(raw.replace(b'"tlogEntries": []', b'"tlogEntries": NaN'), public) == "MALFORMED"


def test_a_verdict_in_a_bundle_finds_its_inputs_in_json_lines_and_by_the_bundle_file_s_digest(private, public) -> None:
    keys = generate.load_keys()
    lines = generate.bundle_lines(generate.Spec(), keys)
    hint = keys["ed25519-a"].keyid
    options = VerifyOptions(keys=[public("ed25519-a")], now=NOW)
    vsa_bundle = sigstore.bundle_json(dsse.parse_envelope(lines[-1]), hint)
    mixed = [(f"in:{i}", line) for i, line in enumerate(lines[:-1], 1)] + [("vsa.sigstore.json:1", vsa_bundle)]
    result = verify_entries({"sha256": generate.ARTIFACT}, mixed, options)
    assert result.ok, result.reasons
    # The same envelope as a JSON Lines line and in a bundle counts once.
    both = [*mixed, ("copy:6", lines[-1])]
    assert len(verify_entries({"sha256": generate.ARTIFACT}, both, options).envelopes) == 6
    # A verdict that names an input by the sha256 of the bundle file holding it finds it too.
    sbom_bundle = sigstore.bundle_json(dsse.parse_envelope(lines[4]), hint)
    subject = (Subject("artifact", {"sha256": generate.ARTIFACT}),)
    predicate = vsa.predicate(verifier_id=generate.VERIFIER_ID, verifier_version="t", time_verified=generate.BASE_TIME,
                              resource_uri="urn:x", policy_uri="p", policy_digest=generate.POLICY,
                              input_digests=[("sbom.sigstore.json", hashlib.sha256(sbom_bundle).hexdigest())],
                              passed=True, stage="deploy")
    verdict = dsse.sign(PAYLOAD_TYPE, Statement(subject, VSA_PREDICATE_TYPE, predicate).to_json(),
                        [keys["ed25519-a"]]).to_json()
    found = verify_entries({"sha256": generate.ARTIFACT}, [("sbom:1", sbom_bundle), ("vsa:1", verdict)], options)
    assert found.ok, found.reasons
    missing = verify_entries({"sha256": generate.ARTIFACT}, [("vsa:1", verdict)], options)
    assert missing.reason == "INPUT_MISSING"


def _hint_and_keyid_spans(raw: bytes, doc: dict[str, Any]) -> set[int]:
    """Byte positions inside the values of the key hint and the signature's keyid."""
    spans: set[int] = set()
    for value in {doc["verificationMaterial"]["publicKey"]["hint"], doc["dsseEnvelope"]["signatures"][0]["keyid"]}:
        start = 0
        while (found := raw.find(value.encode(), start)) >= 0:
            spans.update(range(found, found + len(value)))
            start = found + 1
    return spans


def _verifies(raw: bytes, keys: list[Any]) -> bool:
    return check_envelope("b:1", raw, VerifyOptions(keys=keys)).statement is not None


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


@pytest.mark.parametrize("key_name", ["ed25519-a", "ecdsa-p256-a"])
def test_mutation_no_changed_bundle_verifies(private, public, key_name: str) -> None:
    """Every single-byte change of a gatecheck Sigstore bundle (three replacements per position) and
    10,000 random multi-byte changes: none verifies.

    The key hint and the signature's keyid are unauthenticated hints by the Sigstore and DSSE
    specifications, so changing their values rightly still verifies (test_bundles_are_read_strictly
    shows it); their names, and everything else, are covered. A change that leaves the same JSON
    document (white space between tokens) changes nothing and is not counted.
    """
    doc = bundle(private, key_name)
    raw = json.dumps(doc, separators=(",", ":")).encode()
    keys = [public(key_name)]
    assert _verifies(raw, keys)
    hints = _hint_and_keyid_spans(raw, doc)
    positions = [i for i in range(len(raw)) if i not in hints]
    rng = random.Random(20260102)
    start = time.perf_counter()
    accepted: list[bytes] = []
    single = 0
    for i in positions:
        for replacement in {raw[i] ^ 0x01, raw[i] ^ 0x20, rng.choice(b"ABCXYZabcxyz0189+/-_=\"{}[],: ")}:
            if replacement == raw[i]:
                continue
            mutated = raw[:i] + bytes([replacement]) + raw[i + 1:]
            single += 1
            if _verifies(mutated, keys) and not _same_json(mutated, raw):
                accepted.append(mutated)
    assert single >= 2 * len(positions)
    multi = 0
    while multi < 10_000:
        buf = bytearray(raw)
        kind = rng.random()
        if kind < 0.8:  # overwrite 2..8 random bytes (outside the hints) with random values
            for pos in rng.sample(positions, rng.randint(2, 8)):
                buf[pos] = rng.choice([v for v in range(256) if v != raw[pos]])
        elif kind < 0.9:  # delete a random slice
            a = rng.choice(positions)
            del buf[a:a + rng.randint(1, 16)]
        else:  # insert random bytes, never right after a hint (that would lengthen the hint)
            a = rng.choice([p for p in positions if p - 1 not in hints])
            buf[a:a] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        mutated = bytes(buf)
        if mutated == raw or _same_json(mutated, raw):
            continue
        multi += 1
        if _verifies(mutated, keys):
            accepted.append(mutated)
    assert accepted == []
    assert time.perf_counter() - start < 60
