"""The catalogue of migration-safety rules: what each one flags, the lock involved, why it hurts, and the fix.

Everything here is written from PostgreSQL's own documentation, so a reviewer can check a rule
against the manual. The rules live in two modules by what they are about (:mod:`.rules_locking`:
locks, rewrites, scans and transaction blocks; :mod:`.rules_compat`: breaking changes, destroyed
data, robustness and schema advice); the logic that applies them is in :mod:`.linter` and the
statement-family modules it is built from.
"""

from __future__ import annotations

from .rule import (
    ACCESS_EXCLUSIVE,
    DOCS,
    EXCLUSIVE,
    LOCK_ORDER,
    NONE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    Rule,
)
from .rules_compat import COMPAT_RULES
from .rules_locking import LOCKING_RULES

__all__ = [
    "ACCESS_EXCLUSIVE", "DOCS", "EXCLUSIVE", "LOCK_ORDER", "NONE", "RULES", "SHARE", "SHARE_ROW_EXCLUSIVE",
    "SHARE_UPDATE_EXCLUSIVE", "Rule",
]

RULES: dict[str, Rule] = {rule.id: rule for rule in (*LOCKING_RULES, *COMPAT_RULES)}
