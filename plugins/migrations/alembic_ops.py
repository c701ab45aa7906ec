"""Alembic's ``op`` operations as the SQL its PostgreSQL implementation writes.

A mixin of :class:`.alembic_reader.Upgrade`: each ``op_<name>`` method takes the call as read from
the revision (``op.add_column("orders", sa.Column(...))``) and emits the statements Alembic would
send, in its order (``alter_column``: the type, then nullability, the default and the name). The
``batch_<name>`` aliases are the same operations inside ``with op.batch_alter_table(table)``, which
on PostgreSQL are plain ALTER TABLE statements.
"""

from __future__ import annotations

from typing import Any

from .generated import Piece
from .pyast import Call
from .sa_types import (
    Column,
    autoincrements,
    bare,
    constraint_clause,
    default_sql,
    enum_of,
    fk_options,
    ident,
    index_columns,
    literal,
    make_column,
    name_of,
    object_name,
    qualify,
    references,
    sql_text,
    type_sql,
)


class AlembicOps:
    """The ``op.*`` and ``batch_op.*`` operations."""

    pieces: list[Piece]
    unresolved: list[tuple[int, str]]

    def emit(self, sql: str, line: int, end_line: int) -> None:
        self.pieces.append(Piece(sql, line, end_line))

    def resolve(self, value: Any) -> Any:
        return value

    def op_create_table(self, call: Call) -> None:
        table = qualify(name_of(call.arg(0, "table_name")), call.kwargs.get("schema"))
        columns: list[Column] = []
        constraints: list[str] = []
        for item in map(self.resolve, call.args[1:]):
            column = make_column(item)
            if column is not None:
                columns.append(column)
            elif isinstance(item, Call):
                clause = constraint_clause(item)
                if clause:
                    constraints.append(clause)
        for column in columns:
            enum = enum_of(call, column)
            if enum:
                self.emit(enum, call.line, call.end_line)
        keys = [c for c in columns if c.primary_key]
        serial = keys[0] if len(keys) == 1 and autoincrements(keys[0]) else None
        parts = [c.ddl(serial=c is serial) for c in columns]
        if keys:
            parts.append(f"PRIMARY KEY ({', '.join(ident(c.name) for c in keys)})")
        for column in columns:
            if column.unique:
                parts.append(f"UNIQUE ({ident(column.name)})")
            for target, options in column.foreign_keys:
                parts.append(f"FOREIGN KEY({ident(column.name)}) REFERENCES {references(target)}{fk_options(options)}")
            parts.extend(f"CHECK ({check})" for check in column.checks)
        parts.extend(constraints)
        exists = " IF NOT EXISTS" if call.kwargs.get("if_not_exists") is True else ""
        self.emit(f"CREATE TABLE{exists} {table} ({', '.join(parts)})", call.line, call.end_line)
        for column in columns:
            if column.index:
                self.emit(f"CREATE INDEX {ident(f'ix_{bare(table)}_{column.name}')} ON {table} ({ident(column.name)})",
                          call.line, call.end_line)

    def op_drop_table(self, call: Call) -> None:
        exists = " IF EXISTS" if call.kwargs.get("if_exists") is True else ""
        self.emit(f"DROP TABLE{exists} {qualify(name_of(call.arg(0, 'table_name')), call.kwargs.get('schema'))}",
                  call.line, call.end_line)

    def op_rename_table(self, call: Call) -> None:
        table = qualify(name_of(call.arg(0, "old_table_name")), call.kwargs.get("schema"))
        self.emit(f"ALTER TABLE {table} RENAME TO {ident(name_of(call.arg(1, 'new_table_name')))}", call.line, call.end_line)

    def op_add_column(self, call: Call, table: str | None = None) -> None:
        if table is None:
            table = qualify(name_of(call.arg(0, "table_name")), call.kwargs.get("schema"))
            column = make_column(self.resolve(call.arg(1, "column")))
        else:
            column = make_column(self.resolve(call.arg(0, "column")))
        if column is None:
            self.unresolved.append((call.line, "add_column with a column that is not an sa.Column(...) call"))
            return
        exists = " IF NOT EXISTS" if call.kwargs.get("if_not_exists") is True else ""
        serial = column.primary_key and autoincrements(column)
        self.emit(f"ALTER TABLE {table} ADD COLUMN{exists} {column.ddl(serial=serial)}", call.line, call.end_line)
        for target, options in column.foreign_keys:
            self.emit(f"ALTER TABLE {table} ADD FOREIGN KEY({ident(column.name)}) REFERENCES {references(target)}"
                      f"{fk_options(options)}", call.line, call.end_line)
        if column.unique:
            self.emit(f"ALTER TABLE {table} ADD UNIQUE ({ident(column.name)})", call.line, call.end_line)
        for check in column.checks:
            self.emit(f"ALTER TABLE {table} ADD CHECK ({check})", call.line, call.end_line)
        if column.index:
            self.emit(f"CREATE INDEX {ident(f'ix_{bare(table)}_{column.name}')} ON {table} ({ident(column.name)})",
                      call.line, call.end_line)

    def op_drop_column(self, call: Call, table: str | None = None) -> None:
        if table is None:
            table = qualify(name_of(call.arg(0, "table_name")), call.kwargs.get("schema"))
            name = call.arg(1, "column_name")
        else:
            name = call.arg(0, "column_name")
        exists = " IF EXISTS" if call.kwargs.get("if_exists") is True else ""
        self.emit(f"ALTER TABLE {table} DROP COLUMN{exists} {ident(name_of(name))}", call.line, call.end_line)

    def op_alter_column(self, call: Call, table: str | None = None) -> None:
        if table is None:
            table = qualify(name_of(call.arg(0, "table_name")), call.kwargs.get("schema"))
            name = str(call.arg(1, "column_name"))
        else:
            name = str(call.arg(0, "column_name"))
        column = ident(name)
        kwargs = call.kwargs
        existing_nullable = kwargs.get("existing_nullable")
        if kwargs.get("existing_type") is not None or isinstance(existing_nullable, bool):
            # What Alembic's existing_* arguments say the column was: the old type and nullability.
            old = type_sql(kwargs["existing_type"]) if kwargs.get("existing_type") is not None else None
            fact = {"table": table.replace('"', "").removeprefix("public."), "column": name, "type": old,
                    "not_null": existing_nullable is False if isinstance(existing_nullable, bool) else None}
            self.pieces.append(Piece(f"column {name} as it was", call.line, call.end_line, opaque="ColumnFact",
                                     node=fact))
        if kwargs.get("type_") is not None:
            using = kwargs.get("postgresql_using")
            using_sql = f" USING {using}" if isinstance(using, str) else ""
            self.emit(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_sql(kwargs['type_'])}{using_sql}",
                      call.line, call.end_line)
        if isinstance(kwargs.get("nullable"), bool) and kwargs["nullable"] != existing_nullable:
            change = "DROP NOT NULL" if kwargs["nullable"] else "SET NOT NULL"
            self.emit(f"ALTER TABLE {table} ALTER COLUMN {column} {change}", call.line, call.end_line)
        if "server_default" in kwargs and kwargs["server_default"] is not False:
            default = default_sql(kwargs["server_default"])
            change = f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT"
            self.emit(f"ALTER TABLE {table} ALTER COLUMN {column} {change}", call.line, call.end_line)
        if isinstance(kwargs.get("new_column_name"), str):
            self.emit(f"ALTER TABLE {table} RENAME {column} TO {ident(kwargs['new_column_name'])}", call.line, call.end_line)

    def op_create_index(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "index_name"))
        if table is None:
            table = qualify(name_of(call.arg(1, "table_name")), call.kwargs.get("schema"))
            columns = call.arg(2, "columns")
        else:
            columns = call.arg(1, "columns")
        kwargs = call.kwargs
        unique = "UNIQUE " if kwargs.get("unique") is True else ""
        concurrently = " CONCURRENTLY" if kwargs.get("postgresql_concurrently") is True else ""
        exists = " IF NOT EXISTS" if kwargs.get("if_not_exists") is True else ""
        using = kwargs.get("postgresql_using")
        using_sql = f" USING {using}" if isinstance(using, str) else ""
        where = sql_text(kwargs.get("postgresql_where"))
        where_sql = f" WHERE {where}" if where else ""
        self.emit(f"CREATE {unique}INDEX{concurrently}{exists} {ident(name)} ON {table}{using_sql} "
                  f"({index_columns(columns)}){where_sql}", call.line, call.end_line)

    def op_drop_index(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "index_name"))
        concurrently = " CONCURRENTLY" if call.kwargs.get("postgresql_concurrently") is True else ""
        exists = " IF EXISTS" if call.kwargs.get("if_exists") is True else ""
        self.emit(f"DROP INDEX{concurrently}{exists} {ident(name)}", call.line, call.end_line)

    def op_create_unique_constraint(self, call: Call, table: str | None = None) -> None:
        self._key_constraint(call, table, "UNIQUE")

    def op_create_primary_key(self, call: Call, table: str | None = None) -> None:
        self._key_constraint(call, table, "PRIMARY KEY")

    def _key_constraint(self, call: Call, table: str | None, kind: str) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        if table is None:
            table, columns = qualify(name_of(call.arg(1, "table_name")), call.kwargs.get("schema")), call.arg(2, "columns")
        else:
            columns = call.arg(1, "columns")
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} {kind} ({index_columns(columns)})",
                  call.line, call.end_line)

    def op_create_foreign_key(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        offset = 0 if table is not None else 1
        if table is None:
            table = qualify(name_of(call.arg(1, "source_table")), call.kwargs.get("source_schema"))
        referent = qualify(name_of(call.arg(1 + offset, "referent_table")), call.kwargs.get("referent_schema"))
        local, remote = call.arg(2 + offset, "local_cols"), call.arg(3 + offset, "remote_cols")
        not_valid = " NOT VALID" if call.kwargs.get("postgresql_not_valid") is True else ""
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} FOREIGN KEY({index_columns(local)}) REFERENCES "
                  f"{referent} ({index_columns(remote)}){fk_options(call.kwargs)}{not_valid}", call.line, call.end_line)

    def op_create_check_constraint(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        if table is None:
            table = qualify(name_of(call.arg(1, "table_name")), call.kwargs.get("schema"))
            condition = call.arg(2, "condition")
        else:
            condition = call.arg(1, "condition")
        not_valid = " NOT VALID" if call.kwargs.get("postgresql_not_valid") is True else ""
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} CHECK ({sql_text(condition) or 'true'}){not_valid}",
                  call.line, call.end_line)

    def op_create_exclude_constraint(self, call: Call) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        table = qualify(name_of(call.arg(1, "table_name")), call.kwargs.get("schema"))
        elements = [f"{sql_text(e[0]) or 'id'} WITH {e[1]}" for e in call.args[2:]
                    if isinstance(e, tuple) and len(e) == 2 and isinstance(e[1], str)]
        using = call.kwargs.get("using", "gist")
        body = ", ".join(elements) or "id WITH ="
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} EXCLUDE USING {using} ({body})", call.line, call.end_line)

    def op_drop_constraint(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        if table is None:
            table = qualify(name_of(call.arg(1, "table_name")), call.kwargs.get("schema"))
        exists = " IF EXISTS" if call.kwargs.get("if_exists") is True else ""
        self.emit(f"ALTER TABLE {table} DROP CONSTRAINT{exists} {ident(name)}", call.line, call.end_line)

    def op_bulk_insert(self, call: Call) -> None:
        target = call.arg(0, "table")
        rows = call.arg(1, "rows")
        table = target.args[0] if isinstance(target, Call) and target.args and isinstance(target.args[0], str) else "t"
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            self.pieces.append(Piece("op.bulk_insert(rows)", call.line, call.end_line, opaque="RunPython"))
            return
        columns = list(rows[0])
        values = ", ".join("(" + ", ".join(literal(row.get(c)) for c in columns) + ")" for row in rows)
        self.emit(f"INSERT INTO {ident(str(table))} ({', '.join(ident(str(c)) for c in columns)}) VALUES {values}",
                  call.line, call.end_line)

    def op_create_table_comment(self, call: Call) -> None:
        table = qualify(name_of(call.arg(0, "table_name")), call.kwargs.get("schema"))
        self.emit(f"COMMENT ON TABLE {table} IS {literal(call.arg(1, 'comment'))}", call.line, call.end_line)

    def op_drop_table_comment(self, call: Call) -> None:
        table = qualify(name_of(call.arg(0, "table_name")), call.kwargs.get("schema"))
        self.emit(f"COMMENT ON TABLE {table} IS NULL", call.line, call.end_line)

    # batch_op.* : the same operations with the table given by the batch context.
    batch_add_column = op_add_column
    batch_drop_column = op_drop_column
    batch_alter_column = op_alter_column
    batch_create_index = op_create_index
    batch_drop_index = op_drop_index
    batch_create_unique_constraint = op_create_unique_constraint
    batch_create_primary_key = op_create_primary_key
    batch_create_foreign_key = op_create_foreign_key
    batch_create_check_constraint = op_create_check_constraint
    batch_drop_constraint = op_drop_constraint
