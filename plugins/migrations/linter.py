"""The rules, applied statement by statement with the state a migration builds up.

:class:`Linter` walks migration files in their configured order. Schema knowledge (the catalogue)
carries from one file to the next; session state (transactions, timeouts, the objects the
current migration created) starts fresh with every file (see :mod:`.state`).

Each statement goes to the handler named after its parser node type, found in one of the
statement-family mixins: :mod:`.tables` and :mod:`.altertable` (tables, columns, constraints),
:mod:`.maintenance` (indexes, VACUUM, CLUSTER, LOCK), :mod:`.sessions` (transactions and
settings), :mod:`.typedefs` (enums and domains). Then the rules every statement shares run
(:mod:`.crosscut`), and, while the transaction holds ACCESS EXCLUSIVE on an existing table, the
access-exclusive-held rule (:meth:`Linter._while_held`). Handlers append :class:`.state.Hit`
objects; the check turns hits into findings.
"""

from __future__ import annotations

from collections.abc import Callable

from gatecheck.api import gc_paused

from .altertable import AlterTableRules
from .crosscut import LONG_RUN, CrossCutRules, last_fallible
from .maintenance import MaintenanceRules
from .pgtypes import Node
from .rulebase import BOOKKEEPING_TABLES
from .sessions import SessionRules
from .source import MigrationFile, Statement
from .state import Catalog, Hit, Session, Settings, relation_name
from .typedefs import TypeRules

__all__ = ["Hit", "Linter", "Settings"]

#: Rules whose statements scan, rewrite or build: slow work when run under someone else's lock.
SLOW_RULES = frozenset({
    "add-column-rewrite", "alter-column-type", "constraint-without-not-valid", "set-not-null-without-check",
    "unique-constraint-builds-index", "create-index-not-concurrently", "rewrite-table", "vacuum-full", "cluster",
})
#: Statement kinds that do data work proportional to a table's size unless they say otherwise.
DATA_STATEMENTS = frozenset({"UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"})
MAINTENANCE_STATEMENTS = frozenset({"IndexStmt", "RefreshMatViewStmt", "ReindexStmt", "ClusterStmt", "VacuumStmt"})
TRANSACTION_KINDS = frozenset({"TransactionStmt"})


class Linter(AlterTableRules, MaintenanceRules, SessionRules, TypeRules, CrossCutRules):
    """Applies every rule to migration files, in order, sharing schema knowledge between them."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.catalog = Catalog()
        self.hits: list[Hit] = []
        self._session = Session()
        self._handlers: dict[str, Callable[[Statement, Node], None]] = {}
        self._bookkeeping: frozenset[str] = frozenset()
        self._position = 0
        self._last_fallible = -1
        self._long_runs: list[int] = []
        self._redropped: set[str] = set()

    def lint_file(self, migration: MigrationFile, *, tick: Callable[[], None] | None = None,
                  every: int = 2000) -> list[Hit]:
        """Apply the rules to one file; returns the hits for this file.

        ``tick`` is called every ``every`` statements (the check passes its cancellation test).
        """
        with gc_paused():
            return self._lint(migration, tick, every)

    def _lint(self, migration: MigrationFile, tick: Callable[[], None] | None, every: int) -> list[Hit]:
        self.hits = []
        self._bookkeeping = BOOKKEEPING_TABLES.get(migration.tool, frozenset())
        session = self._session = Session()
        if self.settings.implicit_transaction and not migration.manages_transactions:
            session.in_transaction = True
        statements = migration.statements
        self._last_fallible = last_fallible(statements)
        self._redropped = set()
        data = statements[0].data if statements else b""
        self._long_runs = [m.start() for m in LONG_RUN.finditer(data)] if len(data) > 63 else []
        handlers = self._handlers
        for position, stmt in enumerate(statements):
            if tick is not None and position % every == 0:
                tick()
            self._position = position
            if stmt.unit != session.unit:
                session.unit = stmt.unit
                session.new_tables.clear()
                session.new_indexes.clear()
                session.new_types.clear()
            handler = handlers.get(stmt.kind)
            if handler is None:
                handler = getattr(self, "_" + stmt.kind, self._ignore)
                handlers[stmt.kind] = handler
            in_transaction = session.in_transaction
            if session.exclusive:
                # Locks only accumulate until COMMIT (which is never slow work), so the ones held before
                # this statement are the first `held` entries afterwards: no copy per statement.
                held = len(session.exclusive)
                before = len(self.hits)
                handler(stmt, stmt.node)
                self._while_held(stmt, held, before)
            else:
                handler(stmt, stmt.node)
            if stmt.data is not data:
                data = stmt.data
                self._long_runs = [m.start() for m in LONG_RUN.finditer(data)] if len(data) > 63 else []
            # The cross-cutting rules judge the statement in the transaction state it ran in.
            after = session.in_transaction
            session.in_transaction = in_transaction if stmt.kind not in TRANSACTION_KINDS else after
            self._crosscut(stmt)
            session.in_transaction = after
        if session.explicit_transaction and session.transaction_stmt is not None:
            self._hit("uncommitted-transaction", session.transaction_stmt,
                      f"the transaction opened on line {session.transaction_stmt.line} is still open at the end of "
                      "the file")
        return self.hits

    def _while_held(self, stmt: Statement, held: int, before: int) -> None:
        """The access-exclusive-held rule: slow work after ACCESS EXCLUSIVE was taken in this transaction.

        Work on a table created in this migration is not slow (it is empty), even while another
        table is locked."""
        node = stmt.node
        kind = stmt.kind
        target = _target_table(kind, node)
        if target is not None and self._is_new(target):
            return
        slow = any(hit.rule in SLOW_RULES for hit in self.hits[before:])
        if not slow and kind in DATA_STATEMENTS:
            values_only = kind == "InsertStmt" and "valuesLists" in node.get("selectStmt", {}).get("SelectStmt", {})
            slow = target not in self._bookkeeping and not values_only
        elif not slow and kind == "AlterTableStmt":
            slow = any(c.get("AlterTableCmd", {}).get("subtype") == "AT_ValidateConstraint" for c in node.get("cmds", ()))
        elif not slow and kind in MAINTENANCE_STATEMENTS:
            slow = not node.get("concurrent")
        elif kind == "RunPython":
            slow = True
        if not slow or not self._session.exclusive:
            return
        locked = list(self._session.exclusive.items())[:held]
        tables = ", ".join(f"{t} (line {line})" for t, line in locked[:3])
        if len(locked) > 3:
            tables += f" and {len(locked) - 3} more tables"
        words = " ".join(stmt.text.split(" ", 2)[:2])
        self._hit("access-exclusive-held", stmt,
                  f"{words} runs while this transaction holds ACCESS EXCLUSIVE on {tables}: "
                  "every query on those tables waits until COMMIT", table=locked[0][0])

    def _ignore(self, stmt: Statement, node: Node) -> None:
        pass


def _target_table(kind: str, node: Node) -> str | None:
    """The table a statement works on, when it names one."""
    if kind in DATA_STATEMENTS or kind in ("IndexStmt", "AlterTableStmt", "RefreshMatViewStmt", "ClusterStmt"):
        relation = node.get("relation")
        return relation_name(relation) if relation else None
    if kind == "VacuumStmt":
        rels = node.get("rels") or []
        return relation_name(rels[0].get("VacuumRelation", {}).get("relation", {})) if len(rels) == 1 else None
    return None
