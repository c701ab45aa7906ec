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
import re
from dataclasses import dataclass
from typing import Any

from .alembic_ops import AlembicOps
from .generated import Piece, build
from .graph import natural, topological
from .pyast import Call, Ref, Unknown, evaluate, module_constants, parse_module
from .sa_types import ident, literal, name_of, qualify
from .source import MigrationFile

FORMAT = "alembic-revision"
#: How deep helper functions of a revision are followed into one another (and the end of recursion).
MAX_INLINE = 4
#: A SQLAlchemy bind parameter in text(): `:name`, not a `::type` cast.
BIND_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


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


class Upgrade(AlembicOps):
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
        #: Functions of the revision file (module level, or defined inside upgrade()): their bodies are
        #: walked where they are called, as the ops they call run there.
        self.functions: dict[str, ast.FunctionDef] = {
            node.name: node for node in revision.tree.body if isinstance(node, ast.FunctionDef)
            and node.name not in ("upgrade", "downgrade")}
        self.depth = 0

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

    # -- statements ------------------------------------------------------------------------------

    def walk(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef):
                self.functions[stmt.name] = stmt
            elif isinstance(stmt, ast.With):
                self.with_block(stmt)
            elif isinstance(stmt, ast.If) and (postgres := for_postgresql(stmt.test)) is not None:
                # `if dialect == "sqlite": ... elif dialect == "postgresql": ...`: the PostgreSQL branch.
                self.walk(stmt.body if postgres else stmt.orelse)
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
                table = name_of(value.arg(0, "table_name"))
                self.batches[item.optional_vars.id] = (table, value.kwargs.get("schema"))
                if value.kwargs.get("recreate") == "always":
                    self.recreate(table, value)
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

    def bound(self, function: ast.FunctionDef, call: Call) -> dict[str, Any]:
        """The names a call of ``function`` binds: its parameters to the arguments given (or unknown)."""
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
        env = dict(self.env)
        for position, name in enumerate(params):
            env[name] = call.kwargs[name] if name in call.kwargs else \
                call.args[position] if position < len(call.args) else Unknown(name)
        return env

    def resolve(self, value: Any) -> Any:
        """A call of a helper of the file that returns an expression (``_workspace_column()``): that expression."""
        function = self.functions.get(value.name) if isinstance(value, Call) else None
        if function is None or self.depth > MAX_INLINE:
            return value
        returned = [n.value for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
        if len(returned) != 1:
            return value
        self.depth += 1
        try:
            return self.resolve(evaluate(returned[0], self.bound(function, value), self.text))
        finally:
            self.depth -= 1

    def call(self, call: Call) -> None:
        function = self.functions.get(call.name)
        if function is not None:
            if self.depth < MAX_INLINE:
                # A helper of the file: the op calls in its body run here, with its arguments.
                saved, self.env = self.env, self.bound(function, call)
                self.depth += 1
                try:
                    self.walk(function.body)
                finally:
                    self.depth -= 1
                    self.env = saved
            return
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
                sql = BIND_PARAMETER.sub("NULL", sql)  # text()'s :name parameters get their value at run time
        if isinstance(sql, str):
            line = call.lines.get(0, call.line)
            if isinstance(call.args[0] if call.args else None, Call):
                line = call.args[0].lines.get(0, line)
            self.pieces.append(Piece(sql, call.line, call.end_line, user=True, first_line=line))
        else:
            # A SQLAlchemy expression (table.update()...): data work the check cannot read.
            self.pieces.append(Piece(f"op.execute({getattr(sql, 'name', 'expression')})", call.line, call.end_line,
                                     opaque="RunPython"))

DIALECTS = frozenset({"sqlite", "mysql", "mariadb", "mssql", "oracle", "postgresql", "postgres"})


def for_postgresql(test: ast.expr) -> bool | None:
    """Whether an ``if`` that tests the dialect's name holds on PostgreSQL; None for any other test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1):
        return None
    right = test.comparators[0]
    names = [right.value] if isinstance(right, ast.Constant) else \
        [e.value for e in right.elts if isinstance(e, ast.Constant)] if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else []
    if not names or not all(isinstance(n, str) and n in DIALECTS for n in names):
        return None
    matches = bool({"postgresql", "postgres"} & set(names))
    op = test.ops[0]
    if isinstance(op, (ast.Eq, ast.In)):
        return matches
    if isinstance(op, (ast.NotEq, ast.NotIn)):
        return not matches
    return None


def generate(revision: AlembicRevision) -> MigrationFile:
    """The statements of one revision's ``upgrade()``."""
    return Upgrade(revision).run()
