"""Alembic revisions read statically: ``versions/*.py`` to the SQL ``alembic upgrade --sql`` would print.

A revision is parsed with :mod:`ast` (never imported) into an :class:`AlembicRevision`: its
``revision``, ``down_revision`` and ``depends_on``, and the statements of ``upgrade()``. The
``op.*`` calls there (and ``batch_op.*`` inside ``with op.batch_alter_table(...)``) are written
as Alembic's PostgreSQL implementation writes them; ``op.execute("...")`` bodies are parsed as
SQL. Each revision runs in a transaction of its own (Alembic's ``transaction_per_migration``; the
check never lets one file's transaction state reach the next), and
``with op.get_context().autocommit_block():`` commits before its body and begins again after it.
Revisions are ordered by their ``down_revision`` graph, per directory of revisions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from .generated import Piece, build
from .graph import natural, topological
from .pyast import Call, Ref, evaluate, module_constants, parse_module
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
    object_name,
    qualify,
    references,
    sql_text,
    type_sql,
)
from .source import MigrationFile

FORMAT = "alembic-revision"


@dataclass
class AlembicRevision:
    """One Alembic revision file, as its source states it."""

    rel: str
    revision: str
    down: tuple[str, ...]
    source: str
    tree: ast.Module
    env: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    upgrade: ast.FunctionDef | None = None

    @property
    def directory(self) -> str:
        return self.rel.rsplit("/", 1)[0] if "/" in self.rel else ""


def looks_like_alembic(text: str) -> bool:
    """A module with Alembic's revision identifiers and an ``upgrade`` function."""
    return "down_revision" in text and "def upgrade" in text


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def read_revision(text: str, rel: str) -> AlembicRevision | None:
    """Parse a revision file (no import); None when it has no ``revision`` identifier."""
    tree = parse_module(text, rel)
    env = module_constants(tree, text)
    revision = env.get("revision")
    if not isinstance(revision, str):
        return None
    upgrade = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    return AlembicRevision(rel, revision, _names(env.get("down_revision")), text, tree, env,
                           _names(env.get("depends_on")), upgrade)


def order(revisions: list[AlembicRevision]) -> list[AlembicRevision]:
    """Revisions base first: each after its down revisions and dependencies, per directory."""
    known = {r.revision: r for r in revisions}
    edges = {r.revision: {d for d in (*r.down, *r.depends_on) if d in known} for r in revisions}
    return [known[name] for name in topological(edges, lambda n: (known[n].directory, natural(known[n].rel)))]


class Upgrade:
    """Walks ``upgrade()`` and collects the SQL of its ``op`` calls."""

    def __init__(self, revision: AlembicRevision) -> None:
        self.revision = revision
        self.text = revision.source
        self.env: dict[str, Any] = dict(revision.env)
        self.pieces: list[Piece] = []
        self.unresolved: list[tuple[int, str]] = []
        #: Names bound to batch contexts: ``with op.batch_alter_table("t") as batch_op`` -> {"batch_op": "t"}.
        self.batches: dict[str, tuple[str, Any]] = {}
        #: Names bound to ``op.get_bind()`` / ``op.get_context().bind``: their execute() is op.execute().
        self.binds: set[str] = set()

    def run(self) -> MigrationFile:
        function = self.revision.upgrade
        label = f"upgrade {'/'.join(self.revision.down) or 'base'} -> {self.revision.revision}"
        if function is not None:
            self.emit("BEGIN", function.lineno, function.lineno)
            self.walk(function.body)
            end = function.end_lineno or function.lineno
            self.emit("COMMIT", end, end)
        return build(self.revision.rel, FORMAT, self.pieces, source=self.text, migration=label,
                     unresolved=self.unresolved)

    def emit(self, sql: str, line: int, end_line: int) -> None:
        self.pieces.append(Piece(sql, line, end_line))

    # -- statements ------------------------------------------------------------------------------

    def walk(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.With):
                self.with_block(stmt)
            elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try)):
                # Which branch runs is decided at run time: every branch is read.
                for part in ("body", "orelse", "finalbody"):
                    self.walk(getattr(stmt, part, []))
                for handler in getattr(stmt, "handlers", []):
                    self.walk(handler.body)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                value = evaluate(stmt.value, self.env, self.text)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.env[target.id] = value
                        if (isinstance(value, Call) and value.last == "get_bind") or \
                                (isinstance(value, Ref) and value.name.endswith(".bind")):
                            self.binds.add(target.id)
                if isinstance(value, Call):
                    self.call(value)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                value = evaluate(stmt.value, self.env, self.text)
                if isinstance(value, Call):
                    self.call(value)

    def with_block(self, stmt: ast.With) -> None:
        commits = False
        for item in stmt.items:
            value = evaluate(item.context_expr, self.env, self.text)
            if not isinstance(value, Call):
                continue
            if value.last == "autocommit_block":
                commits = True
            elif value.last == "batch_alter_table" and isinstance(item.optional_vars, ast.Name):
                table = value.arg(0, "table_name")
                self.batches[item.optional_vars.id] = (str(table), value.kwargs.get("schema"))
                if value.kwargs.get("recreate") == "always":
                    self.recreate(str(table), value)
        if commits:
            self.emit("COMMIT", stmt.lineno, stmt.lineno)
        self.walk(stmt.body)
        if commits:
            end = stmt.end_lineno or stmt.lineno
            self.emit("BEGIN", end, end)

    def recreate(self, table: str, call: Call) -> None:
        """``batch_alter_table(recreate="always")`` copies the table: create, copy, drop, rename."""
        temp = f"_alembic_tmp_{table}"
        for sql in (f"CREATE TABLE {ident(temp)} (LIKE {ident(table)} INCLUDING ALL)",
                    f"INSERT INTO {ident(temp)} SELECT * FROM {ident(table)}", f"DROP TABLE {ident(table)}",
                    f"ALTER TABLE {ident(temp)} RENAME TO {ident(table)}"):
            self.emit(sql, call.line, call.end_line)

    # -- calls -------------------------------------------------------------------------------------

    def call(self, call: Call) -> None:
        receiver = call.name.rsplit(".", 1)[0] if "." in call.name else ""
        if receiver in self.batches:
            table, schema = self.batches[receiver]
            handler = getattr(self, "batch_" + call.last, None)
            if handler is not None:
                handler(call, qualify(table, schema))
                return
            self.unresolved.append((call.line, f"{call.name}: a batch operation the check does not know"))
            return
        bound = receiver in self.binds or (call.receiver is not None and call.receiver.last == "get_bind")
        if bound and call.last in ("execute", "exec_driver_sql"):
            self.op_execute(call)
            return
        if call.last in ("create", "drop") and isinstance(call.name, str) and "." in call.name:
            self.enum_type(call)
            return
        if receiver != "op" and not receiver.endswith(".op"):
            return
        handler = getattr(self, "op_" + call.last, None)
        if handler is not None:
            handler(call)
        elif call.last not in ("get_bind", "get_context", "f", "inline_literal", "batch_alter_table", "invoke",
                               "implementation_for", "register_operation", "run_async"):
            self.unresolved.append((call.line, f"{call.name}: an operation the check does not know; not checked"))

    def enum_type(self, call: Call) -> None:
        """``sa.Enum(..., name="x").create(bind)`` or ``postgresql.ENUM(...).create(...)``: CREATE / DROP TYPE."""
        owner = call.receiver or (self.env.get(call.name.rsplit(".", 1)[0]) if "." in call.name else None)
        if not (isinstance(owner, Call) and owner.last in ("Enum", "ENUM")):
            return
        name = owner.kwargs.get("name")
        if not isinstance(name, str):
            return
        if call.last == "create":
            labels = ", ".join(literal(v) for v in owner.args if isinstance(v, str))
            self.emit(f"CREATE TYPE {ident(name)} AS ENUM ({labels})", call.line, call.end_line)
        else:
            self.emit(f"DROP TYPE {ident(name)}", call.line, call.end_line)

    def op_execute(self, call: Call) -> None:
        sql = call.arg(0, "sqltext" if "sqltext" in call.kwargs else "statement")
        if isinstance(sql, Call) and sql.last == "text" and sql.args:
            sql = sql.args[0]
        if isinstance(sql, str):
            line = call.lines.get(0, call.line)
            if isinstance(call.args[0] if call.args else None, Call):
                line = call.args[0].lines.get(0, line)
            self.pieces.append(Piece(sql, call.line, call.end_line, user=True, first_line=line))
        else:
            # A SQLAlchemy expression (table.update()...): data work the check cannot read.
            self.pieces.append(Piece(f"op.execute({getattr(sql, 'name', 'expression')})", call.line, call.end_line,
                                     opaque="RunPython"))

    def op_create_table(self, call: Call) -> None:
        table = qualify(str(call.arg(0, "table_name")), call.kwargs.get("schema"))
        columns: list[Column] = []
        constraints: list[str] = []
        for item in call.args[1:]:
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
        self.emit(f"DROP TABLE{exists} {qualify(str(call.arg(0, 'table_name')), call.kwargs.get('schema'))}",
                  call.line, call.end_line)

    def op_rename_table(self, call: Call) -> None:
        table = qualify(str(call.arg(0, "old_table_name")), call.kwargs.get("schema"))
        self.emit(f"ALTER TABLE {table} RENAME TO {ident(str(call.arg(1, 'new_table_name')))}", call.line, call.end_line)

    def op_add_column(self, call: Call, table: str | None = None) -> None:
        if table is None:
            table = qualify(str(call.arg(0, "table_name")), call.kwargs.get("schema"))
            column = make_column(call.arg(1, "column"))
        else:
            column = make_column(call.arg(0, "column"))
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
            table = qualify(str(call.arg(0, "table_name")), call.kwargs.get("schema"))
            name = call.arg(1, "column_name")
        else:
            name = call.arg(0, "column_name")
        exists = " IF EXISTS" if call.kwargs.get("if_exists") is True else ""
        self.emit(f"ALTER TABLE {table} DROP COLUMN{exists} {ident(str(name))}", call.line, call.end_line)

    def op_alter_column(self, call: Call, table: str | None = None) -> None:
        if table is None:
            table = qualify(str(call.arg(0, "table_name")), call.kwargs.get("schema"))
            name = str(call.arg(1, "column_name"))
        else:
            name = str(call.arg(0, "column_name"))
        column = ident(name)
        kwargs = call.kwargs
        if kwargs.get("type_") is not None:
            using = kwargs.get("postgresql_using")
            using_sql = f" USING {using}" if isinstance(using, str) else ""
            self.emit(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_sql(kwargs['type_'])}{using_sql}",
                      call.line, call.end_line)
        if isinstance(kwargs.get("nullable"), bool):
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
            table = qualify(str(call.arg(1, "table_name")), call.kwargs.get("schema"))
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
            table, columns = qualify(str(call.arg(1, "table_name")), call.kwargs.get("schema")), call.arg(2, "columns")
        else:
            columns = call.arg(1, "columns")
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} {kind} ({index_columns(columns)})",
                  call.line, call.end_line)

    def op_create_foreign_key(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        offset = 0 if table is not None else 1
        if table is None:
            table = qualify(str(call.arg(1, "source_table")), call.kwargs.get("source_schema"))
        referent = qualify(str(call.arg(1 + offset, "referent_table")), call.kwargs.get("referent_schema"))
        local, remote = call.arg(2 + offset, "local_cols"), call.arg(3 + offset, "remote_cols")
        not_valid = " NOT VALID" if call.kwargs.get("postgresql_not_valid") is True else ""
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} FOREIGN KEY({index_columns(local)}) REFERENCES "
                  f"{referent} ({index_columns(remote)}){fk_options(call.kwargs)}{not_valid}", call.line, call.end_line)

    def op_create_check_constraint(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        if table is None:
            table = qualify(str(call.arg(1, "table_name")), call.kwargs.get("schema"))
            condition = call.arg(2, "condition")
        else:
            condition = call.arg(1, "condition")
        not_valid = " NOT VALID" if call.kwargs.get("postgresql_not_valid") is True else ""
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} CHECK ({sql_text(condition) or 'true'}){not_valid}",
                  call.line, call.end_line)

    def op_create_exclude_constraint(self, call: Call) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        table = qualify(str(call.arg(1, "table_name")), call.kwargs.get("schema"))
        elements = [f"{sql_text(e[0]) or 'id'} WITH {e[1]}" for e in call.args[2:]
                    if isinstance(e, tuple) and len(e) == 2 and isinstance(e[1], str)]
        using = call.kwargs.get("using", "gist")
        body = ", ".join(elements) or "id WITH ="
        self.emit(f"ALTER TABLE {table} ADD CONSTRAINT {ident(name)} EXCLUDE USING {using} ({body})", call.line, call.end_line)

    def op_drop_constraint(self, call: Call, table: str | None = None) -> None:
        name = object_name(call.arg(0, "constraint_name"))
        if table is None:
            table = qualify(str(call.arg(1, "table_name")), call.kwargs.get("schema"))
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
        table = qualify(str(call.arg(0, "table_name")), call.kwargs.get("schema"))
        self.emit(f"COMMENT ON TABLE {table} IS {literal(call.arg(1, 'comment'))}", call.line, call.end_line)

    def op_drop_table_comment(self, call: Call) -> None:
        table = qualify(str(call.arg(0, "table_name")), call.kwargs.get("schema"))
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


def generate(revision: AlembicRevision) -> MigrationFile:
    """The statements of one revision's ``upgrade()``."""
    return Upgrade(revision).run()
