"""The one duration grammar of the command line, and the click types of the options that take one.

A duration is one or more ``NUMBER UNIT`` parts, ``30s``, ``15m``, ``1h30m``, ``7d``, ``2w``,
``1.5h`` (units: s, m, h, d, w). Options that took a plain number before (``--timeout 30``,
``--soon 14``) still take one, in the unit their help names. Every duration is bounded, so a
typo such as ``99999999999d`` is bad input (exit 2), never an arithmetic overflow.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from gatecheck.timestamps import parse_iso8601, utc_now

UNITS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
#: The longest duration any option accepts: long enough for any retention period, short enough that
#: ``now - duration`` stays a valid date.
MAX = timedelta(days=36_500)
EXAMPLES = "30s, 15m, 1h30m, 7d, 2w"

_UNIT_NAMES = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse(text: str, *, bare_unit: str | None = None) -> timedelta:
    """``text`` as a duration; ValueError with a message fit for the user when it is not one.

    ``bare_unit`` is the unit of a plain number (``30`` with ``bare_unit="s"``); without it a
    number needs its unit.
    """
    value = text.strip().lower()
    if bare_unit is not None and _NUMBER.fullmatch(value):
        value += bare_unit
    parts = _PART.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        bare = f", or a plain number of {_UNIT_NAMES[bare_unit]}" if bare_unit else ""
        raise ValueError(f"not a duration: {text!r} (a number and a unit s, m, h, d or w, such as {EXAMPLES}{bare})")
    seconds = math.fsum(float(n) * UNITS[u] for n, u in parts)
    if not seconds <= MAX.total_seconds():  # also catches inf from a number too long for a float
        raise ValueError(f"duration too long: {text!r} (at most {MAX.days}d)")
    return timedelta(seconds=seconds)



class Duration(click.ParamType[timedelta | None]):
    """A click option value in the duration grammar, converted to a :class:`~datetime.timedelta`.

    ``bare_unit`` keeps options that took a number working (``--timeout 30``: seconds);
    ``none`` lets the word ``none`` mean "no limit" (converted to None); ``positive`` refuses 0.
    """

    name = "duration"

    def __init__(self, *, bare_unit: str | None = None, none: bool = False, positive: bool = False) -> None:
        self.bare_unit = bare_unit
        self.none = none
        self.positive = positive

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta | None:
        if value is None or isinstance(value, timedelta):
            return value
        text = str(value)
        if self.none and text.strip().lower() == "none":
            return None
        try:
            duration = parse(text, bare_unit=self.bare_unit)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if self.positive and not duration:
            self.fail(f"must be more than zero: {text!r}", param, ctx)
        return duration


class Moment(click.ParamType[datetime]):
    """A point in the past: a duration ago (``30d``) or an ISO 8601 date or time (UTC unless it says otherwise)."""

    name = "when"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "WHEN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            return utc_now() - parse(text)
        except ValueError as exc:
            duration_error = str(exc)
        try:
            moment = parse_iso8601(text)
        except ValueError:
            if duration_error.startswith("duration too long"):
                self.fail(duration_error, param, ctx)
            self.fail(f"{text!r} is neither a duration ({EXAMPLES}) nor an ISO 8601 date such as 2026-10-01", param, ctx)
        try:
            # Compared with times in UTC: a moment with no UTC form (year 1 at +01:00) is no moment.
            return moment.astimezone(UTC)
        except OverflowError:
            self.fail(f"{text!r} is outside the years 1 to 9999 in UTC", param, ctx)
