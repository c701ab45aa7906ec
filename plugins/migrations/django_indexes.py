"""Indexes and constraints as Django's PostgreSQL schema editor writes them.

``Index.create_sql`` (with the ``django.contrib.postgres`` index classes' ``USING``),
``UniqueConstraint`` (a table constraint, or a unique index when it has a condition, included
columns, operator classes or expressions), ``CheckConstraint``, ``ExclusionConstraint``, and
``unique_together`` / ``index_together`` changes. A mixin of :class:`.django_schema.SchemaEditor`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .django_fields import expression, quote
from .django_names import index_name, q_sql, together
from .pyast import Call, Ref, items

if TYPE_CHECKING:
    from .django_schema import Model


class IndexEditor:
    """The index and constraint statements of :class:`.django_schema.SchemaEditor`."""

    sql: list[Any]
    deferred: list[str]

    def index_sql(self, model: Model, index: Any, *, concurrently: bool = False) -> str:
        """``Index.create_sql`` (and the contrib.postgres index classes' USING)."""
        if not isinstance(index, Call):
            return "SELECT 1"
        name = index.kwargs.get("name") or "unnamed_index"
        using = {"GinIndex": " USING gin", "GistIndex": " USING gist", "BrinIndex": " USING brin",
                 "HashIndex": " USING hash", "SpGistIndex": " USING spgist", "BloomIndex": " USING bloom",
                 "BTreeIndex": " USING btree"}.get(index.last, "")
        columns = self.index_columns(model, index)
        include = items(index.kwargs.get("include"))
        include_sql = f" INCLUDE ({', '.join(quote(model.column(c)) for c in include if isinstance(c, str))})" if include else ""
        condition = index.kwargs.get("condition")
        where = f" WHERE {q_sql(condition, model)}" if condition is not None else ""
        verb = "CREATE INDEX CONCURRENTLY" if concurrently else "CREATE INDEX"
        return f"{verb} {quote(str(name))} ON {quote(model.db_table)}{using} ({columns}){include_sql}{where}"

    def index_columns(self, model: Model, index: Call) -> str:
        fields = items(index.kwargs.get("fields"))
        opclasses = items(index.kwargs.get("opclasses"))
        parts = []
        for position, spec in enumerate(fields):
            if not isinstance(spec, str):
                continue
            descending = spec.startswith("-")
            part = quote(model.column(spec.lstrip("-")))
            if position < len(opclasses) and isinstance(opclasses[position], str):
                part += f" {opclasses[position]}"
            parts.append(part + (" DESC" if descending else ""))
        parts.extend(f"({expression(e)})" for e in index.args)
        return ", ".join(parts) or "(unknown_expression())"

    def unique_index_sql(self, model: Model, con: Call) -> str:
        condition = con.kwargs.get("condition")
        where = f" WHERE {q_sql(condition, model)}" if condition is not None else ""
        return (f"CREATE UNIQUE INDEX {quote(str(con.kwargs.get('name')))} ON {quote(model.db_table)} "
                f"({self.index_columns(model, con)}){where}")

    def constraint_sql(self, model: Model, con: Any) -> str | None:
        """A constraint as written inside CREATE TABLE (``BaseConstraint.constraint_sql``)."""
        if not isinstance(con, Call):
            return None
        name = quote(str(con.kwargs.get("name")))
        if con.last == "CheckConstraint":
            return f"CONSTRAINT {name} CHECK ({q_sql(con.kwargs.get('condition', con.kwargs.get('check')), model)})"
        if con.last == "UniqueConstraint" and not is_index_unique(con):
            return f"CONSTRAINT {name} UNIQUE ({self.index_columns(model, con)}){_deferrable(con)}"
        if con.last == "ExclusionConstraint":
            return f"CONSTRAINT {name} {self.exclusion_body(model, con)}"
        return None

    def exclusion_body(self, model: Model, con: Call) -> str:
        method = str(con.kwargs.get("index_type") or "GIST").lower()
        elements = []
        for pair in items(con.kwargs.get("expressions")):
            if isinstance(pair, tuple) and len(pair) == 2:
                target, operator = pair
                column = quote(model.column(target)) if isinstance(target, str) else f"({expression(target)})"
                op = operator if isinstance(operator, str) else "="
                elements.append(f"{column} WITH {op}")
        return f"EXCLUDE USING {method} ({', '.join(elements) or 'id WITH ='})"

    def add_constraint(self, model: Model, con: Any, *, not_valid: bool = False) -> None:
        if not isinstance(con, Call):
            return
        if con.last == "UniqueConstraint" and is_index_unique(con):
            self.sql.append(self.unique_index_sql(model, con))
            return
        body = self.constraint_sql(model, con)
        if body:
            self.sql.append(f"ALTER TABLE {quote(model.db_table)} ADD {body}" + (" NOT VALID" if not_valid else ""))

    def remove_constraint(self, model: Model, con: Any) -> None:
        if not isinstance(con, Call):
            return
        name = quote(str(con.kwargs.get("name")))
        if con.last == "UniqueConstraint" and is_index_unique(con):
            self.sql.append(f"DROP INDEX IF EXISTS {name}")
        else:
            self.sql.append(f"ALTER TABLE {quote(model.db_table)} DROP CONSTRAINT {name}")

    def alter_together(self, model: Model, old: Any, new: Any, *, unique: bool) -> None:
        """AlterUniqueTogether / AlterIndexTogether: drop the removed sets, create the added ones."""
        table = quote(model.db_table)
        olds, news = set(together(old)), set(together(new))
        suffix = "_uniq" if unique else "_idx"
        for fields in sorted(olds - news):
            name = quote(index_name(model.db_table, [model.column(f) for f in fields], suffix))
            self.sql.append(f"ALTER TABLE {table} DROP CONSTRAINT {name}" if unique else f"DROP INDEX IF EXISTS {name}")
        for fields in sorted(news - olds):
            cols = [model.column(f) for f in fields]
            name = quote(index_name(model.db_table, cols, suffix))
            columns = ", ".join(map(quote, cols))
            self.sql.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})" if unique
                            else f"CREATE INDEX {name} ON {table} ({columns})")



def is_index_unique(con: Call) -> bool:
    """A UniqueConstraint Django creates as a unique index rather than a table constraint."""
    return any(con.kwargs.get(k) for k in ("condition", "include", "opclasses")) or bool(con.args)


def _deferrable(con: Call) -> str:
    value = con.kwargs.get("deferrable")
    if isinstance(value, Ref):
        return " DEFERRABLE INITIALLY DEFERRED" if value.last == "DEFERRED" else " DEFERRABLE INITIALLY IMMEDIATE"
    return ""
