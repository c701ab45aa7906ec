"""Promotion facts for the audit report: approvals per deployed subject, and SLO decisions over time.

* A subject counts as deployed in the period when a PASSED verdict at stage ``deploy`` or
  ``admission`` is about it, or the admission webhook admitted an image with its digest. Its
  approvals are the approval statements (``gatecheck approve``) the store holds about it; each
  shows the keys that verified it when it was pushed, and whether it had expired by the time of
  the report.
* An SLO decision is one measured SLO in the result of an ``slo`` check that a verdict of the
  period lists among its inputs: when, about what, at which stage, the verdict, the error budget
  left, the burn rates, and the policy rules about SLOs in that verdict's decision.

Stored text is scrubbed before it is shown, as everywhere in the report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gatecheck.approve import APPROVAL_PREDICATE_TYPE
from gatecheck.approve.statement import parse
from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE
from gatecheck.attest.dsse import EnvelopeError, b64decode
from gatecheck.attest.vsa import DECISION_FIELD
from gatecheck.digests import prefixed
from gatecheck.redact import scrub
from gatecheck.store.records import StoredRecord
from gatecheck.timestamps import format_micro

if TYPE_CHECKING:
    from gatecheck.store.providers import AttestationStore

#: The stages whose PASSED verdicts mean the subject was promoted.
DEPLOY_STAGES = ("deploy", "admission")
#: Most rows of each section (the newest are kept).
MAX_ROWS = 500


@dataclass
class ApprovalRow:
    """One stored approval of a deployed subject."""

    approver: str
    reason: str
    ticket: str | None
    approved_at: str
    expires: str | None
    expired: bool
    signers: list[str]


@dataclass
class DeployedSubject:
    """A subject deployed in the period and the approvals stored about it."""

    subject: str
    name: str
    deployed: str
    via: str
    approvals: list[ApprovalRow] = field(default_factory=list)

    @property
    def approvers(self) -> int:
        """Distinct keys with an approval that had not expired (a key approving twice counts once)."""
        return len({a.approver for a in self.approvals if not a.expired})


@dataclass
class SloDecision:
    """One measured SLO at one gate run."""

    when: str
    subject: str
    stage: str | None
    verdict: str | None
    slo: str
    objective: float | None
    remaining: float | None
    burn_rates: dict[str, float]
    fast_burn: bool
    slow_burn: bool
    rules: list[str]


def _statement(record: StoredRecord) -> dict[str, Any]:
    # Verified when it was pushed; read here only to be shown.
    assert record.envelope is not None
    doc = json.loads(record.envelope)
    statement = json.loads(b64decode(doc["payload"]))
    return statement if isinstance(statement, dict) else {}


def deployed_subjects(store: AttestationStore, verdicts: list[StoredRecord], admissions: Sequence[Any],
                      now: datetime) -> list[DeployedSubject]:
    """Subjects promoted in the period (newest deployment last), each with its stored approvals."""
    found: dict[tuple[str, str], DeployedSubject] = {}
    for rec in verdicts:
        if rec.verdict != "PASSED" or rec.stage not in DEPLOY_STAGES:
            continue
        for name, alg, value in rec.subjects[:1]:
            found.setdefault((alg, value), DeployedSubject(f"{alg}:{value}", scrub(name), rec.time_verified or "",
                                                           f"{rec.stage} verdict"))
    for row in admissions:
        if row["allowed"] and row["digest"]:
            found.setdefault(("sha256", row["digest"]), DeployedSubject(prefixed(row["digest"]), scrub(row["image"]),
                                                                        row["at"], "admission"))
    subjects = sorted(found.values(), key=lambda s: s.deployed)[-MAX_ROWS:]
    for item in subjects:
        stored = store.search(subject=item.subject, predicate_type=APPROVAL_PREDICATE_TYPE, limit=None,
                              newest_first=False)
        for rec in store.records([r.seq for r in stored]):
            try:
                approval = parse(_statement(rec).get("predicate") or {})
            except EnvelopeError:
                continue  # stored before this gatecheck knew the field; audit verify reports what does not verify
            item.approvals.append(ApprovalRow(
                approval.keyid, scrub(approval.reason), scrub(approval.ticket) if approval.ticket else None,
                format_micro(approval.approved_at), format_micro(approval.expires) if approval.expires else None,
                expired=approval.expires is not None and approval.expires <= now, signers=list(rec.signers)))
    return subjects


def slo_decisions(store: AttestationStore, verdicts: list[StoredRecord]) -> list[SloDecision]:
    """Every SLO an ``slo`` check measured in a run whose verdict is in ``verdicts``, oldest first."""
    inputs = store.records_by_digest({d for rec in verdicts for d in rec.inputs})
    rows: list[SloDecision] = []
    for rec in verdicts:
        if rec.envelope is None:
            continue
        predicate = _statement(rec).get("predicate") or {}
        decision = predicate.get(DECISION_FIELD) if isinstance(predicate, dict) else None
        rules = _slo_rules(decision)
        subject = next((f"{alg}:{value}" for _, alg, value in rec.subjects), "?")
        for digest in rec.inputs:
            result = inputs.get(digest)
            if result is None or result.predicate_type != CHECK_RESULT_PREDICATE_TYPE:
                continue
            body = _statement(result).get("predicate") or {}
            if not isinstance(body, dict) or body.get("check") != "slo":
                continue
            for slo in (body.get("summary") or {}).get("slos") or []:
                if isinstance(slo, dict) and isinstance(slo.get("name"), str):
                    rows.append(_decision(rec, subject, slo, rules))
    return rows[-MAX_ROWS:]


def _slo_rules(decision: Any) -> dict[str, list[str]]:
    """SLO name -> the SLO rules the decision names for it ("deny gatecheck.slo_fast_burn")."""
    found: dict[str, list[str]] = {}
    if not isinstance(decision, dict):
        return found
    for kind in ("deny", "warn"):
        for entry in decision.get(kind) or []:
            if not isinstance(entry, dict) or not str(entry.get("rule", "")).startswith("gatecheck.slo_"):
                continue
            message = str(entry.get("message", ""))
            name = message.removeprefix("SLO ").split(":", 1)[0]
            found.setdefault(name, []).append(f"{kind} {entry['rule']}")
    return found


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _decision(rec: StoredRecord, subject: str, slo: dict[str, Any], rules: dict[str, list[str]]) -> SloDecision:
    budget: dict[str, Any] = slo["budget"] if isinstance(slo.get("budget"), dict) else {}
    rates = {str(w): float(m["burn_rate"]) for w, m in (slo.get("windows") or {}).items()
             if isinstance(m, dict) and _number(m.get("burn_rate")) is not None}
    name = scrub(slo["name"])
    return SloDecision(
        when=rec.time_verified or "", subject=subject, stage=rec.stage, verdict=rec.verdict, slo=name,
        objective=_number(slo.get("objective")), remaining=_number(budget.get("remaining")), burn_rates=rates,
        fast_burn=slo.get("fast_burn") is True, slow_burn=slo.get("slow_burn") is True,
        rules=rules.get(slo["name"], []) if slo.get("status") == "ok" else ["check error: " + str(slo.get("status"))],
    )
