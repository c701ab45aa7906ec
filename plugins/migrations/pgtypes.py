"""PostgreSQL facts the rules need about types and expressions, over pglast's JSON parse trees.

- :func:`type_of` turns a ``TypeName`` node into a normalized :class:`PgType`.
- :func:`type_change_rewrites` says whether ``ALTER COLUMN ... TYPE`` from one type to another
  rewrites the table, following the ALTER TABLE notes: no rewrite when the old type is
  binary-coercible to the new one, or when a typmod support function proves the change is a
  no-op (longer varchar / varbit, larger numeric precision at the same scale, larger or removed
  fractional-seconds precision).
- :func:`volatility` classifies a default expression as constant, volatile or unknown, which
  decides whether ``ADD COLUMN ... DEFAULT`` rewrites the table on PostgreSQL 11 and later.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Node = dict[str, Any]

#: Spellings the parser leaves as plain identifiers, mapped to the catalog name.
ALIASES = {
    "int": "int4", "integer": "int4", "smallint": "int2", "bigint": "int8",
    "serial": "serial4", "bigserial": "serial8", "smallserial": "serial2",
    "decimal": "numeric", "boolean": "bool", "real": "float4", "float": "float8",
    "character varying": "varchar", "character": "bpchar", "char": "bpchar",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "time with time zone": "timetz", "bit varying": "varbit",
}
#: The type a Python migration reader writes for a column whose type it cannot know statically
#: (a project's own field class): rules that depend on the type judge it with low confidence.
UNKNOWN = "gatecheck_unknown_type"
SERIALS = frozenset({"serial2", "serial4", "serial8"})
#: Types whose values do not fit a table with billions of rows.
NARROW_KEY_TYPES = frozenset({"int2", "int4", "serial2", "serial4"})
LENGTH_LIMITED = frozenset({"varchar", "bpchar"})

#: Functions PostgreSQL marks VOLATILE that show up in column defaults.
VOLATILE_FUNCTIONS = frozenset({
    "random", "random_normal", "setseed", "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1",
    "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval", "setval",
    "currval", "lastval", "txid_current", "pg_current_xact_id", "gen_random_bytes", "gen_salt", "pg_sleep",
})
#: Built-in functions that are IMMUTABLE or STABLE: evaluated once when the column is added.
NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "transaction_timestamp", "statement_timestamp", "current_setting", "lower", "upper", "trim",
    "btrim", "ltrim", "rtrim", "length", "char_length", "concat", "concat_ws", "nullif", "abs", "round",
    "floor", "ceil", "ceiling", "make_date", "make_time", "make_timestamp", "make_timestamptz",
    "make_interval", "to_timestamp", "to_date", "to_char", "to_number", "to_json", "to_jsonb",
    "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "json_object",
    "jsonb_object", "array_fill", "md5", "sha256", "encode", "decode", "date_trunc", "date_part",
    "extract", "timezone", "format", "replace", "substr", "substring", "left", "right", "lpad", "rpad",
    "repeat", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "inet", "point",
    "jsonb_path_query_first", "array_length", "cardinality", "to_tsvector", "setweight", "coalesce",
})


@dataclass(frozen=True)
class PgType:
    """A column type, normalized: catalog name, integer typmods, array or not."""

    name: str
    mods: tuple[int, ...] = ()
    array: bool = False

    def __str__(self) -> str:
        mods = f"({', '.join(map(str, self.mods))})" if self.mods else ""
        return f"{self.name}{mods}{'[]' if self.array else ''}"


def _const_int(node: Node) -> int | None:
    const = node.get("A_Const")
    if not isinstance(const, dict) or "ival" not in const:
        return None
    value = const["ival"].get("ival", 0)
    return int(value) if isinstance(value, int) else None


def type_of(type_name: Node) -> PgType:
    """Normalize a ``TypeName`` node (``pg_catalog.varchar`` with typmod 20 -> varchar(20))."""
    names = type_name.get("names")
    last = names[-1].get("String") if names else None
    name = last["sval"].lower() if last else "?"
    name = ALIASES.get(name, name)
    typmods = type_name.get("typmods")
    mods = tuple(m for m in (_const_int(t) for t in typmods) if m is not None) if typmods else ()
    return PgType(name, mods, "arrayBounds" in type_name)


@lru_cache(maxsize=1024)
def parse_type(spelled: str) -> PgType | None:
    """A type written as SQL (``VARCHAR(250)``, ``TIMESTAMP WITHOUT TIME ZONE``) normalized; None when
    PostgreSQL's grammar does not read it as a type."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        tree = json.loads(parse_sql_json(f"SELECT NULL::{spelled}"))
        cast = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]["TypeCast"]
    except (ParseError, KeyError, IndexError, TypeError):
        return None
    return type_of(cast.get("typeName", {}))


def type_change_rewrites(old: PgType, new: PgType) -> tuple[bool, str]:
    """Whether changing a column from ``old`` to ``new`` rewrites the table, and why.

    Only changes PostgreSQL documents as rewrite-free return False; anything else is a rewrite.
    """
    if old.array != new.array:
        return True, f"{old} to {new} changes the representation of every value"
    if old == new:
        return False, f"the type stays {new}"
    if old.name == new.name:
        if old.name in ("varchar", "varbit"):
            if not new.mods:
                return False, f"removing the length limit of {old} needs no rewrite"
            if old.mods and new.mods[0] >= old.mods[0]:
                return False, f"raising the limit from {old} to {new} needs no rewrite"
            return True, f"{old} to {new} must check or truncate every value"
        if old.name == "numeric":
            if not new.mods:
                return False, "removing the precision of a numeric needs no rewrite"
            old_scale = old.mods[1] if len(old.mods) > 1 else 0
            new_scale = new.mods[1] if len(new.mods) > 1 else 0
            if old.mods and new_scale == old_scale and new.mods[0] >= old.mods[0]:
                return False, f"raising the precision from {old} to {new} at the same scale needs no rewrite"
            return True, f"{old} to {new} changes the scale or lowers the precision"
        if old.name in ("timestamp", "timestamptz", "time", "timetz"):
            if not new.mods or (old.mods and new.mods[0] >= old.mods[0]):
                return False, f"raising the fractional-seconds precision of {old.name} needs no rewrite"
            return True, f"{old} to {new} rounds every value"
        return True, f"{old} to {new} changes the type modifier"
    if new.name == "text" and old.name == "varchar":
        return False, "varchar to text is binary-coercible"
    if new.name == "varchar" and not new.mods and old.name == "text":
        return False, "text to unlimited varchar is binary-coercible"
    if old.name == "cidr" and new.name == "inet":
        return False, "cidr to inet is binary-coercible"
    if old.name == "timestamp" and new.name == "timestamptz":
        return True, ("timestamp to timestamptz is rewrite-free only on PostgreSQL 12+ and only when the "
                      "session's TimeZone is UTC; otherwise every value is converted")
    return True, f"{old} to {new} converts every value"


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every ``{NodeType: {...}}`` node under ``node``, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key[:1].isupper() and isinstance(value, dict):
                    yield key, value
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def function_name(call: Node) -> str:
    names = [n["String"]["sval"] for n in call.get("funcname", ()) if "String" in n]
    return names[-1].lower() if names else "?"


def volatility(expr: Node) -> tuple[str, str]:
    """Classify a default expression: ("constant" | "volatile" | "unknown", the function that decided).

    Constants, casts of constants, operators on them, CURRENT_TIMESTAMP-style keywords and known
    stable/immutable built-ins are non-volatile. A known volatile function makes the expression
    volatile; a function we cannot classify (a user-defined one) or a sub-query makes it unknown.
    """
    unknown = ""
    for kind, node in walk(expr):
        if kind == "FuncCall":
            name = function_name(node)
            if name in VOLATILE_FUNCTIONS:
                return "volatile", name
            if name not in NON_VOLATILE_FUNCTIONS and not unknown:
                unknown = name
        elif kind == "SubLink" and not unknown:
            unknown = "a sub-query"
    if unknown:
        return "unknown", unknown
    return "constant", ""


def is_null_constant(expr: Node) -> bool:
    """``DEFAULT NULL`` (possibly cast): the same as no default at all."""
    while "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg", {})
    const = expr.get("A_Const")
    return isinstance(const, dict) and bool(const.get("isnull"))


def not_null_columns(expr: Node) -> set[str]:
    """Columns a CHECK expression proves NOT NULL: ``col IS NOT NULL``, possibly AND-ed with more."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        item = stack.pop()
        if "BoolExpr" in item and item["BoolExpr"].get("boolop") == "AND_EXPR":
            stack.extend(item["BoolExpr"].get("args", ()))
        elif "NullTest" in item and item["NullTest"].get("nulltesttype") == "IS_NOT_NULL":
            column = column_name(item["NullTest"].get("arg", {}))
            if column:
                found.add(column)
    return found


def column_name(expr: Node) -> str | None:
    """The column a bare ``ColumnRef`` names (its last field), else None."""
    ref = expr.get("ColumnRef")
    if not isinstance(ref, dict):
        return None
    fields = [f["String"]["sval"] for f in ref.get("fields", ()) if "String" in f]
    return fields[-1] if fields else None


def sql_literal(value: object) -> str | None:
    """A Python scalar (None, bool, number, string) as an SQL literal; None for anything else."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None
