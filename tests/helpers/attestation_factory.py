"""Real signed bundles for the store, server and audit tests: check-result statements and a closing VSA.

Everything is made with gatecheck's own attestation code (DSSE signing, Statement v1, VSA v1)
and real keys; only the check results are written by hand, so a test controls the verdict,
its time and its policy without running scanners.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, DEFAULT_VERIFIER_ID, PAYLOAD_TYPE, VSA_PREDICATE_TYPE, dsse, vsa
from gatecheck.attest.keys import PrivateKey, generate
from gatecheck.attest.statement import Statement, Subject

POLICY_DIGEST = hashlib.sha256(b"policy listing for the tests").hexdigest()


def digest_of(name: str) -> str:
    """A stable fake image digest for a name (what a registry would report)."""
    return hashlib.sha256(name.encode()).hexdigest()


def new_key(algorithm: str = "ed25519") -> PrivateKey:
    return generate(algorithm)  # type: ignore[arg-type]


def write_public(key: PrivateKey, path: Path) -> Path:
    path.write_bytes(key.public.pem())
    return path


def make_bundle(
    key: PrivateKey,
    image_digest: str,
    *,
    name: str = "registry.example/shop",
    passed: bool = True,
    when: datetime | None = None,
    checks: Sequence[str] = ("sast", "secrets"),
    policy_digest: str = POLICY_DIGEST,
    stage: str = "ci",
    extra: dict[str, Any] | None = None,
    vsa_key: PrivateKey | None = None,
) -> list[bytes]:
    """Signed envelope lines: one check result per check, then the VSA listing them as inputs.

    ``vsa_key`` signs the VSA with another key than the check results (a rotated key, say).
    """
    subject = (Subject(name, {"sha256": image_digest}),)
    lines = []
    for check in checks:
        predicate = {"check": check, "status": "ok", "findings": [], "stage": stage,
                     "tool": {"name": check, "version": "1"}}
        st = Statement(subject, CHECK_RESULT_PREDICATE_TYPE, predicate)
        lines.append(dsse.sign(PAYLOAD_TYPE, st.to_json(), [key]).to_json())
    inputs = [(f"bundle#{i}", hashlib.sha256(line).hexdigest()) for i, line in enumerate(lines, 1)]
    predicate = vsa.predicate(
        verifier_id=DEFAULT_VERIFIER_ID, verifier_version="test", time_verified=when or datetime.now(UTC),
        resource_uri=f"oci://{name}@sha256:{image_digest}", policy_uri="https://gatecheck.dev/policy/embedded",
        policy_digest=policy_digest, input_digests=inputs, passed=passed, stage=stage,
    )
    predicate.update(extra or {})
    closing = Statement(subject, VSA_PREDICATE_TYPE, predicate)
    lines.append(dsse.sign(PAYLOAD_TYPE, closing.to_json(), [vsa_key or key]).to_json())
    return lines


def write_bundle(path: Path, lines: Sequence[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def entries(lines: Sequence[bytes], source: str = "bundle.intoto.jsonl") -> list[tuple[str, bytes]]:
    """``(file:line, bytes)`` pairs, as gatecheck.attest.verify.read_bundle gives them."""
    return [(f"{source}:{i}", line) for i, line in enumerate(lines, 1)]
