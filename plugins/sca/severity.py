"""Severity of an advisory, from every source the database has for it, in a fixed order.

1. **CVSS vectors** (v3.x and v4.0, scored with the ``cvss`` library) of the advisory's record
   *and* of its aliases' records in the database: a ``PYSEC`` record often has no vector while
   the ``GHSA`` record of the same vulnerability has one. CVSS defines the ratings (None 0.0,
   Low 0.1-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0); when several vectors rate, the
   most severe wins, because a gate must not pick the friendlier of two published assessments.
2. **The database's own severity word**, when no vector rates: ``database_specific.severity``
   (GitHub's reviewed advisories: ``LOW``, ``MODERATE``, ``HIGH``, ``CRITICAL``) and the
   ``database_specific`` / ``ecosystem_specific`` severity of the package's ``affected[]`` entry,
   of the record or its aliases; the most severe word wins.
3. ``unknown``: nothing rates it (CVSS v2 defines no qualitative rating, and a label not backed
   by a source would be a guess).

``severity_source`` in a finding's metadata says which step decided and from which record.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from cvss import CVSS3, CVSS4  # type: ignore[import-untyped, unused-ignore]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped, unused-ignore]

from gatecheck.api import SEVERITY_RANK

from .osv import SeverityLabel, SeverityVector

_RATING = {"none": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}
#: Severity words databases use, as gatecheck's severities (GitHub says MODERATE for medium).
_LABELS = {"critical": "critical", "high": "high", "moderate": "medium", "medium": "medium", "low": "low",
           "none": "info", "info": "info", "informational": "info"}


@dataclass(frozen=True)
class ScoredVector:
    """One vector with the base score and rating the CVSS specification gives it."""

    type: str
    vector: str
    base_score: float | None
    severity: str
    error: str | None = None
    #: The record the vector comes from.
    record: str = ""


@functools.lru_cache(maxsize=4096)  # many advisories share a vector; parsing one is the slow part
def score(vector: SeverityVector) -> ScoredVector:
    """Score one OSV ``severity[]`` entry; an invalid or unsupported vector scores ``unknown``."""
    text = vector.score.strip()
    try:
        if vector.type == "CVSS_V3" or text.startswith("CVSS:3."):
            cvss3 = CVSS3(text)
            rating = str(cvss3.severities()[0]).lower()
            return ScoredVector(vector.type, text, float(cvss3.base_score), _RATING.get(rating, "unknown"),
                                record=vector.record)
        if vector.type == "CVSS_V4" or text.startswith("CVSS:4."):
            cvss4 = CVSS4(text)
            rating = str(cvss4.severity).lower()
            return ScoredVector(vector.type, text, float(cvss4.base_score), _RATING.get(rating, "unknown"),
                                record=vector.record)
    except (CVSSError, ValueError, KeyError) as exc:
        return ScoredVector(vector.type, text, None, "unknown", error=f"invalid {vector.type} vector: {exc}",
                            record=vector.record)
    return ScoredVector(vector.type, text, None, "unknown", error=f"{vector.type} defines no qualitative severity",
                        record=vector.record)


@dataclass(frozen=True)
class Rated:
    """An advisory's severity, every vector scored, and what decided it."""

    severity: str
    scored: list[ScoredVector]
    #: ``cvss`` (step 1), ``database`` (step 2) or ``none``.
    source: str
    #: For people: ``CVSS_V3 of GHSA-xxxx``, ``database_specific.severity MODERATE of GHSA-xxxx``.
    detail: str


def rate(vectors: Iterable[SeverityVector], labels: Iterable[SeverityLabel] = ()) -> Rated:
    """The severity of an advisory from its (and its aliases') vectors, else their severity words."""
    scored = [score(v) for v in dict.fromkeys(vectors)]
    rated = [s for s in scored if s.severity != "unknown"]
    if rated:
        best = max(rated, key=lambda s: (SEVERITY_RANK[s.severity], s.base_score or 0.0))
        return Rated(best.severity, scored, "cvss", f"{best.type} {best.base_score} of {best.record or 'the record'}")
    words = [(label, _LABELS[label.label.lower()]) for label in labels if label.label.lower() in _LABELS]
    if words:
        label, severity = max(words, key=lambda item: SEVERITY_RANK[item[1]])
        return Rated(severity, scored, "database", f"{label.field} {label.label} of {label.record}")
    return Rated("unknown", scored, "none", "no CVSS v3/v4 vector and no severity field in the record or its aliases")


def severity_of(vectors: Iterable[SeverityVector]) -> tuple[str, list[ScoredVector]]:
    """The most severe rating among ``vectors`` (``unknown`` when none rates), and each scored."""
    rated = rate(vectors)
    return rated.severity, rated.scored
