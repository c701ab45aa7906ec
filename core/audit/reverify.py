"""Re-verify every stored envelope against today's trust roots.

Keys get rotated and revoked: an envelope that verified when it was pushed may not verify
against the keys trusted today. Each stored envelope goes through the attestation
verifier's own envelope check again (signatures over the exact stored bytes, then a strict
parse), and each verdict's input attestations must still be stored and still verify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gatecheck.attest import VSA_PREDICATE_TYPE
from gatecheck.attest.verify import VerifyOptions, check_envelope
from gatecheck.digests import prefixed

if TYPE_CHECKING:
    from gatecheck.store.providers import AttestationStore


@dataclass
class Unverified:
    """A stored envelope that no longer verifies, and why (a verifier reason code)."""

    seq: int
    digest: str
    predicate_type: str
    subjects: list[str]
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.seq, "digest": prefixed(self.digest), "predicateType": self.predicate_type,
                "subjects": self.subjects, "code": self.code, "message": self.message}


@dataclass
class Reverification:
    """How many stored envelopes were checked and the ones that failed."""

    checked: int = 0
    failures: list[Unverified] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "failed": len(self.failures),
                "failures": [f.to_dict() for f in self.failures]}


def reverify(store: AttestationStore, options: VerifyOptions, *, progress: Callable[[int], None] | None = None) -> Reverification:
    """Check every stored envelope (in chain order) against ``options.keys``; return those that fail."""
    options.validate()
    outcome = Reverification()
    verified: set[str] = set()
    verdict_inputs: list[tuple[int, str, list[str], list[str]]] = []
    for rec in store.iter_records(with_envelope=True):
        outcome.checked += 1
        assert rec.envelope is not None
        checked = check_envelope(f"store:{rec.seq}", rec.envelope, options)
        subjects = [f"{alg}:{value}" for _, alg, value in rec.subjects]
        if checked.problem is not None:
            outcome.failures.append(Unverified(rec.seq, rec.digest, rec.predicate_type, subjects, checked.problem.code,
                                               checked.problem.message))
            continue
        verified.add(rec.digest)
        if rec.predicate_type == VSA_PREDICATE_TYPE and rec.inputs:
            verdict_inputs.append((rec.seq, rec.digest, subjects, rec.inputs))
        if progress is not None and outcome.checked % 1000 == 0:
            progress(outcome.checked)
    for seq, digest, subjects, inputs in verdict_inputs:
        missing = [d for d in inputs if d not in verified]
        if missing:
            outcome.failures.append(Unverified(
                seq, digest, VSA_PREDICATE_TYPE, subjects, "INPUT_INVALID",
                f"{len(missing)} input attestation(s) of this verdict are not stored or no longer verify "
                f"(first: {prefixed(missing[0])})"))
    outcome.failures.sort(key=lambda f: f.seq)
    return outcome
