"""Names and conditions as Django writes them into PostgreSQL: index and constraint names, table
names shortened to 63 bytes, and ``Q`` objects rendered as SQL conditions.

The names follow ``django.db.backends.utils`` (``names_digest``, ``truncate_name``) and
``BaseDatabaseSchemaEditor._create_index_name``, so that the statements generated from a migration
name the same objects ``manage.py sqlmigrate`` names.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .django_fields import literal, quote
from .pyast import Call

if TYPE_CHECKING:
    from .django_schema import Model

MAX_NAME = 63


def names_digest(*parts: str, length: int) -> str:
    """Django's short digest of names (``django.db.backends.utils.names_digest``); not a security use."""
    digest = hashlib.md5(usedforsecurity=False)
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:length]


def truncate_name(name: str, length: int = MAX_NAME, hash_len: int = 4) -> str:
    """A table name shortened the way Django shortens names longer than PostgreSQL keeps."""
    if len(name) <= length:
        return name
    return name[:length - hash_len] + names_digest(name, length=hash_len)


def index_name(table: str, columns: list[str], suffix: str = "") -> str:
    """The name Django gives an index or constraint (``BaseDatabaseSchemaEditor._create_index_name``)."""
    table = table.split('"."')[-1].strip('"')
    hash_suffix = names_digest(table, *columns, length=8) + suffix
    name = f"{table}_{'_'.join(columns)}_{hash_suffix}"
    if len(name) <= MAX_NAME:
        return name
    if len(hash_suffix) > MAX_NAME / 3:
        hash_suffix = hash_suffix[:MAX_NAME // 3]
    other = (MAX_NAME - len(hash_suffix)) // 2 - 1
    name = f"{table[:other]}_{'_'.join(columns)[:other]}_{hash_suffix}"
    if name[0] == "_" or name[0].isdigit():
        name = "D" + name[:-1]
    return name


def together(value: Any) -> list[tuple[str, ...]]:
    """unique_together / index_together normalized to a list of field-name tuples."""
    if not isinstance(value, (list, tuple, set)) or not value:
        return []
    items = list(value)
    if all(isinstance(v, str) for v in items):
        return [tuple(items)]
    return [tuple(v) for v in items if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)]


LOOKUPS = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "iexact": "="}


def q_sql(value: Any, model: Model) -> str:
    """A ``Q`` object (with ``&``, ``|``, ``~``) as an SQL condition, for CHECK constraints and partial
    indexes. Lookups the check does not render become ``TRUE`` (they matter to no rule)."""
    if isinstance(value, Call):
        if value.name in ("&", "|"):
            joiner = " AND " if value.name == "&" else " OR "
            return "(" + joiner.join(q_sql(arg, model) for arg in value.args) + ")"
        if value.name == "~":
            return f"NOT ({q_sql(value.args[0], model)})" if value.args else "TRUE"
        if value.last == "Q":
            terms = [q_sql(arg, model) for arg in value.args]
            terms += [_lookup(key, val, model) for key, val in value.kwargs.items() if key not in ("_connector", "_negated")]
            joined = (" OR " if value.kwargs.get("_connector") == "OR" else " AND ").join(terms) or "TRUE"
            if value.kwargs.get("_negated") is True:
                return f"NOT ({joined})"
            return joined if len(terms) == 1 else f"({joined})"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return _lookup(value[0], value[1], model)
    return "TRUE"


def _lookup(key: str, value: Any, model: Model) -> str:
    name, _, lookup = key.partition("__")
    column = quote(model.column(name))
    lookup = lookup or "exact"
    if isinstance(value, Call) and value.last == "F" and value.args and isinstance(value.args[0], str):
        rendered = quote(model.column(value.args[0]))
    elif isinstance(value, (str, int, float, bool)) or value is None:
        rendered = literal(value)
    else:
        rendered = "NULL"
    if lookup == "isnull":
        return f"{column} IS {'NULL' if value is True else 'NOT NULL'}"
    if lookup == "exact" and value is None:
        return f"{column} IS NULL"
    if lookup in LOOKUPS:
        return f"{column} {LOOKUPS[lookup]} {rendered}"
    if lookup == "in" and isinstance(value, (list, tuple)):
        return f"{column} IN ({', '.join(literal(v) for v in value) or 'NULL'})"
    return "TRUE"
