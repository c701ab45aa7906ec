"""Signed attestations: DSSE envelopes around in-toto Statement v1, SLSA VSA verdicts, bundles.

The parts, one module each:

* :mod:`gatecheck.attest.keys`: Ed25519 and ECDSA P-256 keys; keyid = sha256 of the SPKI DER.
* :mod:`gatecheck.attest.dsse`: the DSSE envelope, its PAE, signing and signature checks.
* :mod:`gatecheck.attest.statement`: in-toto Statement v1 (build and strict parse).
* :mod:`gatecheck.attest.vsa`: the SLSA Verification Summary Attestation v1 predicate.
* :mod:`gatecheck.attest.subjects`: subjects from files, directories (dirHash) and OCI digests.
* :mod:`gatecheck.attest.bundle`: JSON Lines bundles, written from a gate report.
* :mod:`gatecheck.attest.signing`: the signer protocol and lookup by URI scheme (plugins).
* :mod:`gatecheck.attest.verify`: the verifier with stable reason codes, usable as a library.
"""

from __future__ import annotations

#: ``payloadType`` of every envelope gatecheck writes or accepts.
PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: ``_type`` of an in-toto Statement v1.
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
#: Predicate type of the closing verdict.
VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
#: Predicate type of an SBOM statement.
CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
#: Predicate type of one check result.
CHECK_RESULT_PREDICATE_TYPE = "https://gatecheck.dev/attestation/check-result/v1"
#: The verifier id written into VSAs and expected by ``gatecheck verify`` unless told otherwise.
DEFAULT_VERIFIER_ID = "https://gatecheck.dev/verifier"
