"""Count approvals: which envelopes are valid approvals of an artifact by a key of a reviewer set.

Rules, each a reason an approval is listed but not counted (a stable ``problem`` code):

* the envelope must verify against a key of some reviewer set, over its exact bytes, before
  anything in it is read (``UNTRUSTED_KEY``, ``SIGNATURE_INVALID``, ``MALFORMED``: the verifier's
  own codes, :func:`gatecheck.attest.verify.check_envelope`);
* the statement must be an approval (other statements are not listed) about the artifact
  (``SUBJECT_MISMATCH``);
* ``approver.keyid`` must be a key that signed it (``APPROVER_MISMATCH``: no approving in
  another reviewer's name);
* ``approvedAt`` must not be in the future beyond the clock skew (``FUTURE_DATED``);
* it must not have expired (``EXPIRED``).

A key approving twice still counts once (:meth:`ApprovalReport.counted` is a set of keyids per
reviewer set); the same envelope given twice is read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gatecheck.approve import APPROVAL_PREDICATE_TYPE
from gatecheck.approve.statement import parse
from gatecheck.attest.dsse import EnvelopeError
from gatecheck.attest.keys import PublicKey
from gatecheck.attest.verify import DEFAULT_CLOCK_SKEW, VerifyOptions, check_envelope
from gatecheck.digests import prefixed, sha256_hex
from gatecheck.policy.inputs import to_ns
from gatecheck.timestamps import format_micro, utc_now

#: Most listed approval records (the summary and the policy input stay small whatever a bundle holds).
MAX_LISTED = 200


@dataclass
class ApprovalRecord:
    """One envelope read as an approval, and whether it counts."""

    source: str
    digest: str
    keyid: str | None = None
    reviewer_sets: list[str] = field(default_factory=list)
    reason: str | None = None
    ticket: str | None = None
    approved_at: datetime | None = None
    expires: datetime | None = None
    expired: bool = False
    problem: str | None = None
    message: str = ""

    @property
    def valid(self) -> bool:
        """Signed by a reviewer key, about the artifact, in the signer's own name, not future-dated."""
        return self.problem is None or self.problem == "EXPIRED"

    @property
    def counted(self) -> bool:
        return self.problem is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "envelope": prefixed(self.digest), "keyid": self.keyid,
            "reviewer_sets": list(self.reviewer_sets), "reason": self.reason, "ticket": self.ticket,
            "approved_at": format_micro(self.approved_at) if self.approved_at else None,
            "expires": format_micro(self.expires) if self.expires else None,
            "expires_ns": to_ns(self.expires) if self.expires else None,
            "expired": self.expired, "valid": self.valid, "counted": self.counted,
            "problem": self.problem, "message": self.message,
        }


@dataclass
class ApprovalReport:
    """Every approval read for one artifact, and the distinct counted keys per reviewer set."""

    subject: dict[str, str]
    reviewer_sets: dict[str, list[str]]
    records: list[ApprovalRecord]

    def counted(self, reviewer_set: str) -> list[str]:
        """The distinct keyids of ``reviewer_set`` with a counted approval, sorted."""
        members = set(self.reviewer_sets.get(reviewer_set, []))
        return sorted({r.keyid for r in self.records if r.counted and r.keyid in members and r.keyid})

    def satisfied(self, reviewer_set: str, required: int) -> bool:
        """Whether at least ``required`` distinct keys of ``reviewer_set`` approved (never with no set)."""
        return reviewer_set in self.reviewer_sets and len(self.counted(reviewer_set)) >= max(required, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": dict(self.subject),
            "reviewer_sets": {name: list(keys) for name, keys in self.reviewer_sets.items()},
            "counted": {name: self.counted(name) for name in self.reviewer_sets},
            "approvals": [r.to_dict() for r in self.records[:MAX_LISTED]],
            "approvals_listed": min(len(self.records), MAX_LISTED),
            "approvals_read": len(self.records),
        }


def evaluate(subject: Mapping[str, str], entries: Iterable[tuple[str, bytes]],
             reviewers: Mapping[str, Sequence[PublicKey]], *, now: datetime | None = None,
             clock_skew: timedelta = DEFAULT_CLOCK_SKEW) -> ApprovalReport:
    """Read ``(source, envelope bytes)`` entries as approvals of ``subject`` (a DigestSet) by ``reviewers``.

    ``reviewers`` maps a reviewer set's name to its trusted public keys. An envelope that does not
    verify with any of them is listed with the verifier's reason code and never counted.
    """
    now = now or utc_now()
    keys = list({k.keyid: k for keys in reviewers.values() for k in keys}.values())
    sets_of: dict[str, list[str]] = {}
    for name, members in sorted(reviewers.items()):
        for key in members:
            sets_of.setdefault(key.keyid, []).append(name)
    report = ApprovalReport(dict(subject), {name: sorted({k.keyid for k in members}) for name, members in
                                            sorted(reviewers.items())}, [])
    if not keys:
        return report
    options = VerifyOptions(keys=keys, threshold=1, now=now, clock_skew=clock_skew)
    seen: set[str] = set()
    for source, raw in entries:
        digest = sha256_hex(raw)
        if digest in seen:
            continue
        seen.add(digest)
        checked = check_envelope(source, raw, options, digest)
        record = ApprovalRecord(source, digest)
        if checked.problem is not None:
            record.problem, record.message = checked.problem.code, checked.problem.message
            report.records.append(record)
            continue
        statement = checked.statement
        assert statement is not None and checked.signatures is not None
        if statement.predicate_type != APPROVAL_PREDICATE_TYPE:
            continue  # another kind of statement (a verdict in the same bundle): not an approval at all
        try:
            approval = parse(statement.predicate)
        except EnvelopeError as exc:
            record.problem, record.message = exc.code, exc.message
            report.records.append(record)
            continue
        record.keyid = approval.keyid
        record.reason, record.ticket = approval.reason, approval.ticket
        record.approved_at, record.expires = approval.approved_at, approval.expires
        record.reviewer_sets = list(sets_of.get(approval.keyid, []))
        record.expired = approval.expires is not None and approval.expires <= now
        if not statement.about(dict(subject)):
            record.problem, record.message = "SUBJECT_MISMATCH", "the approval is about another artifact"
        elif approval.keyid not in checked.signatures.accepted:
            record.problem = "APPROVER_MISMATCH"
            record.message = (f"the approval names key {approval.keyid[:16]}... as its approver, but that key did not "
                              "sign it")
        elif approval.approved_at > now + clock_skew:
            record.problem = "FUTURE_DATED"
            record.message = f"approvedAt {format_micro(approval.approved_at)} is in the future"
        elif record.expired:
            assert approval.expires is not None
            record.problem, record.message = "EXPIRED", f"the approval expired at {format_micro(approval.expires)}"
        report.records.append(record)
    return report
