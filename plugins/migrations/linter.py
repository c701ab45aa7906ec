"""The rules, applied statement by statement with the state a migration builds up.

:class:`Linter` walks migration files in their configured order. Two kinds of state are kept:

- **Schema knowledge** across all files (:class:`Catalog`): the tables and columns created, their
  types, the constraints added and whether they have been validated, and which index belongs to
  which table. That is what lets ``SET NOT NULL`` see a ``CHECK (col IS NOT NULL)`` validated by an
  earlier migration, and ``ALTER COLUMN ... TYPE`` see the column's old type.
- **Session state** per file (:class:`Session`): whether a transaction is open (explicit
  ``BEGIN``/``COMMIT``, or the whole file when the tool wraps it), the constraints added ``NOT VALID``
  in the open transaction, whether ``lock_timeout`` is set (``SET``, ``SET LOCAL`` until the
  transaction ends, ``set_config``), and the tables created in the current migration unit, which
  are empty and so exempt from the rules about locking or rewriting existing data.

Handlers are named after the parser's node types (``_AlterTableStmt``) and append :class:`Hit`
objects; the check turns hits into findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import pgtypes
from .pgtypes import Node, PgType
from .rules import (
    ACCESS_EXCLUSIVE,
    LOCK_ORDER,
    NONE,
    RULES,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
)
from .source import MigrationFile, Statement, gc_paused

#: ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (ALTER TABLE reference page).
SUBCOMMAND_LOCKS = {
    "AT_SetStatistics": SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ValidateConstraint": SHARE_UPDATE_EXCLUSIVE,
    "AT_DetachPartitionFinalize": SHARE_UPDATE_EXCLUSIVE,
    "AT_EnableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_AlterConstraint": SHARE_ROW_EXCLUSIVE,
}
REWRITING_SUBCOMMANDS = {
    "AT_SetTableSpace": "SET TABLESPACE",
    "AT_SetLogged": "SET LOGGED",
    "AT_SetUnLogged": "SET UNLOGGED",
    "AT_SetAccessMethod": "SET ACCESS METHOD",
}
#: Tables a migration tool writes for its own bookkeeping in its generated SQL: not the user's schema.
BOOKKEEPING_TABLES = {"alembic": frozenset({"alembic_version"}), "django": frozenset({"django_migrations"})}
#: Constraints the catalog remembers: the ones VALIDATE CONSTRAINT and SET NOT NULL care about.
RECORDED_CONSTRAINTS = frozenset({"CONSTR_CHECK", "CONSTR_FOREIGN", "CONSTR_NOTNULL"})
#: Rules whose statements scan, rewrite or build: slow work when run under someone else's lock.
SLOW_RULES = frozenset({
    "add-column-rewrite", "alter-column-type", "constraint-without-not-valid", "set-not-null-without-check",
    "unique-constraint-builds-index", "create-index-not-concurrently", "rewrite-table", "vacuum-full", "cluster",
})
ACCESS_EXCLUSIVE_LOCK_MODE = 8  # LockStmt.mode for ACCESS EXCLUSIVE (lockdefs.h AccessExclusiveLock)
LEADING_NUMBER = re.compile(r"\s*([0-9.]+)")


@dataclass
class Settings:
    """What the rules need to know about the target database and the migration tool."""

    postgres_version: int = 14
    #: The tool applying the files wraps each file in a transaction (Flyway, Sqitch...).
    implicit_transaction: bool = False


@dataclass
class Hit:
    """A rule that fired on a statement."""

    rule: str
    stmt: Statement
    message: str
    confidence: str = "high"
    table: str | None = None
    lock: str | None = None


@dataclass
class Column:
    type: PgType | None
    not_null: bool = False


@dataclass
class Constraint:
    kind: str
    validated: bool
    #: Columns this constraint proves NOT NULL (CHECK (col IS NOT NULL), NOT NULL constraints).
    not_null: frozenset[str] = frozenset()
    #: The lock its ADD took, for the same-transaction validation message.
    lock: str = ACCESS_EXCLUSIVE


@dataclass
class Table:
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)


@dataclass
class Catalog:
    """What the migrations seen so far have done to the schema."""

    tables: dict[str, Table] = field(default_factory=dict)
    #: index name -> table name
    indexes: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, Table())


@dataclass
class Session:
    """State of the database session that runs one file."""

    in_transaction: bool = False
    explicit_transaction: bool = False
    lock_timeout: bool = False
    local_lock_timeout: bool = False
    #: (table, constraint) added NOT VALID in the open transaction.
    not_valid: set[tuple[str, str]] = field(default_factory=set)
    #: The BEGIN that opened the current explicit transaction.
    transaction_stmt: Statement | None = None
    #: Existing tables this transaction holds ACCESS EXCLUSIVE on -> line of the statement that took it.
    exclusive: dict[str, int] = field(default_factory=dict)
    unit: int = 0
    new_tables: set[str] = field(default_factory=set)
    new_indexes: set[str] = field(default_factory=set)
    new_types: set[str] = field(default_factory=set)

    @property
    def has_lock_timeout(self) -> bool:
        return self.lock_timeout or (self.local_lock_timeout and self.in_transaction)

    def end_transaction(self) -> None:
        self.in_transaction = False
        self.explicit_transaction = False
        self.local_lock_timeout = False
        self.not_valid.clear()
        self.exclusive.clear()


def relation_name(rangevar: Node) -> str:
    """``schema.table`` as written, without the default ``public`` schema, so both spellings match."""
    name = str(rangevar.get("relname", "?"))
    schema = rangevar.get("schemaname")
    return f"{schema}.{name}" if schema and schema != "public" else name


def qualified(names: list[Node]) -> str:
    parts = [n["String"]["sval"] for n in names if "String" in n]
    if len(parts) > 1 and parts[0] == "public":
        parts = parts[1:]
    return ".".join(parts)


def strings(nodes: list[Node]) -> list[str]:
    return [n["String"]["sval"] for n in nodes if "String" in n]


def _setting_enabled(value: Node | None) -> bool:
    """Whether a lock_timeout value is non-zero (0 disables the timeout)."""
    if value is None:
        return False
    const = value.get("A_Const", {})
    if "ival" in const:
        return bool(const["ival"].get("ival", 0))
    raw = const.get("sval", {}).get("sval") if "sval" in const else const.get("fval", {}).get("fval")
    match = LEADING_NUMBER.match(str(raw or ""))
    try:
        return bool(match) and float(match.group(1)) > 0  # type: ignore[union-attr]
    except ValueError:
        return False


class Linter:
    """Applies every rule to migration files, in order, sharing schema knowledge between them."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.catalog = Catalog()
        self.hits: list[Hit] = []
        self._session = Session()
        self._handlers: dict[str, Callable[[Statement, Node], None]] = {}
        self._bookkeeping: frozenset[str] = frozenset()

    # -- driver ---------------------------------------------------------------------------------

    def lint_file(self, migration: MigrationFile, *, tick: Callable[[], None] | None = None,
                  every: int = 2000) -> list[Hit]:
        """Apply the rules to one file; returns the hits for this file.

        ``tick`` is called every ``every`` statements (the check passes its cancellation test).
        """
        with gc_paused():
            return self._lint(migration, tick, every)

    def _lint(self, migration: MigrationFile, tick: Callable[[], None] | None, every: int) -> list[Hit]:
        self.hits = []
        self._bookkeeping = BOOKKEEPING_TABLES.get(migration.format, frozenset())
        session = self._session = Session()
        if self.settings.implicit_transaction:
            session.in_transaction = True
        handlers = self._handlers
        for position, stmt in enumerate(migration.statements):
            if tick is not None and position % every == 0:
                tick()
            if stmt.unit != session.unit:
                session.unit = stmt.unit
                session.new_tables.clear()
                session.new_indexes.clear()
                session.new_types.clear()
            handler = handlers.get(stmt.kind)
            if handler is None:
                handler = getattr(self, "_" + stmt.kind, self._ignore)
                handlers[stmt.kind] = handler
            if session.exclusive:
                held = dict(session.exclusive)
                before = len(self.hits)
                handler(stmt, stmt.node)
                self._while_held(stmt, held, before)
            else:
                handler(stmt, stmt.node)
        if session.explicit_transaction and session.transaction_stmt is not None:
            self._hit("uncommitted-transaction", session.transaction_stmt,
                      f"the transaction opened on line {session.transaction_stmt.line} is still open at the end of "
                      "the file")
        return self.hits

    def _while_held(self, stmt: Statement, held: dict[str, int], before: int) -> None:
        """The access-exclusive-held rule: slow work after ACCESS EXCLUSIVE was taken in this transaction."""
        node = stmt.node
        kind = stmt.kind
        slow = any(hit.rule in SLOW_RULES for hit in self.hits[before:])
        if not slow and kind in ("UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"):
            target = relation_name(node.get("relation", {}))
            values_only = kind == "InsertStmt" and "valuesLists" in node.get("selectStmt", {}).get("SelectStmt", {})
            slow = target not in self._bookkeeping and not values_only
        elif not slow and kind == "AlterTableStmt":
            slow = any(c.get("AlterTableCmd", {}).get("subtype") == "AT_ValidateConstraint" for c in node.get("cmds", ()))
        elif not slow and kind in ("IndexStmt", "RefreshMatViewStmt", "ReindexStmt", "ClusterStmt", "VacuumStmt"):
            slow = not node.get("concurrent")
        if not slow:
            return
        tables = ", ".join(f"{t} (line {line})" for t, line in held.items())
        words = stmt.text.split(" ", 2)
        self._hit("access-exclusive-held", stmt,
                  f"{' '.join(words[:2])} runs while this transaction holds ACCESS EXCLUSIVE on {tables}: "
                  "every query on those tables waits until COMMIT", table=next(iter(held)))

    def _ignore(self, stmt: Statement, node: Node) -> None:
        pass

    def _hit(self, rule: str, stmt: Statement, message: str, *, confidence: str = "high",
             table: str | None = None, lock: str | None = None) -> None:
        if table is not None and table in self._bookkeeping:
            return
        self.hits.append(Hit(rule, stmt, message, confidence, table, lock or RULES[rule].lock))

    def _is_new(self, table: str | None) -> bool:
        return table is not None and table in self._session.new_tables

    def _access_exclusive(self, stmt: Statement, what: str, table: str | None) -> None:
        """A statement takes ACCESS EXCLUSIVE on ``table``: remember it, and apply lock-timeout-missing."""
        if self._is_new(table) or (table is not None and table in self._bookkeeping):
            return
        session = self._session
        if session.in_transaction and table is not None:
            session.exclusive.setdefault(table, stmt.line)
        if session.has_lock_timeout:
            return
        self._hit("lock-timeout-missing", stmt,
                  f"{what} takes an ACCESS EXCLUSIVE lock with no lock_timeout set earlier in the migration",
                  table=table)

    # -- transactions and settings --------------------------------------------------------------

    def _TransactionStmt(self, stmt: Statement, node: Node) -> None:
        session = self._session
        kind = node.get("kind")
        if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
            if session.explicit_transaction:
                opened = session.transaction_stmt.line if session.transaction_stmt else "?"
                self._hit("transaction-nesting", stmt,
                          f"BEGIN while the transaction opened on line {opened} is still open: "
                          "PostgreSQL ignores it")
            else:
                session.transaction_stmt = stmt
                if not session.in_transaction:
                    session.not_valid.clear()
            session.in_transaction = True
            session.explicit_transaction = True
        elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            if not session.in_transaction:
                self._hit("transaction-nesting", stmt, f"{stmt.text.split(' ')[0].upper()} with no transaction open")
            elif not session.explicit_transaction and self.settings.implicit_transaction:
                self._hit("transaction-nesting", stmt,
                          "COMMIT ends the transaction the migration tool wrapped around the file; the rest "
                          "of the file runs outside it")
            if node.get("chain"):
                session.not_valid.clear()
                session.exclusive.clear()
                session.local_lock_timeout = False
            else:
                session.end_transaction()

    def _VariableSetStmt(self, stmt: Statement, node: Node) -> None:
        kind = node.get("kind")
        session = self._session
        if kind == "VAR_RESET_ALL":
            session.lock_timeout = session.local_lock_timeout = False
            return
        if node.get("name") != "lock_timeout":
            return
        if kind == "VAR_SET_VALUE":
            args = node.get("args") or [None]
            enabled = _setting_enabled(args[0])
            if node.get("is_local"):
                session.local_lock_timeout = enabled
            else:
                session.lock_timeout = enabled
                session.local_lock_timeout = False
        elif kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
            session.lock_timeout = session.local_lock_timeout = False

    def _SelectStmt(self, stmt: Statement, node: Node) -> None:
        # SELECT set_config('lock_timeout', '5s', is_local): how some tools set it.
        for target in node.get("targetList", ()):
            call = target.get("ResTarget", {}).get("val", {}).get("FuncCall")
            if not call or pgtypes.function_name(call) != "set_config":
                continue
            args = call.get("args", [])
            if len(args) == 3 and args[0].get("A_Const", {}).get("sval", {}).get("sval") == "lock_timeout":
                enabled = _setting_enabled(args[1])
                if args[2].get("A_Const", {}).get("boolval", {}).get("boolval"):
                    self._session.local_lock_timeout = enabled
                else:
                    self._session.lock_timeout = enabled

    # -- tables ---------------------------------------------------------------------------------

    def _CreateStmt(self, stmt: Statement, node: Node) -> None:
        name = relation_name(node.get("relation", {}))
        if node.get("if_not_exists") and name in self.catalog.tables:
            return  # an earlier migration created it: the statement does nothing, the table is not new
        self._session.new_tables.add(name)
        table = self.catalog.tables[name] = Table()
        primary: list[str] = []
        for element in node.get("tableElts", ()):
            if "ColumnDef" in element:
                column = element["ColumnDef"]
                colname = column.get("colname", "?")
                ctype = pgtypes.type_of(column.get("typeName", {}))
                contypes = {c["Constraint"].get("contype") for c in column.get("constraints", ()) if "Constraint" in c}
                not_null = bool(contypes & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}) or ctype.name in pgtypes.SERIALS
                table.columns[colname] = Column(ctype, not_null)
                self._column_type_rules(stmt, name, colname, ctype)
                if "CONSTR_PRIMARY" in contypes:
                    primary.append(colname)
                for con in column.get("constraints", ()):
                    if con.get("Constraint", {}).get("contype") in RECORDED_CONSTRAINTS:
                        self._record_constraint(name, con["Constraint"], [colname])
            elif "Constraint" in element:
                con = element["Constraint"]
                if con.get("contype") == "CONSTR_PRIMARY":
                    primary.extend(strings(con.get("keys", [])))
                self._record_constraint(name, con, [])
        self._primary_key_rule(stmt, name, primary)
        if node.get("partbound") and node.get("inhRelations"):
            parent = relation_name(node["inhRelations"][0].get("RangeVar", {}))
            self._access_exclusive(stmt, f"CREATE TABLE {name} PARTITION OF {parent} (on {parent})", parent)

    def _CreateTableAsStmt(self, stmt: Statement, node: Node) -> None:
        into = node.get("into", {}).get("IntoClause", node.get("into", {}))
        name = relation_name(into.get("rel", {}))
        self._session.new_tables.add(name)
        self.catalog.tables[name] = Table()

    def _record_constraint(self, table: str, con: Node, columns: list[str]) -> str | None:
        """Remember a constraint in the catalog; returns its (possibly generated) name."""
        contype = con.get("contype")
        if contype not in RECORDED_CONSTRAINTS:
            return None
        if contype == "CONSTR_CHECK":
            proven = frozenset(pgtypes.not_null_columns(con.get("raw_expr", {})))
            lock = ACCESS_EXCLUSIVE
        elif contype == "CONSTR_NOTNULL":
            proven = frozenset(strings(con.get("keys", [])) or columns)
            lock = ACCESS_EXCLUSIVE
        else:
            proven, lock = frozenset(), SHARE_ROW_EXCLUSIVE
        name = con.get("conname") or self._default_constraint_name(table, con, columns)
        self.catalog.table(table).constraints[name] = Constraint(
            kind=contype, validated=not con.get("skip_validation", False), not_null=proven, lock=lock)
        return name

    @staticmethod
    def _default_constraint_name(table: str, con: Node, columns: list[str]) -> str:
        """The name PostgreSQL generates: table_column_fkey / table_column_check / table_check."""
        base = table.rsplit(".", 1)[-1]
        if con.get("contype") == "CONSTR_FOREIGN":
            cols = strings(con.get("fk_attrs", [])) or columns
            return f"{base}_{'_'.join(cols)}_fkey"[:63]
        if con.get("contype") == "CONSTR_NOTNULL":
            cols = strings(con.get("keys", [])) or columns
            return f"{base}_{'_'.join(cols)}_not_null"[:63]
        refs = [
            name for kind, node in pgtypes.walk(con.get("raw_expr", {})) if kind == "ColumnRef"
            for name in [pgtypes.column_name({"ColumnRef": node})] if name
        ]
        cols = columns or refs[-1:]
        return f"{base}_{cols[0]}_check"[:63] if cols else f"{base}_check"

    def _column_type_rules(self, stmt: Statement, table: str, column: str, ctype: PgType) -> None:
        if ctype.name in pgtypes.SERIALS:
            spelled = {"serial2": "smallserial", "serial4": "serial", "serial8": "bigserial"}[ctype.name]
            self._hit("prefer-identity", stmt, f"{table}.{column} is {spelled}: use an identity column", table=table)
        if ctype.name in pgtypes.LENGTH_LIMITED and (ctype.mods or ctype.name == "bpchar"):
            self._hit("prefer-text", stmt, f"{table}.{column} is {ctype}: use text (with a CHECK if the limit matters)",
                      table=table)
        if ctype.name == "timestamp":
            self._hit("prefer-timestamptz", stmt, f"{table}.{column} is timestamp without time zone: use timestamptz",
                      table=table)

    def _primary_key_rule(self, stmt: Statement, table: str, columns: list[str]) -> None:
        known = self.catalog.tables.get(table)
        for column in columns:
            info = known.columns.get(column) if known else None
            if info and info.type and info.type.name in pgtypes.NARROW_KEY_TYPES and not info.type.array:
                self._hit("prefer-bigint-primary-key", stmt,
                          f"primary key {table}.{column} is {info.type}: use bigint", table=table)

    def _DropStmt(self, stmt: Statement, node: Node) -> None:
        kind = node.get("removeType")
        names = [qualified(obj.get("List", {}).get("items", [])) for obj in node.get("objects", ()) if "List" in obj]
        session = self._session
        all_new = True
        if kind == "OBJECT_INDEX":
            for index in names:
                table = self.catalog.indexes.pop(index, None)
                new = index in session.new_indexes or self._is_new(table)
                all_new = all_new and new
                on = f" on {table}" if table else ""
                if node.get("concurrent"):
                    if session.in_transaction:
                        self._hit("concurrently-in-transaction", stmt,
                                  f"DROP INDEX CONCURRENTLY {index} inside a transaction block fails", table=table)
                elif not new:
                    self._hit("drop-index-not-concurrently", stmt,
                              f"DROP INDEX {index} without CONCURRENTLY locks its table{on} (ACCESS EXCLUSIVE)",
                              table=table)
                    self._access_exclusive(stmt, f"DROP INDEX {index}", table)
        elif kind == "OBJECT_TABLE":
            for table in names:
                new = self._is_new(table)
                all_new = all_new and new
                self.catalog.tables.pop(table, None)
                session.new_tables.discard(table)
                if not new:
                    self._hit("drop-table", stmt, f"DROP TABLE {table} breaks running code that uses it", table=table)
                    self._access_exclusive(stmt, f"DROP TABLE {table}", table)
        else:
            all_new = False
        if node.get("behavior") == "DROP_CASCADE" and not all_new:
            self._hit("cascade", stmt, f"DROP ... CASCADE also drops every object that depends on {', '.join(names)}")

    def _TruncateStmt(self, stmt: Statement, node: Node) -> None:
        tables = [relation_name(r.get("RangeVar", {})) for r in node.get("relations", ())]
        existing = [t for t in tables if not self._is_new(t)]
        if existing:
            self._hit("truncate", stmt, f"TRUNCATE deletes every row of {', '.join(existing)}", table=existing[0])
            self._access_exclusive(stmt, f"TRUNCATE {', '.join(existing)}", existing[0])
            if node.get("behavior") == "DROP_CASCADE":
                self._hit("cascade", stmt, "TRUNCATE ... CASCADE also empties every table with a foreign key to "
                          f"{', '.join(existing)}", table=existing[0])

    def _RenameStmt(self, stmt: Statement, node: Node) -> None:
        kind = node.get("renameType")
        table = relation_name(node.get("relation", {})) if node.get("relation") else None
        new_name = node.get("newname", "?")
        if kind == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE" and table:
            old = node.get("subname", "?")
            if not self._is_new(table):
                self._hit("rename-column", stmt, f"renaming {table}.{old} to {new_name} breaks running code", table=table)
                self._access_exclusive(stmt, f"ALTER TABLE {table} RENAME COLUMN", table)
            info = self.catalog.tables.get(table)
            if info and old in info.columns:
                info.columns[new_name] = info.columns.pop(old)
        elif kind == "OBJECT_TABLE" and table:
            schema = table.rsplit(".", 1)[0] + "." if "." in table else ""
            renamed = schema + new_name
            if self._is_new(table):
                self._session.new_tables.add(renamed)
            else:
                self._hit("rename-table", stmt, f"renaming {table} to {new_name} breaks running code", table=table)
                self._access_exclusive(stmt, f"ALTER TABLE {table} RENAME TO", table)
            if table in self.catalog.tables:
                self.catalog.tables[renamed] = self.catalog.tables.pop(table)
        elif kind == "OBJECT_TABCONSTRAINT" and table:
            self._access_exclusive(stmt, f"ALTER TABLE {table} RENAME CONSTRAINT", table)

    # -- ALTER TABLE ----------------------------------------------------------------------------

    def _AlterTableStmt(self, stmt: Statement, node: Node) -> None:
        if node.get("objtype") != "OBJECT_TABLE":
            return
        table = relation_name(node.get("relation", {}))
        new = self._is_new(table)
        strongest = NONE
        for wrapper in node.get("cmds", ()):
            cmd = wrapper.get("AlterTableCmd", {})
            lock = self._alter_table_cmd(stmt, table, new, cmd)
            if LOCK_ORDER.index(lock) > LOCK_ORDER.index(strongest):
                strongest = lock
        if strongest == ACCESS_EXCLUSIVE:
            self._access_exclusive(stmt, f"ALTER TABLE {table}", table)

    def _alter_table_cmd(self, stmt: Statement, table: str, new: bool, cmd: Node) -> str:
        """Apply the rules to one ALTER TABLE subcommand; returns the lock it takes."""
        subtype = cmd.get("subtype", "")
        if subtype == "AT_AddColumn":
            self._add_column(stmt, table, new, cmd.get("def", {}).get("ColumnDef", {}))
        elif subtype == "AT_AlterColumnType":
            self._alter_type(stmt, table, new, cmd.get("name", "?"), cmd.get("def", {}).get("ColumnDef", {}))
        elif subtype == "AT_AddConstraint":
            return self._add_constraint(stmt, table, new, cmd.get("def", {}).get("Constraint", {}))
        elif subtype == "AT_ValidateConstraint":
            self._validate(stmt, table, cmd.get("name", "?"))
        elif subtype == "AT_SetNotNull":
            self._set_not_null(stmt, table, new, cmd.get("name", "?"))
        elif subtype == "AT_DropNotNull":
            info = self.catalog.tables.get(table)
            if info and cmd.get("name") in info.columns:
                info.columns[cmd["name"]].not_null = False
        elif subtype == "AT_DropColumn":
            column = cmd.get("name", "?")
            if not new:
                self._hit("drop-column", stmt, f"dropping {table}.{column} breaks running code that uses it", table=table)
            if cmd.get("behavior") == "DROP_CASCADE":
                self._hit("cascade", stmt, f"DROP COLUMN {column} CASCADE also drops every object that depends on it",
                          table=table)
            info = self.catalog.tables.get(table)
            if info:
                info.columns.pop(column, None)
        elif subtype == "AT_DropConstraint":
            if cmd.get("behavior") == "DROP_CASCADE" and not new:
                self._hit("cascade", stmt, f"DROP CONSTRAINT {cmd.get('name')} CASCADE also drops dependent objects",
                          table=table)
            info = self.catalog.tables.get(table)
            if info:
                info.constraints.pop(cmd.get("name", ""), None)
        elif subtype in REWRITING_SUBCOMMANDS:
            if not new:
                self._hit("rewrite-table", stmt, f"ALTER TABLE {table} {REWRITING_SUBCOMMANDS[subtype]} rewrites the table",
                          table=table)
        elif subtype == "AT_DetachPartition":
            return self._detach(stmt, table, cmd.get("def", {}).get("PartitionCmd", {}))
        elif subtype == "AT_AttachPartition":
            return SHARE_UPDATE_EXCLUSIVE if self.settings.postgres_version >= 12 else ACCESS_EXCLUSIVE
        return SUBCOMMAND_LOCKS.get(subtype, ACCESS_EXCLUSIVE)

    def _add_column(self, stmt: Statement, table: str, new: bool, column: Node) -> None:
        name = column.get("colname", "?")
        ctype = pgtypes.type_of(column.get("typeName", {}))
        constraints = [c["Constraint"] for c in column.get("constraints", ()) if "Constraint" in c]
        contypes = {c.get("contype") for c in constraints}
        default = next((c.get("raw_expr") for c in constraints if c.get("contype") == "CONSTR_DEFAULT"), None)
        if default is not None and pgtypes.is_null_constant(default):
            default = None
        serial = ctype.name in pgtypes.SERIALS
        identity = "CONSTR_IDENTITY" in contypes
        generated = next((c for c in constraints if c.get("contype") == "CONSTR_GENERATED"), None)
        stored = generated is not None and (generated.get("generated_kind", "s") == "s" or self.settings.postgres_version < 18)
        self._column_type_rules(stmt, table, name, ctype)
        where = f"{table}.{name}"
        if "CONSTR_PRIMARY" in contypes:
            self._primary_key_rule_for(stmt, table, name, ctype)
        self.catalog.table(table).columns[name] = Column(ctype, bool(contypes & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}))
        for con in constraints:
            if con.get("contype") in RECORDED_CONSTRAINTS:
                self._record_constraint(table, con, [name])
        if new:
            return
        if serial:
            self._hit("add-column-rewrite", stmt, f"adding {ctype.name} column {where} fills every existing row from a "
                      "sequence: the table is rewritten under ACCESS EXCLUSIVE", table=table)
        elif identity:
            self._hit("add-column-rewrite", stmt, f"adding identity column {where} numbers every existing row: "
                      "the table is rewritten under ACCESS EXCLUSIVE", table=table)
        elif stored:
            self._hit("add-column-rewrite", stmt, f"adding stored generated column {where} computes it for every "
                      "existing row: the table is rewritten under ACCESS EXCLUSIVE", table=table)
        elif default is not None:
            if self.settings.postgres_version < 11:
                self._hit("add-column-rewrite", stmt, f"before PostgreSQL 11, adding {where} with a DEFAULT rewrites "
                          f"the table (target is {self.settings.postgres_version})", table=table)
            else:
                kind, function = pgtypes.volatility(default)
                if kind == "volatile":
                    self._hit("add-column-rewrite", stmt, f"adding {where} with volatile default {function}() "
                              "evaluates it for every existing row: the table is rewritten", table=table)
                elif kind == "unknown":
                    self._hit("add-column-rewrite", stmt, f"adding {where} with a default that calls {function}: if it "
                              "is volatile the table is rewritten (check its volatility)", table=table, confidence="low")
        if ("CONSTR_NOTNULL" in contypes and default is None and not (serial or identity or generated)):
            self._hit("add-column-not-null-without-default", stmt,
                      f"adding NOT NULL column {where} without a default fails on a table that has rows", table=table)
        if contypes & {"CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"}:
            self._hit("unique-constraint-builds-index", stmt,
                      f"adding {where} with a UNIQUE/PRIMARY KEY constraint builds its index under ACCESS EXCLUSIVE",
                      table=table)
        if "CONSTR_FOREIGN" in contypes:
            self._hit("constraint-without-not-valid", stmt,
                      f"adding {where} with REFERENCES validates the new foreign key with a full scan (SHARE ROW "
                      "EXCLUSIVE on both tables); add the column, then ADD CONSTRAINT ... NOT VALID",
                      table=table, confidence="medium", lock=SHARE_ROW_EXCLUSIVE)
        if "CONSTR_CHECK" in contypes:
            self._hit("constraint-without-not-valid", stmt,
                      f"adding {where} with a CHECK constraint checks every row under ACCESS EXCLUSIVE; add the "
                      "column, then ADD CONSTRAINT ... CHECK ... NOT VALID", table=table, confidence="medium")

    def _primary_key_rule_for(self, stmt: Statement, table: str, column: str, ctype: PgType) -> None:
        if ctype.name in pgtypes.NARROW_KEY_TYPES and not ctype.array:
            self._hit("prefer-bigint-primary-key", stmt, f"primary key {table}.{column} is {ctype}: use bigint", table=table)

    def _alter_type(self, stmt: Statement, table: str, new: bool, column: str, coldef: Node) -> None:
        ctype = pgtypes.type_of(coldef.get("typeName", {}))
        self._column_type_rules(stmt, table, column, ctype)
        info = self.catalog.tables.get(table)
        known = info.columns.get(column) if info else None
        old = known.type if known else None
        if info is not None:
            info.columns[column] = Column(ctype, known.not_null if known else False)
        if new:
            return
        using = coldef.get("raw_default")
        where = f"{table}.{column}"
        if using is not None and not _trivial_using(using, column):
            self._hit("alter-column-type", stmt, f"changing {where} to {ctype} with a USING expression rewrites every row "
                      "under ACCESS EXCLUSIVE", table=table)
            return
        if old is None:
            self._hit("alter-column-type", stmt, f"changing {where} to {ctype} rewrites the table unless the old type is "
                      "binary-coercible to it (the old type is not in the scanned migrations)", table=table,
                      confidence="low")
            return
        rewrites, reason = pgtypes.type_change_rewrites(old, ctype)
        if old.name == "timestamp" and ctype.name == "timestamptz" and self.settings.postgres_version >= 12:
            self._hit("alter-column-type", stmt, f"changing {where} from {old} to {ctype}: {reason}", table=table,
                      confidence="medium")
        elif rewrites:
            self._hit("alter-column-type", stmt, f"changing {where} from {old} to {ctype} rewrites the table and its "
                      f"indexes under ACCESS EXCLUSIVE: {reason}", table=table)

    def _add_constraint(self, stmt: Statement, table: str, new: bool, con: Node) -> str:
        contype = con.get("contype")
        not_valid = bool(con.get("skip_validation"))
        if contype == "CONSTR_NOTNULL" and not not_valid:
            # Judged before it is recorded, or the constraint would count as its own proof.
            for column in strings(con.get("keys", [])):
                self._set_not_null(stmt, table, new, column)
        name = self._record_constraint(table, con, [])
        label = f"constraint {name}" if name else "constraint"
        if contype == "CONSTR_FOREIGN":
            target = relation_name(con.get("pktable", {}))
            if not_valid:
                self._session.not_valid.add((table, name or ""))
            elif not new:
                self._hit("constraint-without-not-valid", stmt,
                          f"adding foreign key {name} on {table} without NOT VALID scans {table} while blocking writes "
                          f"to {table} and {target} (SHARE ROW EXCLUSIVE)", table=table, lock=SHARE_ROW_EXCLUSIVE)
            return SHARE_ROW_EXCLUSIVE
        if contype == "CONSTR_CHECK":
            if not_valid:
                self._session.not_valid.add((table, name or ""))
            elif not new:
                self._hit("constraint-without-not-valid", stmt,
                          f"adding CHECK {label} on {table} without NOT VALID scans the whole table under ACCESS "
                          "EXCLUSIVE", table=table)
            return ACCESS_EXCLUSIVE
        if contype == "CONSTR_NOTNULL":
            if not_valid:
                self._session.not_valid.add((table, name or ""))
            return ACCESS_EXCLUSIVE
        if contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"):
            if contype == "CONSTR_PRIMARY":
                for column in strings(con.get("keys", [])):
                    info = self.catalog.tables.get(table)
                    known = info.columns.get(column) if info else None
                    if known and known.type:
                        self._primary_key_rule_for(stmt, table, column, known.type)
            if not con.get("indexname") and not new:
                kind = {"CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_UNIQUE": "UNIQUE"}.get(str(contype), "EXCLUDE")
                self._hit("unique-constraint-builds-index", stmt,
                          f"adding {kind} {label} on {table} builds its index under ACCESS EXCLUSIVE", table=table)
        return ACCESS_EXCLUSIVE

    def _validate(self, stmt: Statement, table: str, name: str) -> None:
        session = self._session
        info = self.catalog.tables.get(table)
        known = info.constraints.get(name) if info else None
        if (table, name) in session.not_valid and session.in_transaction:
            lock = known.lock if known else ACCESS_EXCLUSIVE
            self._hit("validate-in-same-transaction", stmt,
                      f"VALIDATE CONSTRAINT {name} runs in the transaction that added it, so the {lock} lock from "
                      "the ADD is held for the whole validation scan", table=table, lock=lock)
        if known:
            known.validated = True

    def _set_not_null(self, stmt: Statement, table: str, new: bool, column: str) -> None:
        info = self.catalog.tables.get(table)
        known = info.columns.get(column) if info else None
        already = bool(known and known.not_null)
        if info is not None:
            info.columns.setdefault(column, Column(None)).not_null = True
        if new or already:
            return
        version = self.settings.postgres_version
        proof = None
        if info is not None:
            proof = next((n for n, c in info.constraints.items() if c.validated and column in c.not_null), None)
        if proof and version >= 12:
            return
        if proof:
            message = (f"SET NOT NULL on {table}.{column} scans the table under ACCESS EXCLUSIVE: before PostgreSQL 12 "
                       f"the validated constraint {proof} is not used (target is {version})")
        else:
            message = (f"SET NOT NULL on {table}.{column} scans the whole table under ACCESS EXCLUSIVE; no validated "
                       f"CHECK ({column} IS NOT NULL) precedes it")
        self._hit("set-not-null-without-check", stmt, message, table=table)

    def _detach(self, stmt: Statement, table: str, cmd: Node) -> str:
        partition = relation_name(cmd.get("name", {}))
        if cmd.get("concurrent"):
            if self._session.in_transaction:
                self._hit("concurrently-in-transaction", stmt,
                          f"DETACH PARTITION {partition} CONCURRENTLY inside a transaction block fails", table=table)
            return SHARE_UPDATE_EXCLUSIVE
        if self.settings.postgres_version >= 14 and not self._is_new(table):
            self._hit("detach-partition-not-concurrently", stmt,
                      f"DETACH PARTITION {partition} locks {table} (ACCESS EXCLUSIVE): use CONCURRENTLY", table=table)
        return ACCESS_EXCLUSIVE

    # -- indexes and maintenance ----------------------------------------------------------------

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

    def _ReindexStmt(self, stmt: Statement, node: Node) -> None:
        concurrent = any(p.get("DefElem", {}).get("defname") == "concurrently" for p in node.get("params", ()))
        relation = node.get("relation")
        name = relation_name(relation) if relation else (node.get("name") or "")
        table = self.catalog.indexes.get(name) if node.get("kind") == "REINDEX_OBJECT_INDEX" else name
        if concurrent:
            if self._session.in_transaction:
                self._hit("concurrently-in-transaction", stmt, f"REINDEX CONCURRENTLY {name} inside a transaction "
                          "block fails", table=table)
            return
        if self._is_new(table):
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
            return
        full = any(
            o.get("DefElem", {}).get("defname") == "full" and _option_on(o["DefElem"]) for o in node.get("options", ())
        )
        if not full:
            return
        tables = [relation_name(r.get("VacuumRelation", {}).get("relation", {})) for r in node.get("rels", ())]
        existing = [t for t in tables if not self._is_new(t)]
        if tables and not existing:
            return
        what = ", ".join(existing) if existing else "every table in the database"
        self._hit("vacuum-full", stmt, f"VACUUM FULL rewrites {what} under ACCESS EXCLUSIVE",
                  table=existing[0] if existing else None)
        self._access_exclusive(stmt, f"VACUUM FULL {what}", existing[0] if existing else None)

    def _ClusterStmt(self, stmt: Statement, node: Node) -> None:
        relation = node.get("relation")
        table = relation_name(relation) if relation else None
        if self._is_new(table):
            return
        what = table or "every previously clustered table"
        self._hit("cluster", stmt, f"CLUSTER rewrites {what} under ACCESS EXCLUSIVE", table=table)
        self._access_exclusive(stmt, f"CLUSTER {what}", table)

    def _LockStmt(self, stmt: Statement, node: Node) -> None:
        if node.get("mode") != ACCESS_EXCLUSIVE_LOCK_MODE:
            return
        for rel in node.get("relations", ()):
            table = relation_name(rel.get("RangeVar", {}))
            self._access_exclusive(stmt, f"LOCK TABLE {table}", table)

    def _DropdbStmt(self, stmt: Statement, node: Node) -> None:
        self._hit("drop-database", stmt, f"DROP DATABASE {node.get('dbname', '?')} destroys the whole database")

    # -- types and domains ----------------------------------------------------------------------

    def _CreateEnumStmt(self, stmt: Statement, node: Node) -> None:
        self._session.new_types.add(qualified(node.get("typeName", [])))

    def _CreateDomainStmt(self, stmt: Statement, node: Node) -> None:
        self._session.new_types.add(qualified(node.get("domainname", [])))

    def _AlterEnumStmt(self, stmt: Statement, node: Node) -> None:
        name = qualified(node.get("typeName", []))
        if (node.get("newVal") and not node.get("oldVal") and self._session.in_transaction
                and self.settings.postgres_version < 12 and name not in self._session.new_types):
            self._hit("enum-value-in-transaction", stmt,
                      f"ALTER TYPE {name} ADD VALUE fails inside a transaction block before PostgreSQL 12 "
                      f"(target is {self.settings.postgres_version})")

    def _AlterDomainStmt(self, stmt: Statement, node: Node) -> None:
        name = qualified(node.get("typeName", []))
        con = node.get("def", {}).get("Constraint", {})
        if (node.get("subtype") == "C" and con.get("contype") == "CONSTR_CHECK" and not con.get("skip_validation")
                and name not in self._session.new_types):
            self._hit("constraint-without-not-valid", stmt,
                      f"ALTER DOMAIN {name} ADD CONSTRAINT without NOT VALID checks every column of the domain in "
                      "every table", lock=SHARE)


def _option_on(option: Node) -> bool:
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


def _trivial_using(using: Node, column: str) -> bool:
    """``USING col`` or ``USING col::newtype``: the same conversion as no USING clause."""
    while "TypeCast" in using:
        using = using["TypeCast"].get("arg", {})
    return pgtypes.column_name(using) == column

