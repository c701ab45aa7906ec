"""The verifier's reason codes, and the one shape every failure takes.

Codes are stable: tools and policies match on them. docs/attestations.md lists the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every reason code the verifier gives, with what it means. Codes are stable: tools may match on them.
REASON_CODES: dict[str, str] = {
    "MALFORMED": "an envelope, Sigstore bundle, statement, VSA or provenance is not well-formed (bad JSON, "
                 "duplicate keys, bad base64, missing or unknown bundle fields, over the size limit)",
    "BUNDLE_UNSUPPORTED": "a Sigstore bundle of another version than v0.3, or one that signs a blob "
                          "(messageSignature) rather than an attestation",
    "KEYLESS_UNSUPPORTED": "a Sigstore bundle verified by a certificate (keyless signing): gatecheck trusts public "
                           "keys, offline, and checks no Fulcio root or transparency log",
    "SIGNATURE_INVALID": "a signature does not verify with the trusted key its keyid names, or with any trusted key",
    "UNTRUSTED_KEY": "the envelope is signed only by keys that are not trusted",
    "THRESHOLD_NOT_MET": "fewer distinct trusted keys signed than the threshold requires",
    "PAYLOAD_TYPE_MISMATCH": "the payloadType is not application/vnd.in-toto+json",
    "UNSUPPORTED_STATEMENT": "the statement is not an in-toto Statement v1 (for example v0.1)",
    "NO_ATTESTATION": "the bundles hold no envelope at all",
    "SUBJECT_MISMATCH": "no verified verdict is about the artifact's digest",
    "PREDICATE_TYPE_MISMATCH": "statements about the artifact verify, but none has a required predicate type (the "
                               "SLSA VSA v1 unless --require-predicate says otherwise)",
    "VERIFIER_MISMATCH": "the verdict's verifier.id is not the expected one",
    "RESULT_FAILED": "the verdict is FAILED, or a FAILED verdict made at the same time or later supersedes the "
                     "passing one",
    "POLICY_MISMATCH": "the verdict's policy digest is not the expected one",
    "RESOURCE_MISMATCH": "the verdict's resourceUri is not the expected one (--resource-uri)",
    "STAGE_MISMATCH": "the verdict was made for another stage",
    "EXPIRED": "timeVerified is older than the maximum age",
    "FUTURE_DATED": "timeVerified is later than now plus the allowed clock skew",
    "NO_INPUTS": "the verdict lists no input attestation, so it vouches for no check (allowed only when the caller "
                 "says so: --allow-no-inputs)",
    "INPUT_MISSING": "an input attestation the verdict lists is not in the bundles",
    "INPUT_INVALID": "an input attestation the verdict lists is present but does not verify",
    "CHECK_MISSING": "a required check has no check-result attestation among the verdict's inputs",
    "CHECK_NOT_OK": "a required check's result attestation says it errored, timed out or was skipped",
    "POLICY_DENIED": "the verify-time policy (--policy) denied: its deny entries follow",
    "POLICY_ERROR": "the verify-time policy could not decide (no decision, an engine error or timeout, a "
                    "malformed decision): never a pass",
}


@dataclass(frozen=True)
class Reason:
    """One failure: a stable code, a message, and where (``file:line``) when it is about an envelope."""

    code: str
    message: str
    source: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "source": self.source}

    def __str__(self) -> str:
        return f"{self.code}: {self.source + ': ' if self.source else ''}{self.message}"
