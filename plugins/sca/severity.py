"""Severity of an advisory, derived from its CVSS vectors with the ``cvss`` library.

Only what the vectors say counts: CVSS v3.x and v4.0 define qualitative ratings for their
base scores (None 0.0, Low 0.1-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0) and
the library computes them. A record without a usable v3/v4 vector is ``unknown``: CVSS v2
defines no qualitative rating, and a label that is not backed by a vector would be a guess.
When a record carries several vectors (a v3.1 and a v4.0), the most severe rating is taken,
because a gate must not pick the friendlier of two published assessments.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from gatecheck.model import SEVERITY_RANK

from .osv import SeverityVector

_RATING = {"none": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}


@dataclass(frozen=True)
class ScoredVector:
    """One vector with the base score and rating the CVSS specification gives it."""

    type: str
    vector: str
    base_score: float | None
    severity: str
    error: str | None = None


@functools.lru_cache(maxsize=4096)  # many advisories share a vector; parsing one is the slow part
def score(vector: SeverityVector) -> ScoredVector:
    """Score one OSV ``severity[]`` entry; an invalid or unsupported vector scores ``unknown``."""
    text = vector.score.strip()
    try:
        if vector.type == "CVSS_V3" or text.startswith("CVSS:3."):
            cvss3 = CVSS3(text)
            rating = str(cvss3.severities()[0]).lower()
            return ScoredVector(vector.type, text, float(cvss3.base_score), _RATING.get(rating, "unknown"))
        if vector.type == "CVSS_V4" or text.startswith("CVSS:4."):
            cvss4 = CVSS4(text)
            rating = str(cvss4.severity).lower()
            return ScoredVector(vector.type, text, float(cvss4.base_score), _RATING.get(rating, "unknown"))
    except (CVSSError, ValueError, KeyError) as exc:
        return ScoredVector(vector.type, text, None, "unknown", error=f"invalid {vector.type} vector: {exc}")
    return ScoredVector(vector.type, text, None, "unknown", error=f"{vector.type} defines no qualitative severity")


def severity_of(vectors: Iterable[SeverityVector]) -> tuple[str, list[ScoredVector]]:
    """The most severe rating among ``vectors`` (``unknown`` when none rates), and each scored."""
    scored = [score(v) for v in vectors]
    rated = [s for s in scored if s.severity != "unknown"]
    if not rated:
        return "unknown", scored
    best = max(rated, key=lambda s: (SEVERITY_RANK[s.severity], s.base_score or 0.0))
    return best.severity, scored
