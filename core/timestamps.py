"""Timestamps, parsed and written one way (everything is compared and rendered in UTC).

Two readers: :func:`parse_rfc3339` for documents (attestations, statements), strict as their
formats are; :func:`parse_iso8601` for what a person types (``--since``, ``--expires``) or a
loosely written field, which may be a date alone and may leave the offset out.
"""

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


def parse_iso8601(text: str) -> datetime:
    """A moment as a person writes it: any ISO 8601 date, or date and time, that Python reads, with
    ``Z`` for UTC; UTC unless it names an offset. ValueError for anything else.

    The result may have no UTC form (year 1 at +01:00); callers that compare it say what then.
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
