"""The shape of a migration-safety rule and the names of PostgreSQL's table lock modes.

The catalogue itself is in :mod:`.rules_locking` and :mod:`.rules_compat`, assembled by
:mod:`.rules`; this module is plain data so that the options schema, the documentation and the
findings all read from one place, and so that it imports without the parser installed.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
NONE = "none"

#: Lock modes from weakest to strongest, for "the strongest lock a statement takes".
LOCK_ORDER = (NONE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE, ACCESS_EXCLUSIVE)

DOCS = "https://www.postgresql.org/docs/current/"


@dataclass(frozen=True)
class Rule:
    """One migration-safety rule."""

    id: str
    title: str
    severity: str
    #: The lock the flagged statement takes (as PostgreSQL names it), or "none".
    lock: str
    why: str
    safe: str
    references: tuple[str, ...] = ()
    #: "hazard": the statement can cause an outage, a failed deploy or lost data. "advice": a better
    #: way to design the schema or write the migration; reported at low severity so that a policy
    #: warns about it rather than denying.
    kind: str = "hazard"
