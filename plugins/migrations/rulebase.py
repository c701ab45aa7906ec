"""What every statement family's rules share: the state they read and the ways they report.

:class:`RuleBase` holds the catalogue, the session and the hits of the file being linted, and
the helpers every family uses: :meth:`RuleBase._hit` records a finding (never about a migration
tool's own bookkeeping table), :meth:`RuleBase._is_new` tells a table created in the current
migration (empty, so exempt from the rules about existing data), and :meth:`RuleBase._blocking`
applies the timeout rules to a statement that takes a lock other sessions queue behind.

The families (:mod:`.tables`, :mod:`.maintenance`, :mod:`.sessions`, :mod:`.typedefs`,
:mod:`.crosscut`) are mixins of :class:`.linter.Linter`; each handler is named after the parser's
node type (``_AlterTableStmt``) and appends hits.
"""

from __future__ import annotations

from .rules import ACCESS_EXCLUSIVE, LOCK_ORDER, RULES, SHARE
from .source import Statement
from .state import Catalog, Hit, Session, Settings

#: Tables a migration tool writes for its own bookkeeping in its generated SQL: not the user's schema.
BOOKKEEPING_TABLES = {"alembic": frozenset({"alembic_version"}), "django": frozenset({"django_migrations"})}


class RuleBase:
    """State and reporting helpers shared by the statement-family mixins."""

    settings: Settings
    catalog: Catalog
    hits: list[Hit]
    _session: Session
    _bookkeeping: frozenset[str]

    def _hit(self, rule: str, stmt: Statement, message: str, *, confidence: str = "high",
             table: str | None = None, lock: str | None = None) -> None:
        if table is not None and table in self._bookkeeping:
            return
        self.hits.append(Hit(rule, stmt, message, confidence, table, lock or RULES[rule].lock))

    def _is_new(self, table: str | None) -> bool:
        return table is not None and table in self._session.new_tables

    def _access_exclusive(self, stmt: Statement, what: str, table: str | None) -> None:
        """A statement takes ACCESS EXCLUSIVE on ``table``: remember it, and apply the timeout rules."""
        self._blocking(stmt, what, table, ACCESS_EXCLUSIVE)

    def _blocking(self, stmt: Statement, what: str, table: str | None, lock: str) -> None:
        """A statement takes ``lock`` (SHARE or stronger: it blocks writes) on ``table``.

        lock-timeout-missing is about waiting in the lock queue, where ACCESS EXCLUSIVE blocks
        even readers that arrive after it; statement-timeout-missing is about the time the lock is
        then held, for any lock that blocks writes, and is reported once per file (one SET fixes it).
        """
        if self._is_new(table) or (table is not None and table in self._bookkeeping):
            return
        session = self._session
        if lock == ACCESS_EXCLUSIVE and session.in_transaction and table is not None:
            session.exclusive.setdefault(table, stmt.line)
        if LOCK_ORDER.index(lock) < LOCK_ORDER.index(SHARE):
            return
        if not session.has_statement_timeout and not session.statement_timeout_reported:
            session.statement_timeout_reported = True
            self._hit("statement-timeout-missing", stmt,
                      f"{what} takes {lock} on {table or 'its tables'} with no statement_timeout set earlier in "
                      "the migration: nothing bounds how long others wait behind it", table=table, lock=lock)
        if lock == ACCESS_EXCLUSIVE and not session.has_lock_timeout:
            self._hit("lock-timeout-missing", stmt,
                      f"{what} takes an ACCESS EXCLUSIVE lock with no lock_timeout set earlier in the migration",
                      table=table)
