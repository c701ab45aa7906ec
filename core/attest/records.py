"""What the verifier found: each envelope, each verdict, the evidence a policy sees, and the outcome.

Plain data, produced by :func:`gatecheck.attest.verify.verify_entries` and read by the CLI, the
store, the admission server and verify-time policies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gatecheck.attest.dsse import SignatureCheck
from gatecheck.attest.reasons import Reason
from gatecheck.attest.statement import Statement
from gatecheck.attest.vsa import Verdict
from gatecheck.timestamps import format_micro


@dataclass
class EnvelopeRecord:
    """One envelope as read, and how far it got through verification.

    ``raw`` and ``digest`` are the envelope's bytes and their sha256: exactly as given for a
    DSSE envelope, the compact re-encoding for one taken out of a Sigstore bundle, whose own
    bytes' sha256 is then ``container_digest`` (a verdict may name either).
    """

    source: str
    raw: bytes
    digest: str
    signatures: SignatureCheck | None = None
    statement: Statement | None = None
    problem: Reason | None = None
    format: str = "dsse"
    container_digest: str | None = None
    #: What the verifier read out of a predicate it knows (SLSA provenance), for reports and policies.
    facts: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return self.statement is not None

    def summary(self) -> dict[str, Any]:
        """Where a verified statement came from, what it is and who signed it."""
        st = self.statement
        return {"source": self.source, "format": self.format, "digest": {"sha256": self.digest},
                "predicateType": st.predicate_type if st else None,
                "signers": sorted(self.signatures.accepted) if self.signatures else []}


@dataclass
class VerdictRecord:
    """A VSA about the subject and why it does (not) pass."""

    record: EnvelopeRecord
    verdict: Verdict | None
    reasons: list[Reason] = field(default_factory=list)
    #: Inputs it lists that are not here but declared absent: ``{uri, digest, reason}``.
    absent: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "source": self.record.source,
            "digest": {"sha256": self.record.digest},
            "result": v.result if v else None,
            "timeVerified": format_micro(v.time_verified) if v else None,
            "verifier": v.verifier_id if v else None,
            "policy": {"uri": v.policy_uri, "digest": v.policy_digest} if v else None,
            "stage": v.stage if v else None,
            "passes": not self.reasons,
            "reasons": [r.to_dict() for r in self.reasons],
            "absentInputs": list(self.absent),
        }


@dataclass
class Evidence:
    """What a verify-time policy judges: every verified statement about the subject, the verdicts
    with today's rules applied, and what did not verify."""

    subject: dict[str, str]
    statements: list[EnvelopeRecord]
    verdicts: list[VerdictRecord]
    chosen: VerdictRecord | None
    unverified: list[Reason]
    by_digest: dict[str, EnvelopeRecord]
    now: datetime


@dataclass
class VerificationResult:
    """The outcome: ``ok`` only when everything required holds; otherwise ``reasons`` says why (primary first)."""

    ok: bool
    subject: dict[str, str]
    reasons: list[Reason]
    chosen: VerdictRecord | None
    verdicts: list[VerdictRecord]
    envelopes: list[EnvelopeRecord]
    warnings: list[Reason]
    required: list[str] = field(default_factory=list)
    #: The policy's decision (:meth:`gatecheck.attest.policy.PolicyOutcome.to_dict`) when one judged.
    policy: dict[str, Any] | None = None

    @property
    def reason(self) -> str | None:
        """The primary reason code, None on success."""
        return self.reasons[0].code if self.reasons else None

    @property
    def statements(self) -> list[EnvelopeRecord]:
        """The verified statements about the subject."""
        return [r for r in self.envelopes if r.statement is not None and r.statement.about(self.subject)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "reasons": [r.to_dict() for r in self.reasons],
            "subject": {"digest": self.subject},
            "required": list(self.required),
            "verdict": self.chosen.to_dict() if self.chosen else None,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "statements": [r.summary() for r in self.statements],
            "policy": self.policy,
            "envelopes": len(self.envelopes),
            "warnings": [w.to_dict() for w in self.warnings],
        }
