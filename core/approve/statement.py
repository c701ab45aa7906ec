"""The approval predicate (``https://gatecheck.dev/attestation/approval/v1``): build, sign and parse.

An approval is an in-toto Statement v1 about the artifact's digest, in a DSSE envelope signed by
the reviewer's key::

    {"approver": {"keyid": "<sha256 of the reviewer's SPKI DER>"},
     "reason": "rollout plan reviewed",
     "approvedAt": "2026-10-01T09:30:00.000000Z",
     "expires": "2026-10-08T09:30:00.000000Z",      # optional
     "ticket": "CHG-1042",                           # optional
     "tool": {"name": "gatecheck", "version": "0.1.0"}}

``approver.keyid`` must be the keyid of a key whose signature on the envelope verifies: a reviewer
cannot approve in someone else's name. Times are RFC 3339 in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gatecheck import __version__
from gatecheck.approve import APPROVAL_PREDICATE_TYPE
from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.dsse import MALFORMED, EnvelopeError
from gatecheck.attest.signing import Signer
from gatecheck.attest.statement import Statement, Subject
from gatecheck.errors import BadInput
from gatecheck.timestamps import format_micro, parse_rfc3339

_KEYID = re.compile(r"[0-9a-f]{64}")
#: Longest reason and ticket an approval carries (the audit report shows them whole).
MAX_REASON = 2000
MAX_TICKET = 200


@dataclass(frozen=True)
class Approval:
    """A parsed approval predicate."""

    keyid: str
    reason: str
    approved_at: datetime
    expires: datetime | None = None
    ticket: str | None = None

    def to_predicate(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"approver": {"keyid": self.keyid}, "reason": self.reason,
                               "approvedAt": format_micro(self.approved_at)}
        if self.expires is not None:
            doc["expires"] = format_micro(self.expires)
        if self.ticket:
            doc["ticket"] = self.ticket
        doc["tool"] = {"name": "gatecheck", "version": __version__}
        return doc


def check_fields(reason: str, ticket: str | None, approved_at: datetime, expires: datetime | None) -> None:
    """BadInput (exit 2) for an approval no reviewer should sign: no reason, or one already expired."""
    if not reason.strip():
        raise BadInput("an approval needs a reason", key="--reason")
    if len(reason) > MAX_REASON:
        raise BadInput(f"the reason is {len(reason)} characters long; at most {MAX_REASON}", key="--reason")
    if ticket is not None and not (0 < len(ticket) <= MAX_TICKET):
        raise BadInput(f"a ticket is 1 to {MAX_TICKET} characters", key="--ticket")
    if expires is not None and expires <= approved_at:
        raise BadInput(f"expires {format_micro(expires)} is not after the approval ({format_micro(approved_at)})",
                       key="--expires")


def sign(subjects: Sequence[Subject], signer: Signer, approval: Approval) -> bytes:
    """The signed envelope (one compact JSON line, no newline) of ``approval`` about ``subjects``."""
    if approval.keyid != signer.keyid:
        raise BadInput("the approval names another key than the one signing it", key="--key")
    check_fields(approval.reason, approval.ticket, approval.approved_at, approval.expires)
    statement = Statement(tuple(subjects), APPROVAL_PREDICATE_TYPE, approval.to_predicate())
    return dsse.sign(PAYLOAD_TYPE, statement.to_json(), [signer]).to_json()


def _time(doc: dict[str, Any], key: str, *, required: bool) -> datetime | None:
    value = doc.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise EnvelopeError(MALFORMED, f"approval {key} is not an RFC 3339 string")
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise EnvelopeError(MALFORMED, f"approval {key}: {exc}") from None


def parse(predicate: dict[str, Any]) -> Approval:
    """Parse a verified approval predicate; EnvelopeError(MALFORMED) when a field is missing or wrong."""
    approver = predicate.get("approver")
    keyid = approver.get("keyid") if isinstance(approver, dict) else None
    if not isinstance(keyid, str) or not _KEYID.fullmatch(keyid):
        raise EnvelopeError(MALFORMED, "approval approver.keyid is not 64 lowercase hex digits")
    reason = predicate.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise EnvelopeError(MALFORMED, f"approval reason is not a non-empty string of at most {MAX_REASON} characters")
    ticket = predicate.get("ticket")
    if ticket is not None and (not isinstance(ticket, str) or len(ticket) > MAX_TICKET):
        raise EnvelopeError(MALFORMED, f"approval ticket is not a string of at most {MAX_TICKET} characters")
    approved_at = _time(predicate, "approvedAt", required=True)
    assert approved_at is not None
    expires = _time(predicate, "expires", required=False)
    if expires is not None and expires <= approved_at:
        raise EnvelopeError(MALFORMED, "approval expires before it was given")
    return Approval(keyid, reason, approved_at, expires, ticket or None)
