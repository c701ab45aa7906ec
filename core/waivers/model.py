"""What a waiver is: one exception as written in a waivers file, and the waivers of one file.

Plain data: :mod:`.loading` makes these from a file, :mod:`.matching` says which findings a
waiver selects, :mod:`.expiry` decides what an expired one may still do (nothing but be reported).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from gatecheck.model import Finding
from gatecheck.waivers.matching import field_test

NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True)
class Waiver:
    """One waiver as written, with its expiry resolved to an instant."""

    id: str
    match: dict[str, str]
    reason: str
    owner: str
    expires: str
    expires_at: dt.datetime
    ticket: str | None = None
    source: str = ""
    line: int | None = None

    @property
    def expires_ns(self) -> int:
        return int(self.expires_at.timestamp()) * NS_PER_SECOND

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    def age_days(self, now: dt.datetime) -> int:
        """Whole days since it expired (0 on the day it ran out)."""
        return max(0, (now - self.expires_at).days)

    def days_left(self, now: dt.datetime) -> int:
        return max(0, (self.expires_at - now).days)

    def matches(self, finding: Finding) -> bool:
        """Whether every field of ``match`` selects this finding."""
        return all(field_test(key, wanted)(finding) for key, wanted in self.match.items())

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class WaiverFile:
    """The waivers of one file (or none, when no file exists)."""

    path: Path | None
    waivers: list[Waiver] = field(default_factory=list)

    def active(self, now: dt.datetime) -> list[Waiver]:
        return [w for w in self.waivers if not w.expired(now)]

    def expired(self, now: dt.datetime) -> list[Waiver]:
        return [w for w in self.waivers if w.expired(now)]
