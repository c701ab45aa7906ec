"""Hostile envelopes (issue 21): bounded cost and a stable reason, never an internal error."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

from attestation_factory import make_bundle, new_key, write_bundle, write_public
from fuzz_strategies import mutated_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.sources import split
from gatecheck.attest.verify import REASON_CODES, VerifyOptions, check_envelope


def test_an_envelope_with_thousands_of_bogus_signatures_is_refused_before_any_is_checked() -> None:
    key = new_key()
    line = make_bundle(key, "ab" * 32)[-1]
    envelope = json.loads(line)
    bogus = base64.b64encode(os.urandom(64)).decode()
    envelope["signatures"] = [{"keyid": "", "sig": bogus}] * 150_000 + envelope["signatures"]
    raw = json.dumps(envelope).encode()
    options = VerifyOptions(keys=[new_key().public, new_key().public, key.public], max_envelope_bytes=64 * 1024 * 1024)
    start = time.perf_counter()
    record = check_envelope("bundle:1", raw, options)
    assert time.perf_counter() - start < 5
    assert record.problem is not None and record.problem.code == "MALFORMED"
    assert "150001 signatures, more than the 16 allowed" in record.problem.message


def test_a_signed_verdict_dated_past_the_year_9999_in_utc_is_malformed_not_a_crash(
    tmp_path: Path, run_cli: object,
) -> None:
    key = new_key()
    lines = make_bundle(key, "cd" * 32)
    # Re-sign the VSA with a timeVerified that exists locally but not in UTC.
    closing = json.loads(lines[-1])
    statement = json.loads(base64.b64decode(closing["payload"]))
    statement["predicate"]["timeVerified"] = "9999-12-31T23:59:59-23:59"
    lines[-1] = dsse.sign(PAYLOAD_TYPE, json.dumps(statement).encode(), [key]).to_json()
    bundle = write_bundle(tmp_path / "b.intoto.jsonl", lines)
    pub = write_public(key, tmp_path / "k.pub")
    subject = f"sha256:{'cd' * 32}"
    code, out = run_cli(["verify", subject, "--bundle", str(bundle), "--key", str(pub), "--format", "json"])  # type: ignore[operator]
    assert code == 1, out
    assert "MALFORMED" in out and "outside the years 1 to 9999" in out
    store = f"sqlite:///{tmp_path / 'store.sqlite'}"
    code, out = run_cli(["store", "push", str(bundle), "--key", str(pub), "--store", store])  # type: ignore[operator]
    assert code == 2 and "internal error" not in out and "malformed envelope" in out and "nothing was stored" in out, out


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=20)
TRUSTED = new_key()
BUNDLE_KEYS = ["mediaType", "verificationMaterial", "dsseEnvelope", "messageSignature", "publicKey", "hint",
               "tlogEntries", "timestampVerificationData", "payload", "payloadType", "signatures", "sig", "keyid"]


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(BUNDLE_KEYS), JSON | st.dictionaries(st.sampled_from(BUNDLE_KEYS), JSON),
                       min_size=1, max_size=6))
def test_any_bundle_shaped_document_gets_a_reason_code_never_an_internal_error(doc: dict) -> None:
    """Sigstore-bundle-shaped JSON of every shape: a stable reason code, never an exception or a pass."""
    doc.setdefault("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json")
    record = check_envelope("bundle:1", json.dumps(doc).encode(), VerifyOptions(keys=[TRUSTED.public]))
    assert record.statement is None
    assert record.problem is not None and record.problem.code in REASON_CODES


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(mutated_bytes(b'{\n  "payload": "e30=",\n  "payloadType": "application/vnd.in-toto+json",\n'
                     b'  "signatures": [{"sig": "AAAA"}]\n}\n'))
def test_any_attestation_file_splits_into_entries_with_file_and_line(data: bytes) -> None:
    entries = split(data, "f.json")
    assert all(source.startswith("f.json:") and int(source.rsplit(":", 1)[1]) >= 1 for source, _ in entries)
    assert all(raw and raw == raw.strip(b" \t\r") for _, raw in entries)
