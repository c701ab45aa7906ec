"""The catalogue of migration-safety rules: what each one flags, the lock involved, why it hurts, and the fix.

Everything here is written from PostgreSQL's own documentation (the "Explicit Locking" chapter's
table of lock modes, and the ALTER TABLE, CREATE INDEX, DROP INDEX, REINDEX, CLUSTER, VACUUM and
TRUNCATE reference pages), so a reviewer can check a rule against the manual. The rule logic
lives in :mod:`gatecheck_plugins.migrations.linter`; this module is plain data so that the
options schema, the documentation and the findings all read from one place, and so that it
imports without the parser installed.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
NONE = "none"

#: Lock modes from weakest to strongest, for "the strongest lock a statement takes".
LOCK_ORDER = (NONE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE, ACCESS_EXCLUSIVE)

DOCS = "https://www.postgresql.org/docs/current/"


@dataclass(frozen=True)
class Rule:
    """One migration-safety rule."""

    id: str
    title: str
    severity: str
    #: The lock the flagged statement takes (as PostgreSQL names it), or "none".
    lock: str
    why: str
    safe: str
    references: tuple[str, ...] = ()


_RULES = (
    Rule(
        "create-index-not-concurrently",
        "CREATE INDEX without CONCURRENTLY",
        "high",
        SHARE,
        "A plain CREATE INDEX holds a SHARE lock on the table for the whole build, so every INSERT, "
        "UPDATE and DELETE waits until the index is complete: minutes to hours on a large table.",
        "CREATE INDEX CONCURRENTLY, outside a transaction block (it takes SHARE UPDATE EXCLUSIVE, which "
        "lets writes continue). If it fails it leaves an INVALID index: drop it and retry.",
        (DOCS + "sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",),
    ),
    Rule(
        "concurrently-in-transaction",
        "CONCURRENTLY inside a transaction block",
        "high",
        NONE,
        "CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION "
        "CONCURRENTLY cannot run inside a transaction block: PostgreSQL rejects the statement and the "
        "migration fails halfway.",
        "Run the statement on its own, outside BEGIN/COMMIT (Alembic: op.get_context().autocommit_block(); "
        "Django: a migration with atomic = False; a tool that wraps files in a transaction: a separate, "
        "non-transactional migration).",
        (DOCS + "sql-createindex.html",),
    ),
    Rule(
        "drop-index-not-concurrently",
        "DROP INDEX without CONCURRENTLY",
        "medium",
        ACCESS_EXCLUSIVE,
        "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: while it waits for "
        "running queries to finish, every new read and write of the table queues behind it.",
        "DROP INDEX CONCURRENTLY, outside a transaction block.",
        (DOCS + "sql-dropindex.html",),
    ),
    Rule(
        "add-column-rewrite",
        "Added column rewrites the table",
        "high",
        ACCESS_EXCLUSIVE,
        "Adding a column whose value must be computed per row (a volatile default such as random(), "
        "gen_random_uuid() or clock_timestamp(), a serial or identity column, a stored generated column, or "
        "before PostgreSQL 11 any non-null default) rewrites the whole table and its indexes while holding "
        "ACCESS EXCLUSIVE: no reads or writes until it finishes. Since PostgreSQL 11 a non-volatile default "
        "is stored in the catalog and needs no rewrite.",
        "Add the column without the default (or with a constant one on PostgreSQL 11+), set the default "
        "for new rows with ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-NOTES", DOCS + "ddl-generated-columns.html"),
    ),
    Rule(
        "add-column-not-null-without-default",
        "NOT NULL column added without a default",
        "high",
        ACCESS_EXCLUSIVE,
        "ADD COLUMN ... NOT NULL without a DEFAULT fails with a not-null violation as soon as the table "
        "has a row, so the migration works on an empty development database and breaks in production.",
        "Add the column with a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, "
        "backfill, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.",
        (DOCS + "sql-altertable.html",),
    ),
    Rule(
        "alter-column-type",
        "Column type change rewrites the table",
        "high",
        ACCESS_EXCLUSIVE,
        "ALTER COLUMN ... TYPE rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE unless "
        "the old type is binary-coercible to the new one and no USING expression changes the data "
        "(for example varchar(n) to a longer varchar or to text, numeric(p,s) to a larger precision with "
        "the same scale, or removing a length limit).",
        "Add a new column of the new type, write to both, backfill in batches, switch readers, then drop "
        "the old column. Widening changes that PostgreSQL can do in place are not flagged.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-NOTES",),
    ),
    Rule(
        "constraint-without-not-valid",
        "Foreign key or check constraint added without NOT VALID",
        "high",
        ACCESS_EXCLUSIVE,
        "Adding a CHECK constraint scans the whole table under ACCESS EXCLUSIVE; adding a FOREIGN KEY "
        "scans it under SHARE ROW EXCLUSIVE on both tables, blocking writes to each. Either way the "
        "table is blocked for the length of a full scan.",
        "ADD CONSTRAINT ... NOT VALID (a brief lock; new rows are checked from then on), then in a "
        "separate transaction ALTER TABLE ... VALIDATE CONSTRAINT, which takes only SHARE UPDATE EXCLUSIVE.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT",),
    ),
    Rule(
        "validate-in-same-transaction",
        "Constraint validated in the transaction that added it",
        "high",
        ACCESS_EXCLUSIVE,
        "VALIDATE CONSTRAINT in the same transaction as the ADD CONSTRAINT ... NOT VALID keeps the strong "
        "lock from the ADD for the whole validation scan, which is exactly what NOT VALID was meant to avoid.",
        "Commit after ADD CONSTRAINT ... NOT VALID and validate in a later transaction or migration.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT",),
    ),
    Rule(
        "set-not-null-without-check",
        "SET NOT NULL scans the table",
        "high",
        ACCESS_EXCLUSIVE,
        "ALTER COLUMN ... SET NOT NULL scans the whole table under ACCESS EXCLUSIVE to prove there is no "
        "NULL, unless (PostgreSQL 12+) a valid CHECK (col IS NOT NULL) constraint already proves it.",
        "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (separate transaction); "
        "then SET NOT NULL (no scan) and DROP CONSTRAINT c.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL",),
    ),
    Rule(
        "unique-constraint-builds-index",
        "UNIQUE / PRIMARY KEY constraint builds its index under lock",
        "high",
        ACCESS_EXCLUSIVE,
        "Adding a UNIQUE, PRIMARY KEY or EXCLUDE constraint to an existing table builds its index while "
        "holding ACCESS EXCLUSIVE, blocking reads and writes for the whole build.",
        "CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX "
        "(or PRIMARY KEY USING INDEX), which only attaches the finished index.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX",),
    ),
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
        "vacuum-full",
        "VACUUM FULL",
        "high",
        ACCESS_EXCLUSIVE,
        "VACUUM FULL rewrites the whole table into a new file under ACCESS EXCLUSIVE: the table is "
        "unreadable and unwritable until it finishes, and it needs room for a second copy.",
        "Plain VACUUM (no exclusive lock), or an online repacking tool such as pg_repack.",
        (DOCS + "sql-vacuum.html",),
    ),
    Rule(
        "cluster",
        "CLUSTER",
        "high",
        ACCESS_EXCLUSIVE,
        "CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE, blocking reads and writes "
        "until it finishes.",
        "An online repacking tool such as pg_repack, run outside the migration.",
        (DOCS + "sql-cluster.html",),
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
    ),
    Rule(
        "lock-timeout-missing",
        "ACCESS EXCLUSIVE lock without lock_timeout",
        "medium",
        ACCESS_EXCLUSIVE,
        "A statement that needs ACCESS EXCLUSIVE waits behind every running query on the table, and "
        "while it waits every new query (even a plain SELECT) queues behind it: one slow report turns "
        "a millisecond ALTER into an outage. Without lock_timeout it waits indefinitely.",
        "SET lock_timeout = '5s' (or SET LOCAL inside the transaction) before the statement, and retry "
        "the migration if it times out.",
        (DOCS + "explicit-locking.html#LOCKING-TABLES", DOCS + "runtime-config-client.html#GUC-LOCK-TIMEOUT"),
    ),
    Rule(
        "rewrite-table",
        "ALTER TABLE form that rewrites the table",
        "high",
        ACCESS_EXCLUSIVE,
        "SET TABLESPACE, SET LOGGED / SET UNLOGGED and SET ACCESS METHOD copy the whole table "
        "(and for SET TABLESPACE its indexes) while holding ACCESS EXCLUSIVE.",
        "Do it in a maintenance window, or build the new table alongside and switch over.",
        (DOCS + "sql-altertable.html",),
    ),
    Rule(
        "reindex-not-concurrently",
        "REINDEX without CONCURRENTLY",
        "medium",
        ACCESS_EXCLUSIVE,
        "REINDEX locks out writes to the table (SHARE) and takes ACCESS EXCLUSIVE on the index being "
        "rebuilt, so queries that would use it block for the whole rebuild.",
        "REINDEX ... CONCURRENTLY (PostgreSQL 12+), outside a transaction block.",
        (DOCS + "sql-reindex.html",),
    ),
    Rule(
        "refresh-matview-not-concurrently",
        "REFRESH MATERIALIZED VIEW without CONCURRENTLY",
        "medium",
        ACCESS_EXCLUSIVE,
        "A plain refresh holds ACCESS EXCLUSIVE on the materialized view for the whole query, so "
        "readers of the view block until it finishes.",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view; takes EXCLUSIVE, "
        "which still allows reads).",
        (DOCS + "sql-refreshmaterializedview.html",),
    ),
    Rule(
        "detach-partition-not-concurrently",
        "DETACH PARTITION without CONCURRENTLY",
        "medium",
        ACCESS_EXCLUSIVE,
        "DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table, blocking every query on "
        "every partition while it waits and runs.",
        "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), outside a transaction block.",
        (DOCS + "sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION",),
    ),
    Rule(
        "enum-value-in-transaction",
        "ALTER TYPE ... ADD VALUE inside a transaction block",
        "high",
        NONE,
        "Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block and the "
        "migration fails.",
        "Run it outside a transaction block, or target PostgreSQL 12+ (where the new value still cannot "
        "be used until the transaction commits).",
        (DOCS + "sql-altertype.html",),
    ),
    Rule(
        "access-exclusive-held",
        "Slow statement while an ACCESS EXCLUSIVE lock is held",
        "medium",
        ACCESS_EXCLUSIVE,
        "Locks are held until the transaction ends. After a brief ALTER TABLE takes ACCESS EXCLUSIVE, "
        "every later statement in the same transaction (an index build, a backfill UPDATE, a validation "
        "scan) runs while nobody can even read the table, so a millisecond lock becomes an outage as "
        "long as the slowest statement.",
        "Commit right after the statement that takes ACCESS EXCLUSIVE and do the slow work in its own "
        "transaction (Django: a separate migration, or atomic = False; Alembic: transaction_per_migration "
        "plus a separate revision).",
        (DOCS + "explicit-locking.html#LOCKING-TABLES",),
    ),
    Rule(
        "uncommitted-transaction",
        "Transaction left open at the end of the file",
        "medium",
        NONE,
        "A BEGIN with no COMMIT before the end of the file leaves the outcome to the tool: psql rolls "
        "the work back when it exits, other runners commit it or keep the session, and every lock the "
        "migration took stays held until then.",
        "End every BEGIN with a COMMIT in the same file.",
        (DOCS + "sql-begin.html",),
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
        "transaction-nesting",
        "BEGIN inside a transaction, or COMMIT outside one",
        "low",
        NONE,
        "A BEGIN while a transaction is open is ignored with a warning, so the statements after it are "
        "not in the transaction the author thinks; a stray COMMIT ends the migration tool's transaction "
        "early, leaving the rest non-atomic.",
        "Let the migration tool manage the transaction, or use exactly one BEGIN ... COMMIT pair.",
        (DOCS + "sql-begin.html",),
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
