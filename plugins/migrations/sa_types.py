"""SQLAlchemy columns and types in an Alembic revision, as PostgreSQL DDL, without importing SQLAlchemy.

``sa.Column("total", sa.Numeric(12, 2), nullable=False, server_default="0")`` is read from the
syntax tree (:mod:`.pyast`) and written the way SQLAlchemy's PostgreSQL dialect compiles it: type
names as the dialect spells them, SERIAL for an autoincrementing integer primary key, identity
and computed columns, server defaults (strings quoted, ``sa.text()`` verbatim, ``sa.func.now()``
as a call). A type the check does not know becomes :data:`.pgtypes.UNKNOWN`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .pgtypes import UNKNOWN, sql_literal
from .pyast import Call, Ref

SIMPLE = {
    "Integer": "INTEGER", "INTEGER": "INTEGER", "INT": "INTEGER", "BigInteger": "BIGINT", "BIGINT": "BIGINT",
    "SmallInteger": "SMALLINT", "SMALLINT": "SMALLINT", "Text": "TEXT", "TEXT": "TEXT", "UnicodeText": "TEXT",
    "Boolean": "BOOLEAN", "BOOLEAN": "BOOLEAN", "Date": "DATE", "DATE": "DATE", "Interval": "INTERVAL",
    "INTERVAL": "INTERVAL", "LargeBinary": "BYTEA", "BYTEA": "BYTEA", "BLOB": "BYTEA", "JSON": "JSON",
    "JSONB": "JSONB", "Uuid": "UUID", "UUID": "UUID", "UUIDType": "UUID", "REAL": "REAL", "Double": "DOUBLE PRECISION",
    "DOUBLE_PRECISION": "DOUBLE PRECISION", "DOUBLE": "DOUBLE PRECISION", "INET": "INET", "CIDR": "CIDR",
    "MACADDR": "MACADDR", "TSVECTOR": "TSVECTOR", "HSTORE": "HSTORE", "MONEY": "MONEY", "OID": "OID",
    "CITEXT": "CITEXT", "INT4RANGE": "INT4RANGE", "INT8RANGE": "INT8RANGE", "NUMRANGE": "NUMRANGE",
    "DATERANGE": "DATERANGE", "TSRANGE": "TSRANGE", "TSTZRANGE": "TSTZRANGE", "JSONType": "JSON",
    "URLType": "TEXT", "BIT": "BIT",
}
STRINGS = frozenset({"String", "VARCHAR", "Unicode", "NVARCHAR", "AutoString", "EmailType", "ChoiceType"})
SERIAL = {"INTEGER": "SERIAL", "BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}


def type_sql(value: Any) -> str:
    """A SQLAlchemy type (class or instance, as written) as the PostgreSQL dialect names it."""
    if isinstance(value, Ref):
        value = Call(value.name)
    if not isinstance(value, Call):
        return UNKNOWN
    if value.last in ("with_variant", "evaluates_none") and value.receiver is not None:
        return type_sql(value.receiver)  # sa.Text().with_variant(LONGTEXT, "mysql"): Text on PostgreSQL
    name = value.last
    if name in SIMPLE:
        return SIMPLE[name]
    if name in STRINGS:
        length = value.arg(0, "length")
        if not isinstance(length, int) and name in ("EmailType", "ChoiceType"):
            length = 255
        return f"VARCHAR({length})" if isinstance(length, int) else "VARCHAR"
    if name in ("CHAR", "NCHAR"):
        length = value.arg(0, "length")
        return f"CHAR({length})" if isinstance(length, int) else "CHAR"
    if name in ("DateTime", "TIMESTAMP", "Time", "TIME"):
        base = "TIMESTAMP" if name in ("DateTime", "TIMESTAMP") else "TIME"
        precision = value.kwargs.get("precision")
        mods = f"({precision})" if isinstance(precision, int) else ""
        zone = "WITH" if value.arg(0, "timezone") is True else "WITHOUT"
        return f"{base}{mods} {zone} TIME ZONE"
    if name in ("Numeric", "NUMERIC", "DECIMAL"):
        precision, scale = value.arg(0, "precision"), value.arg(1, "scale")
        if isinstance(precision, int):
            return f"NUMERIC({precision}, {scale})" if isinstance(scale, int) else f"NUMERIC({precision})"
        return "NUMERIC"
    if name in ("Float", "FLOAT"):
        precision = value.arg(0, "precision")
        return f"FLOAT({precision})" if isinstance(precision, int) else "FLOAT"
    if name in ("Enum", "ENUM"):
        type_name = value.kwargs.get("name")
        return str(type_name) if isinstance(type_name, str) else UNKNOWN
    if name == "ARRAY":
        return f"{type_sql(value.arg(0, 'item_type'))}[]"
    if name == "Geometry":
        return "geometry"
    return UNKNOWN


def default_sql(value: Any) -> str | None:
    """A ``server_default`` as the DEFAULT clause's expression; None for FetchedValue / no default."""
    if value is None or (isinstance(value, bool) and value is False):
        return None
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Call):
        if value.last in ("text", "literal_column") and value.args and isinstance(value.args[0], str):
            return str(value.args[0])
        if value.last == "true":
            return "true"
        if value.last == "false":
            return "false"
        if value.last == "FetchedValue":
            return None
        if value.last == "DefaultClause" and value.args:
            return default_sql(value.args[0])
        if value.name.startswith(("sa.func.", "func.", "sqlalchemy.func.", "sa.sql.func.")):
            args = ", ".join(default_sql(a) or "NULL" for a in value.args)
            return f"{value.last}({args})"
    scalar = sql_literal(value)
    # Anything else is computed when the revision runs (an f-string of an imported constant, a call):
    # a function of unknown volatility, which the rules judge with low confidence.
    return scalar if scalar is not None else "unknown_expression()"


@dataclass
class Column:
    """An ``sa.Column`` call, as far as DDL is concerned."""

    name: str
    type: str
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    index: bool = False
    default: str | None = None
    autoincrement: Any = "auto"
    identity: str | None = None
    computed: str | None = None
    foreign_keys: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    line: int = 0

    def ddl(self, *, serial: bool = False) -> str:
        """The column specification (``name TYPE [GENERATED ...] [DEFAULT ...] [NOT NULL]``)."""
        type_name = SERIAL.get(self.type, self.type) if serial else self.type
        parts = [ident(self.name), type_name]
        if self.identity:
            parts.append(self.identity)
        if self.computed:
            parts.append(self.computed)
        if self.default is not None and not serial:
            parts.append(f"DEFAULT {self.default}")
        if not self.nullable or self.primary_key:
            parts.append("NOT NULL")
        return " ".join(parts)


def make_column(call: Any) -> Column | None:
    """An ``sa.Column(...)`` call as a :class:`Column`; None for anything else."""
    if not isinstance(call, Call) or call.last != "Column":
        return None
    args = list(call.args)
    name = args.pop(0) if args and isinstance(args[0], str) else str(call.kwargs.get("name", "?"))
    column = Column(name, UNKNOWN, line=call.line)
    for arg in args:
        kind = arg.last if isinstance(arg, (Call, Ref)) else ""
        if kind == "ForeignKey" and isinstance(arg, Call):
            target = arg.arg(0, "column")
            column.foreign_keys.append((str(target), dict(arg.kwargs)))
        elif kind == "Identity" and isinstance(arg, Call):
            always = arg.kwargs.get("always") is True
            column.identity = f"GENERATED {'ALWAYS' if always else 'BY DEFAULT'} AS IDENTITY"
        elif kind == "Computed" and isinstance(arg, Call):
            expr = arg.arg(0, "sqltext")
            column.computed = f"GENERATED ALWAYS AS ({expr if isinstance(expr, str) else 'NULL'}) STORED"
        elif kind == "CheckConstraint" and isinstance(arg, Call):
            condition = arg.arg(0, "sqltext")
            column.checks.append(condition if isinstance(condition, str) else "true")
        elif kind in ("Sequence", "FetchedValue", "DefaultClause"):
            continue
        elif column.type == UNKNOWN:
            column.type = type_sql(arg)
    if column.type == UNKNOWN and "type_" in call.kwargs:
        column.type = type_sql(call.kwargs["type_"])
    column.primary_key = call.kwargs.get("primary_key") is True
    column.nullable = call.kwargs.get("nullable", not column.primary_key) is not False
    column.unique = call.kwargs.get("unique") is True
    column.index = call.kwargs.get("index") is True
    column.default = default_sql(call.kwargs.get("server_default"))
    column.autoincrement = call.kwargs.get("autoincrement", "auto")
    return column


def name_of(value: Any) -> str:
    """A table or column name as the revision gives it; one held in a variable or attribute is named
    after it (``SqlDataset.__tablename__``), anything else is unknown."""
    if isinstance(value, str):
        return value
    if isinstance(value, (Ref, Call)):
        return value.name
    return "unknown"


def ident(name: str) -> str:
    """An identifier as SQLAlchemy writes it: quoted only when it must be."""
    if name.islower() and name.replace("_", "").isalnum() and not name[:1].isdigit() and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


#: Words SQLAlchemy quotes as identifiers (the reserved ones likely to be column names).
RESERVED = frozenset({"user", "order", "group", "select", "table", "column", "default", "check", "primary",
                      "references", "end", "limit", "offset", "to", "from", "where", "when", "all", "and", "or",
                      "desc", "asc", "case", "create", "grant", "only", "some", "unique", "window"})


def qualify(table: str, schema: Any) -> str:
    return f"{ident(schema)}.{ident(table)}" if isinstance(schema, str) else ident(table)


def bare(table: str) -> str:
    return table.rsplit(".", 1)[-1].strip('"')


def references(target: str) -> str:
    """``"customers.id"`` (or ``"billing.customers.id"``) as ``customers (id)``."""
    parts = target.split(".")
    if len(parts) < 2:
        return f"{ident(target)} (id)"
    return f"{'.'.join(ident(p) for p in parts[:-1])} ({ident(parts[-1])})"


def fk_options(options: dict[str, Any]) -> str:
    out = ""
    for key, clause in (("ondelete", "ON DELETE"), ("onupdate", "ON UPDATE")):
        if isinstance(options.get(key), str):
            out += f" {clause} {options[key]}"
    if options.get("deferrable") is True:
        out += " DEFERRABLE"
        if isinstance(options.get("initially"), str):
            out += f" INITIALLY {options['initially']}"
    return out


def constraint_clause(call: Call) -> str | None:
    """A table-level constraint passed to ``op.create_table``."""
    name = call.kwargs.get("name")
    prefix = f"CONSTRAINT {ident(name)} " if isinstance(name, str) else ""
    columns = [c for c in call.args if isinstance(c, str)]
    if call.last == "PrimaryKeyConstraint":
        return f"{prefix}PRIMARY KEY ({', '.join(map(ident, columns))})"
    if call.last == "UniqueConstraint":
        return f"{prefix}UNIQUE ({', '.join(map(ident, columns))})"
    if call.last == "CheckConstraint":
        return f"{prefix}CHECK ({sql_text(call.arg(0, 'sqltext')) or 'true'})"
    if call.last == "ForeignKeyConstraint":
        local, remote = call.arg(0, "columns"), call.arg(1, "refcolumns")
        if isinstance(local, list) and isinstance(remote, list) and remote and isinstance(remote[0], str):
            table = ".".join(remote[0].split(".")[:-1])
            cols = ", ".join(ident(r.split(".")[-1]) for r in remote if isinstance(r, str))
            return (f"{prefix}FOREIGN KEY({index_columns(local)}) REFERENCES {ident(table)} ({cols})"
                    f"{fk_options(call.kwargs)}")
    return None


def index_columns(columns: Any) -> str:
    items = columns if isinstance(columns, (list, tuple)) else [columns]
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(ident(item))
        elif (text := sql_text(item)) is not None:
            # Alembic writes text() elements as given: `lower(name)`, `created_at DESC`.
            out.append(text)
    return ", ".join(out) or "id"


def sql_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Call) and value.last in ("text", "literal_column") and value.args and isinstance(value.args[0], str):
        return value.args[0]
    return None


def object_name(value: Any) -> str:
    if isinstance(value, Call) and value.last == "f" and value.args:
        value = value.args[0]
    return value if isinstance(value, str) else "unnamed"


def autoincrements(column: Column) -> bool:
    return (column.type in ("INTEGER", "BIGINT", "SMALLINT") and column.autoincrement in ("auto", True)
            and column.identity is None and column.default is None and not column.foreign_keys)


def enum_of(call: Call, column: Column) -> str | None:
    """``sa.Enum("a", "b", name="status")`` in create_table: Alembic creates the type first."""
    for item in call.args[1:]:
        if isinstance(item, Call) and item.last == "Column":
            for arg in item.args:
                if isinstance(arg, Call) and arg.last in ("Enum", "ENUM") and arg.kwargs.get("name") == column.type \
                        and arg.kwargs.get("create_type") is not False:
                    labels = ", ".join(literal(v) for v in arg.args if isinstance(v, str))
                    return f"CREATE TYPE {ident(column.type)} AS ENUM ({labels})"
    return None


def literal(value: Any) -> str:
    """A value in an Alembic revision (``bulk_insert`` rows, enum labels) as an SQL literal; one the
    source does not state literally becomes NULL."""
    return sql_literal(value) or "NULL"
