"""What the linter remembers while it walks migrations: the schema they built and the session running one file.

Two kinds of state, with different lifetimes:

- **Schema knowledge** across all files (:class:`Catalog`): the tables and columns created, their
  types, the constraints added and whether they have been validated, which index belongs to which
  table, and the enum types with their values. That is what lets ``SET NOT NULL`` see a
  ``CHECK (col IS NOT NULL)`` validated by an earlier migration, and ``ALTER COLUMN ... TYPE``
  see the column's old type.
- **Session state** per file (:class:`Session`): whether a transaction is open, the constraints
  added ``NOT VALID`` in it, the timeouts set, and the objects created by the current migration
  unit (which are empty, so exempt from the rules about locking or rewriting existing data). A new
  file starts a new session: nothing about transactions or settings leaks from one file into the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .pgtypes import Node, PgType
from .rules import ACCESS_EXCLUSIVE
from .source import Statement

#: Oldest PostgreSQL major version still supported upstream: the default target.
DEFAULT_POSTGRES_VERSION = 14


@dataclass
class Settings:
    """What the rules need to know about the target database and the migration tool."""

    postgres_version: int = DEFAULT_POSTGRES_VERSION
    #: The tool applying the files wraps each file in a transaction (Flyway, Sqitch...).
    implicit_transaction: bool = False
    #: Every table name must be schema-qualified (the project's search_path is not to be trusted).
    require_schema: bool = False


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
    """A column as the scanned migrations left it."""

    type: PgType | None
    not_null: bool = False


@dataclass
class Constraint:
    """A CHECK, FOREIGN KEY or NOT NULL constraint, with what VALIDATE and SET NOT NULL need to know."""

    kind: str
    validated: bool
    #: Columns this constraint proves NOT NULL (CHECK (col IS NOT NULL), NOT NULL constraints).
    not_null: frozenset[str] = frozenset()
    #: The lock its ADD took, for the same-transaction validation message.
    lock: str = ACCESS_EXCLUSIVE


@dataclass
class Table:
    """Columns and constraints of one table."""

    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)


@dataclass
class Catalog:
    """What the migrations seen so far have done to the schema."""

    tables: dict[str, Table] = field(default_factory=dict)
    #: index name -> table name
    indexes: dict[str, str] = field(default_factory=dict)
    #: enum type name -> its labels in order
    enums: dict[str, list[str]] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        """The table called ``name``, remembered from now on if it was not known."""
        return self.tables.setdefault(name, Table())


@dataclass
class Session:
    """State of the database session that runs one file."""

    in_transaction: bool = False
    explicit_transaction: bool = False
    lock_timeout: bool = False
    local_lock_timeout: bool = False
    statement_timeout: bool = False
    local_statement_timeout: bool = False
    #: statement-timeout-missing is reported once per file: one SET at the top fixes every statement.
    statement_timeout_reported: bool = False
    #: (table, constraint) added NOT VALID in the open transaction.
    not_valid: set[tuple[str, str]] = field(default_factory=set)
    #: The BEGIN that opened the current explicit transaction.
    transaction_stmt: Statement | None = None
    #: Existing tables this transaction holds ACCESS EXCLUSIVE on -> line of the statement that took it.
    exclusive: dict[str, int] = field(default_factory=dict)
    #: The search_path was changed: unqualified names no longer resolve where the author expects.
    search_path_changed: bool = False
    unit: int = 0
    new_tables: set[str] = field(default_factory=set)
    new_indexes: set[str] = field(default_factory=set)
    new_types: set[str] = field(default_factory=set)

    @property
    def has_lock_timeout(self) -> bool:
        return self.lock_timeout or (self.local_lock_timeout and self.in_transaction)

    @property
    def has_statement_timeout(self) -> bool:
        return self.statement_timeout or (self.local_statement_timeout and self.in_transaction)

    def end_transaction(self) -> None:
        """COMMIT or ROLLBACK: SET LOCAL values, NOT VALID bookkeeping and held locks end with it."""
        self.in_transaction = False
        self.explicit_transaction = False
        self.local_lock_timeout = False
        self.local_statement_timeout = False
        self.not_valid.clear()
        self.exclusive.clear()


def relation_name(rangevar: Node) -> str:
    """``schema.table`` as written, without the default ``public`` schema, so both spellings match."""
    name = str(rangevar.get("relname", "?"))
    schema = rangevar.get("schemaname")
    return f"{schema}.{name}" if schema and schema != "public" else name


def qualified(names: list[Node]) -> str:
    """A dotted name from a list of String nodes, without a leading ``public``."""
    parts = [n["String"]["sval"] for n in names if "String" in n]
    if len(parts) > 1 and parts[0] == "public":
        parts = parts[1:]
    return ".".join(parts)


def strings(nodes: list[Node]) -> list[str]:
    """The values of the String nodes in a list (column lists, key lists)."""
    return [n["String"]["sval"] for n in nodes if "String" in n]
