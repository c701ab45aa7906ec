"""Rules about breaking the running release, destroying data, robustness and schema advice.

A migration runs while the previous release still serves traffic, may fail halfway, and leaves
types and names behind for years. These rules are written from PostgreSQL's documentation (ALTER
TABLE, DROP, TRUNCATE, the lexical structure of identifiers, the data types chapter). Rules of
kind ``advice`` say how to design a schema better; they are never about an outage. Plain data;
:mod:`.rules` assembles the catalogue.
"""

from __future__ import annotations

from .rule import ACCESS_EXCLUSIVE, DOCS, NONE, Rule

COMPAT_RULES = (
    Rule(
        "drop-column",
        "Column dropped",
        "high",
        ACCESS_EXCLUSIVE,
        "Application code that is still running (the previous release during a rolling deploy) selects "
        "or inserts the column and starts failing the moment it is gone; the data is lost.",
        "Stop reading and writing the column in a release first (Django: SeparateDatabaseAndState; "
        "Rails: ignored_columns), then drop it in a later migration.",
        (DOCS + "sql-altertable.html",),
    ),
    Rule(
        "rename-column",
        "Column renamed",
        "high",
        ACCESS_EXCLUSIVE,
        "Running application code still uses the old name and fails until every instance is redeployed.",
        "Add the new column, write to both, backfill, move readers, then drop the old one; or expose the "
        "old name through a view during the transition.",
        (DOCS + "sql-altertable.html",),
    ),
    Rule(
        "drop-table",
        "Table dropped",
        "high",
        ACCESS_EXCLUSIVE,
        "Running code that still uses the table fails, and the data is gone.",
        "Remove every use of the table in a release first, then drop it in a later migration (after a backup).",
        (DOCS + "sql-droptable.html",),
    ),
    Rule(
        "rename-table",
        "Table renamed",
        "high",
        ACCESS_EXCLUSIVE,
        "Running application code still uses the old name and fails until every instance is redeployed.",
        "Create the new table name as a view (or the old name as a view over the renamed table) during "
        "the transition, or copy and switch over in steps.",
        (DOCS + "sql-altertable.html",),
    ),
    Rule(
        "truncate",
        "TRUNCATE in a migration",
        "high",
        ACCESS_EXCLUSIVE,
        "TRUNCATE takes ACCESS EXCLUSIVE and deletes every row; it is not MVCC-safe for concurrent "
        "transactions and in a migration it almost always destroys production data by accident.",
        "Delete the rows you mean to delete with a bounded DELETE, or drop the table in a later release.",
        (DOCS + "sql-truncate.html",),
    ),
    Rule(
        "cascade",
        "CASCADE drops or truncates dependent objects",
        "high",
        ACCESS_EXCLUSIVE,
        "CASCADE silently extends a DROP or TRUNCATE to every dependent object (views, foreign keys, "
        "referencing tables' rows), which the migration's author rarely lists or reviews.",
        "Drop or truncate the dependent objects explicitly, by name, so the migration says what it removes.",
        (DOCS + "ddl-depend.html",),
    ),
    Rule(
        "drop-database",
        "DROP DATABASE in a migration",
        "critical",
        ACCESS_EXCLUSIVE,
        "DROP DATABASE removes every table and every row of a database, irreversibly; it has no place "
        "in a schema migration.",
        "Drop databases by hand, after a backup, outside the migration history.",
        (DOCS + "sql-dropdatabase.html",),
    ),
    Rule(
        "prefer-bigint-primary-key",
        "Primary key of type int/smallint",
        "low",
        NONE,
        "A 32-bit key runs out at 2,147,483,647 rows (a smallint at 32,767), and changing the type later "
        "rewrites the table and every referencing foreign key under ACCESS EXCLUSIVE.",
        "Use bigint (bigint GENERATED ALWAYS AS IDENTITY or bigserial) for new primary keys.",
        (DOCS + "datatype-numeric.html",),
        "advice",
    ),
    Rule(
        "prefer-text",
        "varchar(n) / char(n) column",
        "low",
        NONE,
        "char(n) pads with spaces and varchar(n) gains nothing in storage or speed over text in "
        "PostgreSQL; shortening a limit later rewrites the table, and even raising one needs ACCESS EXCLUSIVE.",
        "Use text, with a CHECK (char_length(col) <= n) constraint if a limit is a business rule "
        "(such a constraint can be replaced with NOT VALID + VALIDATE without a rewrite).",
        (DOCS + "datatype-character.html",),
        "advice",
    ),
    Rule(
        "prefer-timestamptz",
        "timestamp without time zone",
        "low",
        NONE,
        "timestamp without time zone stores a wall-clock reading with no zone, so values written from "
        "servers or sessions in different time zones cannot be compared or converted correctly.",
        "Use timestamptz (timestamp with time zone), which stores an absolute instant.",
        (DOCS + "datatype-datetime.html",),
        "advice",
    ),
    Rule(
        "prefer-identity",
        "serial column",
        "low",
        NONE,
        "serial/bigserial create a separately owned sequence with its own permissions, which dumps, "
        "grants and ALTER COLUMN TYPE do not keep in step with the column; identity columns are the "
        "SQL-standard replacement tied to the column.",
        "bigint GENERATED ALWAYS AS IDENTITY (or BY DEFAULT when rows are inserted with explicit ids).",
        (DOCS + "sql-createtable.html#SQL-CREATETABLE-PARMS-GENERATED-IDENTITY",),
        "advice",
    ),
    Rule(
        "drop-not-null",
        "NOT NULL dropped",
        "low",
        ACCESS_EXCLUSIVE,
        "Once a column accepts NULL, the new release can write NULLs while the previous release, still "
        "serving during the deploy, reads the column as if a value were always there; whatever relied on the "
        "column being NOT NULL stops being guaranteed. Putting NOT NULL back later scans the whole table.",
        "Make every reader NULL-safe in a release first, and drop NOT NULL in a later migration; if the goal "
        "is only that inserts need not supply a value, give the column a DEFAULT instead.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL",),
    ),
    Rule(
        "duplicate-column-assignment",
        "Column named twice in one statement",
        "medium",
        NONE,
        "PostgreSQL rejects a statement that names the same column twice (UPDATE ... SET a = 1, a = 2; "
        "INSERT INTO t (a, a); CREATE TABLE t (a int, a text)): the migration fails at that statement, "
        "after the ones before it may already have committed.",
        "Name every column once; where two assignments were written, keep the one whose value is meant.",
        (DOCS + "sql-update.html", DOCS + "sql-insert.html"),
    ),
    Rule(
        "identifier-too-long",
        "Identifier longer than 63 bytes",
        "medium",
        NONE,
        "PostgreSQL keeps only the first 63 bytes of a name (NAMEDATALEN - 1) and truncates a longer one "
        "with nothing more than a NOTICE. Two names that differ only after byte 63 become the same object "
        "(the second CREATE fails, a DROP or ALTER reaches the other one), and code that looks the full "
        "name up in the catalog does not find it.",
        "Keep every identifier at 63 bytes or less (bytes, not characters: a non-ASCII letter takes two "
        "or more).",
        (DOCS + "sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS",),
    ),
    Rule(
        "unqualified-table",
        "Table name without a schema where one is required",
        "medium",
        NONE,
        "A table named without its schema is looked up through the session's search_path, which differs "
        "between environments, roles and connection poolers, and which a migration that sets search_path "
        "changes for every statement after it: the statement creates, alters or drops a table in another "
        "schema than intended, or fails.",
        "Qualify every table with its schema (billing.invoices), and set search_path explicitly at the top of "
        "the migration if unqualified names must resolve somewhere.",
        (DOCS + "ddl-schemas.html#DDL-SCHEMAS-PATH",),
    ),
    Rule(
        "not-rerunnable",
        "Statement that cannot run twice, outside a transaction",
        "low",
        NONE,
        "Outside a transaction block every statement commits on its own: when a later statement fails, the "
        "earlier ones stay applied, and running the migration again stops at the first one that cannot run "
        "twice (CREATE without IF NOT EXISTS, DROP or ADD COLUMN without IF [NOT] EXISTS). A CREATE INDEX "
        "CONCURRENTLY that fails leaves an INVALID index behind with the same effect.",
        "Make the statement idempotent (CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT "
        "EXISTS, DROP COLUMN / CONSTRAINT IF EXISTS), or run the migration in one transaction; after a failed "
        "CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY IF EXISTS the invalid index before retrying.",
        (DOCS + "sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY", DOCS + "sql-begin.html"),
        "advice",
    ),
    Rule(
        "prefer-bigint",
        "integer / smallint column",
        "low",
        NONE,
        "integer stops at 2,147,483,647 and smallint at 32,767: ids, counters and sums that outgrow them fail "
        "with 'out of range' on insert, and widening the column afterwards rewrites the table and its "
        "indexes under ACCESS EXCLUSIVE.",
        "Use bigint from the start; four more bytes per row cost less than the rewrite.",
        (DOCS + "datatype-numeric.html#DATATYPE-INT",),
        "advice",
    ),
    Rule(
        "enum-value-order",
        "Enum value added without BEFORE or AFTER",
        "low",
        NONE,
        "ALTER TYPE ... ADD VALUE without BEFORE or AFTER appends the label at the end. Enum values sort in "
        "the order they were declared, so ORDER BY, <, > and ranges put the new value after every existing "
        "one, which is rarely where a status or a level belongs; moving it later means recreating the type.",
        "Say where the value goes: ADD VALUE 'refunded' AFTER 'paid' (or BEFORE ...); when the end is really "
        "meant, AFTER the current last value says so.",
        (DOCS + "datatype-enum.html#DATATYPE-ENUM-ORDERING", DOCS + "sql-altertype.html"),
        "advice",
    ),
    Rule(
        "domain-constraint",
        "Constraint on a domain",
        "low",
        NONE,
        "A domain's constraint applies to every column of that type in every table. Adding one later checks "
        "all of them (every table using the domain is scanned unless NOT VALID), changing one means dropping "
        "and re-adding it, and PostgreSQL documents that domain constraints are not enforced everywhere (a "
        "NOT NULL domain column can read as NULL through an outer join).",
        "Put CHECK and NOT NULL constraints on the table columns (ADD CONSTRAINT ... NOT VALID, then "
        "VALIDATE) and keep domains unconstrained; if a domain constraint is needed, add it NOT VALID and "
        "VALIDATE it in a separate transaction.",
        (DOCS + "sql-createdomain.html", DOCS + "sql-alterdomain.html"),
        "advice",
    ),
    Rule(
        "unparsable-migration",
        "Migration that cannot be parsed",
        "high",
        NONE,
        "A migration that PostgreSQL's grammar (or, for a Django or Alembic migration, Python's) rejects "
        "fails when it runs, and the check cannot tell what it would do to the schema.",
        "Fix the syntax error at the line named; every other migration is still checked.",
        (DOCS + "sql-syntax.html",),
    ),
)
