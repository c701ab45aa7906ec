"""When a waiver runs out, and what the gate does about an expired one whatever the policy says.

A date means the waiver holds through that day (UTC); a date-time must carry an offset. An
expired waiver is never applied, in any path: the policy input gives it no ``matches``
(:func:`gatecheck.waivers.matching.policy_input`), an input written elsewhere has its expiry
computed again from the clock (:func:`recompute_expiry`, for ``policy eval``), and a decision that
applies one anyway is corrected (:func:`enforce_expired`), with a ``gatecheck.waiver_expired``
warning for every expired waiver.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from gatecheck.errors import BadInput
from gatecheck.model import Decision, DecisionEntry
from gatecheck.waivers.model import NS_PER_SECOND, WaiverFile


def parse_expiry(value: str, path: Path | str, line: int | None, index: int) -> dt.datetime:
    """The instant the ``expires`` of waiver number ``index`` runs out; errors name file and line."""
    key = f"waivers[{index}].expires"
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = dt.date.fromisoformat(value)
            # A date holds through that whole day, in UTC.
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            raise BadInput(f"expires {value!r} has no UTC offset; write it with Z or +hh:mm", path=path, line=line, key=key)
        return moment.astimezone(dt.UTC)
    except ValueError as exc:
        raise BadInput(f"expires {value!r} is not an RFC 3339 date or date-time", path=path, line=line, key=key) from exc
    except OverflowError as exc:
        # 9999-12-31 (the day after does not exist) or 0001-01-01T00:00+01:00 (before year 1 in UTC)
        raise BadInput(f"expires {value!r} is outside the dates gatecheck can compare (years 1 to 9999, in UTC)",
                       path=path, line=line, key=key) from exc


def recompute_expiry(entries: list[Any], now: dt.datetime) -> list[Any]:
    """The ``waivers`` of a policy input someone else wrote (``policy eval --input``), with ``expires_ns``,
    ``expired`` and, for an expired waiver, ``matches`` computed again from ``expires`` and the clock.

    An input cannot keep a waiver alive by saying ``expired: false``: a waiver whose ``expires`` is
    missing or unreadable counts as expired.
    """
    out: list[Any] = []
    for entry in entries:
        if not isinstance(entry, dict):
            out.append(entry)
            continue
        fixed = dict(entry)
        try:
            expires_at = parse_expiry(str(entry["expires"]), "policy input", None, 0)
        except (KeyError, BadInput, OverflowError):
            expires_at = None
        fixed["expired"] = expires_at is None or now >= expires_at
        if expires_at is not None:
            fixed["expires_ns"] = int(expires_at.timestamp()) * NS_PER_SECOND
        if fixed["expired"]:
            fixed["matches"] = []
        out.append(fixed)
    return out


def enforce_expiry(decision: Decision, waiver_file: WaiverFile, now: dt.datetime) -> Decision:
    """Expired waivers are never applied, whatever the policy says, and are always reported."""
    return enforce_expired(decision, {w.id: w.age_days(now) for w in waiver_file.expired(now)})


def enforce_expired(decision: Decision, expired: dict[str, int | None]) -> Decision:
    """Move entries the policy waived with an expired waiver (id -> days since expiry) back to ``deny``,
    and warn (``gatecheck.waiver_expired``) about every expired waiver the policy did not warn about."""
    if not expired:
        return decision
    kept: list[DecisionEntry] = []
    for entry in decision.waived:
        if entry.waiver_id in expired:
            decision.deny.append(DecisionEntry(
                "gatecheck.waiver_expired_applied",
                f"{entry.message} (the policy applied waiver {entry.waiver_id}, which has expired)",
                finding_id=entry.finding_id, check=entry.check, waiver_id=entry.waiver_id,
            ))
        else:
            kept.append(entry)
    decision.waived = kept
    warned = {e.waiver_id for e in decision.warn if e.rule == "gatecheck.waiver_expired"}
    for waiver_id, age in sorted(expired.items()):
        if waiver_id not in warned:
            when = f"expired {age} day(s) ago" if age is not None else "has no readable expiry"
            decision.warn.append(DecisionEntry(
                "gatecheck.waiver_expired", f"waiver {waiver_id} {when} and was not applied", waiver_id=waiver_id,
            ))
    decision.allow = decision.allow and not decision.deny
    return decision
