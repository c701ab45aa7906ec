"""Rules for indexes and maintenance commands: CREATE INDEX, REINDEX, REFRESH MATERIALIZED VIEW,
VACUUM, CLUSTER, LOCK, and the database-level statements that cannot run in a transaction block.

Index builds and rebuilds are judged by whether they use CONCURRENTLY (and whether they run where
CONCURRENTLY is allowed). CLUSTER and VACUUM FULL are reported from PostgreSQL 19 on, where
REPACK (CONCURRENTLY) does the same work online; before that their ACCESS EXCLUSIVE lock still
counts for the timeout rules.
"""

from __future__ import annotations

from .pgtypes import Node
from .rulebase import RuleBase
from .rules import SHARE
from .source import Statement
from .state import relation_name

ACCESS_EXCLUSIVE_LOCK_MODE = 8  # LockStmt.mode for ACCESS EXCLUSIVE (lockdefs.h AccessExclusiveLock)
#: LockStmt.mode values for SHARE and stronger (lockdefs.h): locks that block writers.
BLOCKING_LOCK_MODES = {5: "SHARE", 6: "SHARE ROW EXCLUSIVE", 7: "EXCLUSIVE", 8: "ACCESS EXCLUSIVE"}
#: The first PostgreSQL with REPACK (CONCURRENTLY), the online form of VACUUM FULL and CLUSTER.
REPACK_VERSION = 19


def option_on(option: Node) -> bool:
    """A boolean utility option (``VACUUM (FULL)``, ``(FULL false)``, ``(FULL 0)``) is on."""
    arg = option.get("arg")
    if not arg:
        return True
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))
    if "Boolean" in arg:
        return bool(arg["Boolean"].get("boolval", False))
    value = str(arg.get("String", {}).get("sval", "true")).lower()
    return value not in ("false", "off", "0", "no")


class MaintenanceRules(RuleBase):
    """Index builds, rebuilds and the maintenance commands."""

    def _outside_transaction_only(self, stmt: Statement, what: str, table: str | None = None) -> bool:
        """Report a statement that PostgreSQL refuses inside a transaction block, if it is in one."""
        if not self._session.in_transaction:
            return False
        self._hit("concurrently-in-transaction", stmt, f"{what} cannot run inside a transaction block: the migration "
                  "fails here", table=table)
        return True

    def _IndexStmt(self, stmt: Statement, node: Node) -> None:
        table = relation_name(node.get("relation", {}))
        index = node.get("idxname")
        if index:
            schema = node.get("relation", {}).get("schemaname")
            key = f"{schema}.{index}" if schema and schema != "public" else index
            self.catalog.indexes[key] = table
            if self._is_new(table):
                self._session.new_indexes.add(key)
        label = f"{'UNIQUE ' if node.get('unique') else ''}INDEX"
        if node.get("concurrent"):
            if self._session.in_transaction:
                self._hit("concurrently-in-transaction", stmt,
                          f"CREATE {label} CONCURRENTLY {index or ''} on {table} inside a transaction block fails"
                          .replace("  ", " "), table=table)
        elif not self._is_new(table):
            self._hit("create-index-not-concurrently", stmt,
                      f"CREATE {label} {index or '(unnamed)'} on {table} without CONCURRENTLY blocks writes to {table} "
                      "(SHARE lock) for the whole build", table=table, lock=SHARE)
            self._blocking(stmt, f"CREATE {label} {index or ''}".rstrip(), table, SHARE)

    def _ReindexStmt(self, stmt: Statement, node: Node) -> None:
        concurrent = any(p.get("DefElem", {}).get("defname") == "concurrently" for p in node.get("params", ()))
        kind = node.get("kind")
        relation = node.get("relation")
        name = relation_name(relation) if relation else (node.get("name") or "")
        if kind in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            # Whole-database forms: refused in a transaction block; system catalogs have no CONCURRENTLY.
            what = "REINDEX SYSTEM" if kind == "REINDEX_OBJECT_SYSTEM" else "REINDEX DATABASE"
            if self._outside_transaction_only(stmt, what) or kind == "REINDEX_OBJECT_SYSTEM" or concurrent:
                return
            if self.settings.postgres_version >= 12:
                self._hit("reindex-not-concurrently", stmt, f"REINDEX DATABASE {name} rebuilds every index of the "
                          "database, blocking writes to each table and queries that use the index being rebuilt")
            return
        table = self.catalog.indexes.get(name) if kind == "REINDEX_OBJECT_INDEX" else name
        if concurrent:
            if self._session.in_transaction:
                self._hit("concurrently-in-transaction", stmt, f"REINDEX CONCURRENTLY {name} inside a transaction "
                          "block fails", table=table)
            return
        if self._is_new(table) or (kind == "REINDEX_OBJECT_INDEX" and name in self._session.new_indexes):
            return
        hint = "" if self.settings.postgres_version >= 12 else " (CONCURRENTLY needs PostgreSQL 12+)"
        self._hit("reindex-not-concurrently", stmt, f"REINDEX {name} blocks writes and queries that use the index{hint}",
                  table=table)
        self._access_exclusive(stmt, f"REINDEX {name}", table)

    def _RefreshMatViewStmt(self, stmt: Statement, node: Node) -> None:
        view = relation_name(node.get("relation", {}))
        if node.get("concurrent") or self._is_new(view):
            return
        self._hit("refresh-matview-not-concurrently", stmt,
                  f"REFRESH MATERIALIZED VIEW {view} blocks every reader of the view until it finishes", table=view)
        self._access_exclusive(stmt, f"REFRESH MATERIALIZED VIEW {view}", view)

    def _VacuumStmt(self, stmt: Statement, node: Node) -> None:
        if not node.get("is_vacuumcmd"):
            return  # ANALYZE runs anywhere and takes SHARE UPDATE EXCLUSIVE
        tables = [relation_name(r.get("VacuumRelation", {}).get("relation", {})) for r in node.get("rels", ())]
        if self._outside_transaction_only(stmt, "VACUUM", tables[0] if tables else None):
            return
        full = any(
            o.get("DefElem", {}).get("defname") == "full" and option_on(o["DefElem"]) for o in node.get("options", ())
        )
        if not full:
            return
        existing = [t for t in tables if not self._is_new(t)]
        if tables and not existing:
            return
        what = ", ".join(existing) if existing else "every table in the database"
        if self.settings.postgres_version >= REPACK_VERSION:
            self._hit("vacuum-full", stmt, f"VACUUM FULL rewrites {what} under ACCESS EXCLUSIVE; REPACK (CONCURRENTLY) "
                      "does it online", table=existing[0] if existing else None)
        self._access_exclusive(stmt, f"VACUUM FULL {what}", existing[0] if existing else None)

    def _ClusterStmt(self, stmt: Statement, node: Node) -> None:
        relation = node.get("relation")
        table = relation_name(relation) if relation else None
        if table is None and self._outside_transaction_only(stmt, "CLUSTER without a table name"):
            return
        if self._is_new(table):
            return
        what = table or "every previously clustered table"
        if self.settings.postgres_version >= REPACK_VERSION:
            self._hit("cluster", stmt, f"CLUSTER rewrites {what} under ACCESS EXCLUSIVE; REPACK (CONCURRENTLY) ... "
                      "USING INDEX does it online", table=table)
        self._access_exclusive(stmt, f"CLUSTER {what}", table)

    def _LockStmt(self, stmt: Statement, node: Node) -> None:
        lock = BLOCKING_LOCK_MODES.get(int(node.get("mode", 0)))
        if lock is None:
            return
        for rel in node.get("relations", ()):
            table = relation_name(rel.get("RangeVar", {}))
            self._blocking(stmt, f"LOCK TABLE {table}", table, lock)

    def _DropdbStmt(self, stmt: Statement, node: Node) -> None:
        self._hit("drop-database", stmt, f"DROP DATABASE {node.get('dbname', '?')} destroys the whole database")
        self._outside_transaction_only(stmt, "DROP DATABASE")

    def _CreatedbStmt(self, stmt: Statement, node: Node) -> None:
        self._outside_transaction_only(stmt, "CREATE DATABASE")

    def _AlterSystemStmt(self, stmt: Statement, node: Node) -> None:
        self._outside_transaction_only(stmt, "ALTER SYSTEM")

    def _CreateTableSpaceStmt(self, stmt: Statement, node: Node) -> None:
        self._outside_transaction_only(stmt, "CREATE TABLESPACE")

    def _DropTableSpaceStmt(self, stmt: Statement, node: Node) -> None:
        self._outside_transaction_only(stmt, "DROP TABLESPACE")
