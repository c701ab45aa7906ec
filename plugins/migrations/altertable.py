"""Rules for ALTER TABLE, subcommand by subcommand, with the lock each one takes.

The locks follow the ALTER TABLE reference page: most subcommands take ACCESS EXCLUSIVE, the
ones in :data:`SUBCOMMAND_LOCKS` less; one statement takes the strongest lock of its
subcommands. Adding columns and constraints, changing types, SET/DROP NOT NULL, VALIDATE,
DETACH PARTITION and the rewriting forms are judged against what the catalogue knows of the table.
"""

from __future__ import annotations

from . import pgtypes
from .pgtypes import Node
from .rules import (
    ACCESS_EXCLUSIVE,
    LOCK_ORDER,
    NONE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
)
from .source import Statement
from .state import Column, relation_name, strings
from .tables import RECORDED_CONSTRAINTS, TableRules

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


class AlterTableRules(TableRules):
    """ALTER TABLE and its subcommands."""

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
        if LOCK_ORDER.index(strongest) >= LOCK_ORDER.index(SHARE):
            self._blocking(stmt, f"ALTER TABLE {table}", table, strongest)

    def _alter_table_cmd(self, stmt: Statement, table: str, new: bool, cmd: Node) -> str:
        """Apply the rules to one ALTER TABLE subcommand; returns the lock it takes."""
        subtype = cmd.get("subtype", "")
        info = self.catalog.tables.get(table)
        if subtype == "AT_AddColumn":
            column = cmd.get("def", {}).get("ColumnDef", {})
            if cmd.get("missing_ok") and info and column.get("colname") in info.columns:
                return ACCESS_EXCLUSIVE  # ADD COLUMN IF NOT EXISTS of a column that exists: nothing happens
            self._add_column(stmt, table, new, column)
        elif subtype == "AT_AlterColumnType":
            self._alter_type(stmt, table, new, cmd.get("name", "?"), cmd.get("def", {}).get("ColumnDef", {}))
        elif subtype == "AT_AddConstraint":
            return self._add_constraint(stmt, table, new, cmd.get("def", {}).get("Constraint", {}))
        elif subtype == "AT_ValidateConstraint":
            self._validate(stmt, table, cmd.get("name", "?"))
        elif subtype == "AT_SetNotNull":
            self._set_not_null(stmt, table, new, cmd.get("name", "?"))
        elif subtype == "AT_DropNotNull":
            column = str(cmd.get("name", "?"))
            known = info.columns.get(column) if info else None
            if known is not None and not known.not_null:
                return ACCESS_EXCLUSIVE  # already nullable: nothing changes for readers
            if known is not None:
                known.not_null = False
            if not new:
                self._hit("drop-not-null", stmt, f"DROP NOT NULL on {table}.{column}: the running release may read NULL "
                          "where it assumes a value", table=table)
        elif subtype == "AT_DropColumn":
            column = cmd.get("name", "?")
            if not new:
                self._hit("drop-column", stmt, f"dropping {table}.{column} breaks running code that uses it", table=table)
            if cmd.get("behavior") == "DROP_CASCADE":
                self._hit("cascade", stmt, f"DROP COLUMN {column} CASCADE also drops every object that depends on it",
                          table=table)
            if info:
                info.columns.pop(column, None)
        elif subtype == "AT_DropConstraint":
            if cmd.get("behavior") == "DROP_CASCADE" and not new:
                self._hit("cascade", stmt, f"DROP CONSTRAINT {cmd.get('name')} CASCADE also drops dependent objects",
                          table=table)
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
        primary = "CONSTR_PRIMARY" in contypes
        self._column_type_rules(stmt, table, name, ctype, key=primary)
        where = f"{table}.{name}"
        if primary:
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
        if ("CONSTR_NOTNULL" in contypes or primary) and default is None and not (serial or identity or generated):
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

    def _alter_type(self, stmt: Statement, table: str, new: bool, column: str, coldef: Node) -> None:
        ctype = pgtypes.type_of(coldef.get("typeName", {}))
        info = self.catalog.tables.get(table)
        known = info.columns.get(column) if info else None
        old = known.type if known else None
        self._column_type_rules(stmt, table, column, ctype)
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
        if old is None or old.name == pgtypes.UNKNOWN or ctype.name == pgtypes.UNKNOWN:
            self._hit("alter-column-type", stmt, f"changing {where} to {ctype} rewrites the table unless the old type is "
                      "binary-coercible to it (the old type is not known from the scanned migrations)", table=table,
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
                info = self.catalog.tables.get(table)
                for column in strings(con.get("keys", [])):
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


def _trivial_using(using: Node, column: str) -> bool:
    """``USING col`` or ``USING col::newtype``: the same conversion as no USING clause."""
    while "TypeCast" in using:
        using = using["TypeCast"].get("arg", {})
    return pgtypes.column_name(using) == column
