"""What an audit report says, gathered from the store: verdicts per day, rules, waivers, admissions.

Sources, all read from the store:

* verdicts over time: every stored SLSA VSA with ``timeVerified`` in the period, by day and result;
* top denying rules: the policy rules named in FAILED verdicts' decisions (the VSA extension field
  :data:`DECISION_FIELD`, when a bundle carries it) and the reason codes the admission webhook
  denied with;
* waivers: the waivers verdicts say were applied (:data:`WAIVERS_FIELD`, or the decision's
  ``waived`` entries), with the ones that expire within the warning window;
* deployed without a passing verdict: images the admission webhook admitted (warn mode) although
  they had no passing verdict.

Stored text is shown through the one scrubber (:func:`gatecheck.redact.scrub`): a verdict signed
by an older gatecheck may carry a URL password in its decision or a waiver's reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from gatecheck.attest.dsse import b64decode
from gatecheck.attest.vsa import DECISION_FIELD, WAIVERS_FIELD
from gatecheck.audit.promotion import DeployedSubject, SloDecision, deployed_subjects, slo_decisions
from gatecheck.audit.reverify import Reverification
from gatecheck.redact import scrub
from gatecheck.timestamps import parse_iso8601, utc_now

if TYPE_CHECKING:
    # Only for annotations: the store (SQLAlchemy) loads when a command opens one, so the command
    # list draws without the store extra.
    from gatecheck.store.providers import AttestationStore


@dataclass
class DayCount:
    day: date
    passed: int = 0
    failed: int = 0


@dataclass
class RuleCount:
    rule: str
    source: str
    count: int
    example: str = ""


@dataclass
class WaiverUse:
    waiver_id: str
    uses: int
    expires: str | None
    owner: str | None
    reason: str | None
    expiring: bool
    expired: bool


@dataclass
class UnverifiedDeployment:
    image: str
    digest: str | None
    namespaces: list[str]
    reasons: list[str]
    admissions: int
    first: str
    last: str


@dataclass
class AuditFacts:
    """Everything a rendered report shows."""

    store: str
    generated: datetime
    since: datetime
    days: list[DayCount]
    verdicts: int
    passed: int
    failed: int
    subjects: int
    rules: list[RuleCount]
    rules_known: bool
    waivers: list[WaiverUse]
    unverified: list[UnverifiedDeployment]
    admissions: int
    reverification: Reverification | None = None
    notes: list[str] = field(default_factory=list)
    deployed: list[DeployedSubject] = field(default_factory=list)
    slo_decisions: list[SloDecision] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store, "generated": self.generated.isoformat(), "since": self.since.isoformat(),
            "verdicts": {"total": self.verdicts, "passed": self.passed, "failed": self.failed, "subjects": self.subjects},
            "days": [{"day": d.day.isoformat(), "passed": d.passed, "failed": d.failed} for d in self.days],
            "rules": [vars(r) for r in self.rules],
            "waivers": [vars(w) for w in self.waivers],
            "deployedWithoutPassingVerdict": [vars(u) for u in self.unverified],
            "reverification": self.reverification.to_dict() if self.reverification else None,
            "deployedSubjects": [{**vars(d), "approvals": [vars(a) for a in d.approvals], "approvers": d.approvers}
                                 for d in self.deployed],
            "sloDecisions": [vars(d) for d in self.slo_decisions],
        }


def _predicate(envelope: bytes) -> dict[str, Any]:
    # Stored envelopes verified at push time; this only reads them for the report.
    doc = json.loads(envelope)
    statement = json.loads(b64decode(doc["payload"]))
    predicate = statement.get("predicate")
    return predicate if isinstance(predicate, dict) else {}


def _parse_when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_iso8601(text)
    except ValueError:
        return None


def gather(store: AttestationStore, since: datetime, *, now: datetime | None = None,
           expiring_within: timedelta = timedelta(days=30), reverification: Reverification | None = None) -> AuditFacts:
    """Read the store and count what the report shows for the period from ``since`` to ``now``."""
    from gatecheck.store import display_url

    now = now or utc_now()
    records = store.verdicts_since(since)
    per_day: dict[date, DayCount] = {}
    day = since.astimezone(UTC).date()
    while day <= now.astimezone(UTC).date():
        per_day[day] = DayCount(day)
        day += timedelta(days=1)
    rules: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    waivers: dict[str, WaiverUse] = {}
    subjects: set[str] = set()
    rules_known = False
    passed = failed = 0
    for rec in records:
        when = _parse_when(rec.time_verified)
        if when is None or rec.envelope is None:
            continue
        bucket = per_day.setdefault(when.date(), DayCount(when.date()))
        subject = next((f"{alg}:{value}" for _, alg, value in rec.subjects), "?")
        subjects.add(subject)
        if rec.verdict == "PASSED":
            bucket.passed += 1
            passed += 1
        else:
            bucket.failed += 1
            failed += 1
        predicate = _predicate(rec.envelope)
        decision = predicate.get(DECISION_FIELD)
        if isinstance(decision, dict):
            rules_known = True
            if rec.verdict != "PASSED":
                for entry in decision.get("deny") or []:
                    if isinstance(entry, dict) and isinstance(entry.get("rule"), str):
                        key = (entry["rule"], "policy")
                        rules[key] += 1
                        # Scrubbed before the cut: a URL cut short of its '@' would no longer be
                        # recognised, and its password's start would be shown.
                        examples.setdefault(key, scrub(str(entry.get("message", "")))[:200])
        # One use per verdict, whether the waiver is listed in the decision, the waivers field, or both.
        applied: dict[str, dict[str, Any]] = {}
        for waiver in predicate.get(WAIVERS_FIELD) or []:
            if isinstance(waiver, dict) and isinstance(waiver.get("id"), str):
                applied.setdefault(waiver["id"], waiver)
        if isinstance(decision, dict):
            for entry in decision.get("waived") or []:
                if isinstance(entry, dict) and isinstance(entry.get("waiver_id"), str):
                    applied.setdefault(entry["waiver_id"], {"id": entry["waiver_id"]})
        for waiver in applied.values():
            _use(waivers, waiver, now, expiring_within)
    admissions = store.admissions_since(since)
    unverified: dict[str, UnverifiedDeployment] = {}
    for row in admissions:
        if not row["passing"]:
            key = (str(row["reason"]), "admission")
            rules[key] += 1
            examples.setdefault(key, scrub(f"{row['image']} in {row['namespace']}"))
        if row["allowed"] and not row["passing"]:
            item = unverified.get(row["image"])
            if item is None:
                item = unverified[row["image"]] = UnverifiedDeployment(scrub(row["image"]), row["digest"], [], [], 0,
                                                                       row["at"], row["at"])
            item.admissions += 1
            item.last = row["at"]
            if row["namespace"] not in item.namespaces:
                item.namespaces.append(row["namespace"])
            if row["reason"] and row["reason"] not in item.reasons:
                item.reasons.append(row["reason"])
    notes = []
    if not rules_known:
        notes.append("No stored verdict carries its policy decision, so policy rules cannot be counted; the rules "
                     "below are the admission webhook's reason codes only.")
    return AuditFacts(
        store=display_url(store.url), generated=now, since=since, days=[per_day[d] for d in sorted(per_day)],
        verdicts=passed + failed, passed=passed, failed=failed, subjects=len(subjects),
        rules=[RuleCount(rule, source, count, examples.get((rule, source), ""))
               for (rule, source), count in rules.most_common(20)],
        rules_known=rules_known,
        waivers=sorted(waivers.values(), key=lambda w: (not w.expiring, w.expires or "9999", w.waiver_id)),
        unverified=sorted(unverified.values(), key=lambda u: u.first),
        admissions=len(admissions), reverification=reverification, notes=notes,
        deployed=deployed_subjects(store, records, admissions, now), slo_decisions=slo_decisions(store, records),
    )


def _use(waivers: dict[str, WaiverUse], doc: dict[str, Any], now: datetime, window: timedelta) -> None:
    wid = doc["id"]
    item = waivers.get(wid)
    if item is None:
        expires = _parse_when(doc.get("expires"))
        owner, reason = doc.get("owner"), doc.get("reason")
        item = waivers[wid] = WaiverUse(
            wid, 0, expires.date().isoformat() if expires else None,
            scrub(owner) if isinstance(owner, str) else None, scrub(reason) if isinstance(reason, str) else None,
            expiring=bool(expires and now <= expires <= now + window), expired=bool(expires and expires < now))
    item.uses += 1
