"""The building blocks of the verifier test vectors: the fixed test keys, gatecheck-shaped bundles and edits.

:mod:`gatecheck_conformance.verifier.generate` and :mod:`gatecheck_conformance.verifier.foreign`
build the vectors from these; the benchmark and the interoperability tests build bundles with them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gatecheck.attest import (
    CHECK_RESULT_PREDICATE_TYPE,
    CYCLONEDX_PREDICATE_TYPE,
    PAYLOAD_TYPE,
    STATEMENT_TYPE,
    VSA_PREDICATE_TYPE,
    dsse,
    vsa,
)
from gatecheck.attest.keys import PrivateKey, generate, load_private_pem

HERE = Path(__file__).resolve().parent
KEYS_DIR = HERE / "keys"
VECTORS_DIR = HERE / "vectors"
KEY_NAMES = {"ed25519-a": "ed25519", "ed25519-b": "ed25519", "ecdsa-p256-a": "ecdsa-p256", "untrusted": "ed25519"}

VERIFIER_ID = "https://gatecheck.dev/verifier"
BASE_TIME = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
#: Vectors are judged at this time (passed as ``--at``): one hour after the verdicts.
JUDGE_AT = "2026-01-01T13:00:00Z"
POLICY = hashlib.sha256(b"gatecheck conformance policy v1").hexdigest()
OTHER_POLICY = hashlib.sha256(b"some other policy").hexdigest()
ARTIFACT_BYTES = b"gatecheck conformance artifact\n"
ARTIFACT = hashlib.sha256(ARTIFACT_BYTES).hexdigest()
OTHER_ARTIFACT = hashlib.sha256(b"a different artifact\n").hexdigest()
HUGE_PAYLOAD_BYTES = 24 * 1024 * 1024
CHECKS = ("sca", "sast", "secrets", "sbom")


def load_keys() -> dict[str, PrivateKey]:
    return {name: load_private_pem((KEYS_DIR / f"{name}.pem").read_bytes(), source=name) for name in KEY_NAMES}


def new_keys() -> None:
    KEYS_DIR.mkdir(exist_ok=True)
    for name, algorithm in KEY_NAMES.items():
        key = generate(algorithm)  # type: ignore[arg-type]
        (KEYS_DIR / f"{name}.pem").write_bytes(key.private_pem())
        (KEYS_DIR / f"{name}.pub").write_bytes(key.public.pem())


@dataclass
class Spec:
    """How to build one bundle: everything defaults to a valid, passing, six-envelope bundle."""

    signers: list[str] = field(default_factory=lambda: ["ed25519-a"])
    subject: str = ARTIFACT
    subject_alg: str = "sha256"
    result: str = "PASSED"
    time: datetime = BASE_TIME
    policy: str = POLICY
    verifier_id: str = VERIFIER_ID
    stage: str = "deploy"
    check_status: dict[str, str] = field(default_factory=dict)
    input_signers: dict[int, list[str]] = field(default_factory=dict)
    vsa_type: str = VSA_PREDICATE_TYPE
    statement_type: str = STATEMENT_TYPE
    drop_input: int | None = None
    drop_vsa_field: str | None = None
    #: Re-encodes every envelope line (inputs before the VSA digests them, and the VSA itself).
    transform: Callable[[bytes], bytes] | None = None
    #: Adds fields no parser knows to every statement and to the VSA predicate.
    unknown_fields: bool = False
    #: Writes ``timeVerified`` as this text instead of gatecheck's own form (microseconds).
    time_text: str | None = None
    #: False: the bundle holds only the VSA, and its ``inputAttestations`` is empty.
    with_inputs: bool = True


def statement(spec: Spec, predicate_type: str, predicate: dict[str, Any]) -> bytes:
    doc = {
        "_type": spec.statement_type,
        "subject": [{"name": "artifact", "digest": {spec.subject_alg: spec.subject}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    }
    if spec.unknown_fields:
        doc["x-future-field"] = {"ignored": [1, 2, 3]}
        doc["predicate"] = {**predicate, "https://example.com/extension": {"note": "unknown to gatecheck"}}
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def envelope(payload: bytes, signers: list[PrivateKey], payload_type: str = PAYLOAD_TYPE) -> dsse.Envelope:
    return dsse.sign(payload_type, payload, signers)


def bundle_lines(spec: Spec, keys: dict[str, PrivateKey]) -> list[bytes]:
    """The lines of a gatecheck-shaped bundle: four check results, an SBOM, then the VSA."""
    payloads = []
    for name in CHECKS if spec.with_inputs else ():
        status = spec.check_status.get(name, "ok")
        payloads.append(statement(spec, CHECK_RESULT_PREDICATE_TYPE, {
            "check": name, "tool": {"name": name, "version": "1.0.0"}, "status": status,
            "error": None if status == "ok" else "scanner crashed", "findings": [], "summary": {},
            "stage": spec.stage,
        }))
    if spec.with_inputs:
        payloads.append(statement(spec, CYCLONEDX_PREDICATE_TYPE, {
            "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"type": "library", "name": "requests", "version": "2.32.3",
                            "purl": "pkg:pypi/requests@2.32.3"}],
        }))
    lines = []
    for i, payload in enumerate(payloads):
        signer_names = spec.input_signers.get(i, spec.signers)
        line = envelope(payload, [keys[n] for n in signer_names]).to_json()
        lines.append(spec.transform(line) if spec.transform else line)
    inputs = [(f"bundle.intoto.jsonl#{i}", hashlib.sha256(line).hexdigest()) for i, line in enumerate(lines, 1)]
    predicate = vsa.predicate(
        verifier_id=spec.verifier_id, verifier_version="conformance", time_verified=spec.time,
        resource_uri="urn:sha256:" + spec.subject, policy_uri="https://gatecheck.dev/policy/conformance",
        policy_digest=spec.policy, input_digests=inputs, passed=spec.result == "PASSED", stage=spec.stage,
    )
    predicate["verificationResult"] = spec.result
    if spec.time_text is not None:
        predicate["timeVerified"] = spec.time_text
    if spec.drop_vsa_field:
        del predicate[spec.drop_vsa_field]
    if spec.drop_input is not None:
        del lines[spec.drop_input]
    closing = statement(spec, spec.vsa_type, predicate)
    line = envelope(closing, [keys[n] for n in spec.signers]).to_json()
    lines.append(spec.transform(line) if spec.transform else line)
    return lines


def reencode(line: bytes, urlsafe: bool, padded: bool) -> bytes:
    doc = json.loads(line)

    def enc(b64: str) -> str:
        raw = base64.b64decode(b64)
        text = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
        return text if padded else text.rstrip("=")

    doc["payload"] = enc(doc["payload"])
    for sig in doc["signatures"]:
        sig["sig"] = enc(sig["sig"])
    return json.dumps(doc, separators=(",", ":")).encode()


def edit_envelope(line: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    doc = json.loads(line)
    change(doc)
    return json.dumps(doc, separators=(",", ":")).encode()


def set_payload(doc: dict[str, Any], payload: bytes) -> None:
    doc["payload"] = base64.b64encode(payload).decode()


@dataclass
class Vector:
    """One test vector: what to run the verifier on, and the outcome it must give."""

    name: str
    description: str
    bundles: dict[str, bytes]
    expect_exit: int
    expect_reason: str | None
    keys: list[str] = field(default_factory=lambda: ["ed25519-a"])
    artifact: str = "sha256:" + ARTIFACT
    files: dict[str, bytes] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    gzip_bundles: bool = False
    missing_bundle: bool = False
    #: Files the options name (a policy directory), copied with the vector; ``{vector}`` in ``args``
    #: stands for the directory they are copied to.
    support: dict[str, bytes] = field(default_factory=dict)
