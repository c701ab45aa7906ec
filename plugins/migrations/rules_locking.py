"""Rules about locks, table rewrites, scans and transaction blocks: what a statement does to a busy table.

Written from PostgreSQL's documentation: the "Explicit Locking" chapter's table of lock modes and
the notes of ALTER TABLE, CREATE INDEX, DROP INDEX, REINDEX, CLUSTER, VACUUM and REFRESH
MATERIALIZED VIEW. Plain data; :mod:`.rules` assembles the catalogue.
"""

from __future__ import annotations

from .rule import ACCESS_EXCLUSIVE, DOCS, NONE, SHARE, Rule

LOCKING_RULES = (
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
        "Statement that cannot run inside a transaction block",
        "high",
        NONE,
        "CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION "
        "CONCURRENTLY, VACUUM, REINDEX SYSTEM/DATABASE, CLUSTER without a table, CREATE/DROP DATABASE and "
        "ALTER SYSTEM cannot run inside a transaction block: PostgreSQL rejects the statement and the "
        "migration fails halfway.",
        "Run the statement on its own, outside BEGIN/COMMIT (Alembic: op.get_context().autocommit_block(); "
        "Django: a migration with atomic = False; a tool that wraps files in a transaction: a separate, "
        "non-transactional migration).",
        (DOCS + "sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY", DOCS + "sql-vacuum.html"),
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
        "vacuum-full",
        "VACUUM FULL where REPACK CONCURRENTLY exists",
        "high",
        ACCESS_EXCLUSIVE,
        "VACUUM FULL rewrites the whole table into a new file under ACCESS EXCLUSIVE: the table is "
        "unreadable and unwritable until it finishes, and it needs room for a second copy. From PostgreSQL 19 "
        "the same compaction runs online with REPACK (CONCURRENTLY); before 19 PostgreSQL has no online "
        "form, so the statement is not reported (its lock still counts for lock-timeout-missing).",
        "REPACK (CONCURRENTLY) table (PostgreSQL 19+), or plain VACUUM, which takes no exclusive lock.",
        (DOCS + "sql-vacuum.html",),
    ),
    Rule(
        "cluster",
        "CLUSTER where REPACK CONCURRENTLY exists",
        "high",
        ACCESS_EXCLUSIVE,
        "CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE, blocking reads and writes "
        "until it finishes. From PostgreSQL 19, REPACK (CONCURRENTLY) ... USING INDEX does the same online; "
        "before 19 there is no online form in PostgreSQL, so the statement is not reported (its lock "
        "still counts for lock-timeout-missing).",
        "REPACK (CONCURRENTLY) table USING INDEX index (PostgreSQL 19+).",
        (DOCS + "sql-cluster.html",),
    ),
    Rule(
        "lock-timeout-missing",
        "ACCESS EXCLUSIVE lock without lock_timeout",
        "low",
        ACCESS_EXCLUSIVE,
        "A statement that needs ACCESS EXCLUSIVE waits behind every running query on the table, and "
        "while it waits every new query (even a plain SELECT) queues behind it: one slow report turns "
        "a millisecond ALTER into an outage. Without lock_timeout it waits indefinitely.",
        "SET lock_timeout = '5s' (or SET LOCAL inside the transaction) before the statement, and retry "
        "the migration if it times out.",
        (DOCS + "explicit-locking.html#LOCKING-TABLES", DOCS + "runtime-config-client.html#GUC-LOCK-TIMEOUT"),
    ),
    Rule(
        "statement-timeout-missing",
        "Blocking statement without statement_timeout",
        "low",
        NONE,
        "lock_timeout bounds the wait for a lock, not the work done once it is granted. A statement that "
        "blocks writes (or reads) while it scans, rewrites or builds runs as long as the table is big, and "
        "every blocked query queues behind it; without statement_timeout nothing stops it.",
        "SET statement_timeout (or SET LOCAL inside the transaction) before the statement, sized for the "
        "table, next to lock_timeout; work that has to run long belongs in the online form (CONCURRENTLY, "
        "NOT VALID then VALIDATE), which blocks nobody.",
        (DOCS + "runtime-config-client.html#GUC-STATEMENT-TIMEOUT",),
        "advice",
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
        "scan, a Django RunPython data migration) runs while nobody can even read the table, so a "
        "millisecond lock becomes an outage as long as the slowest statement.",
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
        "transaction-nesting",
        "BEGIN inside a transaction, or COMMIT outside one",
        "low",
        NONE,
        "A BEGIN while a transaction is open is ignored with a warning, so the statements after it are "
        "not in the transaction the author thinks; a stray COMMIT ends the migration tool's transaction "
        "early, leaving the rest non-atomic.",
        "Let the migration tool manage the transaction, or use exactly one BEGIN ... COMMIT pair.",
        (DOCS + "sql-begin.html",),
        "advice",
    ),
)
