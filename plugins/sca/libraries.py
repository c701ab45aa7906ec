"""A library's declared ranges against the offline database: which advisories each range admits.

For every :class:`.sources.Ranged` declaration, each record about the package is asked whether
the range admits an affected release (:func:`.ranges.verdict`). Records that are aliases of one
another (a ``PYSEC`` and a ``GHSA`` record of one CVE) become one advisory, the ``PYSEC`` id
first, as pip-audit merges them for pinned versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .findings import Hit
from .ranges import RangeVerdict, declared, verdict

if TYPE_CHECKING:
    from .services import Advisory, OfflineOsvService
    from .sources import Ranged


def _merged(found: list[tuple[Advisory, RangeVerdict]]) -> list[tuple[Advisory, RangeVerdict]]:
    found.sort(key=lambda item: (not item[0].id.startswith("PYSEC"), item[0].id))
    kept: list[tuple[Advisory, RangeVerdict]] = []
    for advisory, judged in found:
        names = set(advisory.aliases) | {advisory.id}
        for index, (previous, previous_verdict) in enumerate(kept):
            if names & (set(previous.aliases) | {previous.id}):
                merged = previous.merge_aliases(advisory)
                # The stricter advice of the two records stands.
                stricter = judged if (judged.no_fix or (previous_verdict.raise_to is not None and judged.raise_to
                                                        is not None and judged.raise_to > previous_verdict.raise_to)) \
                    else previous_verdict
                kept[index] = (merged, stricter)
                break
        else:
            kept.append((advisory, judged))
    return kept


def range_hits(ranged: list[Ranged], service: OfflineOsvService) -> tuple[list[Hit], list[Ranged]]:
    """The advisories each declared range admits, and the declarations whose range cannot be read."""
    hits: dict[tuple[str, str, str], Hit] = {}
    not_checked: list[Ranged] = []
    for item in ranged:
        declared_range = declared(item.specifier) if item.specifier is not None else None
        if declared_range is None:
            not_checked.append(item)
            continue
        records = service.records(item.name)
        if not records:
            service.no_data_ranges.setdefault(item.name, []).append(item.specifier or "any version")
            continue
        common = service.boilerplate(item.name, records)
        found = []
        for record in records:
            judged = verdict(record, item.name, declared_range)
            if judged is not None:
                found.append((service.advisory(record, item.name, None, common), judged))
        for advisory, judged in _merged(found):
            key = (item.name, advisory.id, item.origin.path)
            if key not in hits:
                hits[key] = Hit(item.name, advisory, item.origin.path, origins=[item.origin], ranged=item,
                                verdict=judged)
    return list(hits.values()), not_checked
