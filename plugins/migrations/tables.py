"""Rules for statements that create, drop, rename or empty tables, and the column advice they share.

CREATE TABLE records the table, its columns (with types) and its constraints in the catalogue,
and marks it new for the rest of the migration; DROP, RENAME and TRUNCATE report what breaks the
running release or destroys data. The column-type advice (``prefer-*``) and the bookkeeping of
constraints are here too, because ALTER TABLE (:mod:`.altertable`) applies the same.
"""

from __future__ import annotations

from . import pgtypes
from .pgtypes import Node, PgType
from .rulebase import RuleBase
from .rules import ACCESS_EXCLUSIVE, SHARE_ROW_EXCLUSIVE
from .source import Statement
from .state import Column, Constraint, Table, qualified, relation_name, strings

#: Constraints the catalog remembers: the ones VALIDATE CONSTRAINT and SET NOT NULL care about.
RECORDED_CONSTRAINTS = frozenset({"CONSTR_CHECK", "CONSTR_FOREIGN", "CONSTR_NOTNULL"})
SERIAL_SPELLING = {"serial2": "smallserial", "serial4": "serial", "serial8": "bigserial"}
INTEGER_SPELLING = {"int2": "smallint", "int4": "integer", "serial2": "smallserial", "serial4": "serial"}


class TableRules(RuleBase):
    """CREATE / DROP / RENAME / TRUNCATE TABLE, and what columns and constraints leave in the catalogue."""

    def _CreateStmt(self, stmt: Statement, node: Node) -> None:
        name = relation_name(node.get("relation", {}))
        if node.get("if_not_exists") and name in self.catalog.tables:
            return  # an earlier migration created it: the statement does nothing, the table is not new
        self._session.new_tables.add(name)
        table = self.catalog.tables[name] = Table()
        elements = node.get("tableElts", ())
        primary = [key for element in elements if element.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY"
                   for key in strings(element["Constraint"].get("keys", []))]
        for element in elements:
            if "ColumnDef" in element:
                column = element["ColumnDef"]
                colname = column.get("colname", "?")
                ctype = pgtypes.type_of(column.get("typeName", {}))
                contypes = {c["Constraint"].get("contype") for c in column.get("constraints", ()) if "Constraint" in c}
                not_null = bool(contypes & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}) or ctype.name in pgtypes.SERIALS
                table.columns[colname] = Column(ctype, not_null)
                if "CONSTR_PRIMARY" in contypes:
                    primary.append(colname)
                self._column_type_rules(stmt, name, colname, ctype, key=colname in primary)
                for con in column.get("constraints", ()):
                    if con.get("Constraint", {}).get("contype") in RECORDED_CONSTRAINTS:
                        self._record_constraint(name, con["Constraint"], [colname])
            elif "Constraint" in element:
                self._record_constraint(name, element["Constraint"], [])
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
        name = con.get("conname") or default_constraint_name(table, con, columns)
        self.catalog.table(table).constraints[name] = Constraint(
            kind=contype, validated=not con.get("skip_validation", False), not_null=proven, lock=lock)
        return name

    def _column_type_rules(self, stmt: Statement, table: str, column: str, ctype: PgType, *, key: bool = False) -> None:
        """The type advice for a column being created, added or retyped (``key``: it is a primary key,
        which prefer-bigint-primary-key judges instead of prefer-bigint)."""
        if ctype.name in pgtypes.SERIALS:
            self._hit("prefer-identity", stmt,
                      f"{table}.{column} is {SERIAL_SPELLING[ctype.name]}: use an identity column", table=table)
        if ctype.name in pgtypes.LENGTH_LIMITED and (ctype.mods or ctype.name == "bpchar"):
            self._hit("prefer-text", stmt, f"{table}.{column} is {ctype}: use text (with a CHECK if the limit matters)",
                      table=table)
        if ctype.name == "timestamp":
            self._hit("prefer-timestamptz", stmt, f"{table}.{column} is timestamp without time zone: use timestamptz",
                      table=table)
        if ctype.name in INTEGER_SPELLING and not key:
            self._hit("prefer-bigint", stmt,
                      f"{table}.{column} is {INTEGER_SPELLING[ctype.name]}{'[]' if ctype.array else ''}: it overflows at "
                      f"{'32,767' if ctype.name in ('int2', 'serial2') else '2,147,483,647'}; use bigint", table=table)

    def _primary_key_rule(self, stmt: Statement, table: str, columns: list[str]) -> None:
        known = self.catalog.tables.get(table)
        for column in columns:
            info = known.columns.get(column) if known else None
            if info and info.type:
                self._primary_key_rule_for(stmt, table, column, info.type)

    def _primary_key_rule_for(self, stmt: Statement, table: str, column: str, ctype: PgType) -> None:
        if ctype.name in pgtypes.NARROW_KEY_TYPES and not ctype.array:
            self._hit("prefer-bigint-primary-key", stmt, f"primary key {table}.{column} is {ctype}: use bigint", table=table)

    def _ColumnFact(self, stmt: Statement, node: Node) -> None:
        """What a migration states a column was (Alembic's ``existing_type``, ``existing_nullable``),
        for a column the scanned migrations did not create: the old type a type change is judged from."""
        table = self.catalog.table(str(node.get("table")))
        known = table.columns.get(str(node.get("column")))
        if known is None:
            known = table.columns[str(node.get("column"))] = Column(None)
        if known.type is None and isinstance(node.get("type"), str):
            known.type = pgtypes.parse_type(node["type"])
        if node.get("not_null") is not None:
            known.not_null = bool(node["not_null"])

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
                    self._hit("drop-table", stmt, f"DROP TABLE {table} breaks running code that uses it and deletes "
                              "its rows", table=table)
                    self._access_exclusive(stmt, f"DROP TABLE {table}", table)
        elif kind == "OBJECT_TYPE":
            for name in names:
                self.catalog.enums.pop(name, None)
            all_new = all(name in session.new_types for name in names)
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
        elif kind == "OBJECT_INDEX" and table:
            index = table  # ALTER INDEX puts the index in `relation`
            owner = self.catalog.indexes.pop(index, None)
            if owner is not None:
                schema = index.rsplit(".", 1)[0] + "." if "." in index else ""
                self.catalog.indexes[schema + new_name] = owner
        elif kind == "OBJECT_TABCONSTRAINT" and table:
            self._access_exclusive(stmt, f"ALTER TABLE {table} RENAME CONSTRAINT", table)


def default_constraint_name(table: str, con: Node, columns: list[str]) -> str:
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
