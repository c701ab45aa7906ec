"""RFC 3339 timestamps, parsed and written one way (everything is compared and rendered in UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))?(?P<tz>[Zz]|[+-]\d{2}:\d{2})"
)


def utc_now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return datetime.now(UTC)


def format_seconds(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC: the form reports and attestations write."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and a ``Z``.

    Fixed width, so text order is time order (the store indexes it as text). Whole seconds
    are not enough where two moments in the same second must still be told apart.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (as in-toto's Timestamp field type) to an aware datetime.

    Whole seconds and any fraction up to nanoseconds are accepted; digits beyond microseconds
    are dropped. ValueError for anything else, including a moment with no UTC form.
    """
    m = _RFC3339.fullmatch(text)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    frac = (m.group("frac") or "").ljust(6, "0")[:6]
    tz = m.group("tz").upper().replace("Z", "+00:00")
    moment = datetime.fromisoformat(f"{m.group('date')}T{m.group('time')}.{frac}{tz}")
    try:
        # Every comparison and every rendering happens in UTC: a moment that has no UTC form
        # (9999-12-31T23:59:59-23:59 is in the year 10000 there) is not a usable timestamp.
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp {text!r} is outside the years 1 to 9999 in UTC") from None
    return moment
