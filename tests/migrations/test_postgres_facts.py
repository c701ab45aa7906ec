"""The rules' PostgreSQL facts, checked against a real PostgreSQL server.

Each case runs one statement on a table with rows, inside a transaction, and observes what the
server really does: the strongest lock it holds on the table afterwards (``pg_locks``), and, from
the server's own DEBUG1 messages, whether it rewrote the table (``rewriting table``) or scanned it
(``verifying table``), or which error it raised. The same statement is then linted (with the
server's major version as the target) and the rules must agree: the rewrite, scan and lock rules
fire exactly when the server rewrites, scans or takes ACCESS EXCLUSIVE, and each finding reports
the lock the server took.

The server is the one ``.ci/postgres.sh`` starts (it exports GATECHECK_TEST_POSTGRES_URL). Under CI
a missing server is a failure; locally these tests skip without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from store_backends import ENV, postgres_admin_url

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.migrations.check import MigrationsCheck
from gatecheck_plugins.migrations.maintenance import REPACK_VERSION
from gatecheck_plugins.migrations.rules import (
    ACCESS_EXCLUSIVE,
    EXCLUSIVE,
    LOCK_ORDER,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
)

psycopg = pytest.importorskip("psycopg")

MODES = {
    "AccessExclusiveLock": ACCESS_EXCLUSIVE,
    "ExclusiveLock": EXCLUSIVE,
    "ShareRowExclusiveLock": SHARE_ROW_EXCLUSIVE,
    "ShareLock": SHARE,
    "ShareUpdateExclusiveLock": SHARE_UPDATE_EXCLUSIVE,
    "RowExclusiveLock": "ROW EXCLUSIVE",
    "RowShareLock": "ROW SHARE",
    "AccessShareLock": "ACCESS SHARE",
}
#: Weakest to strongest, including the modes no rule is about.
ALL_MODES = ("none", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", *LOCK_ORDER[1:])

SETUP = """
CREATE TABLE customers (id bigint PRIMARY KEY);
INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, code varchar(20), total numeric(12, 2),
                     note text, status text, placed timestamp);
INSERT INTO orders SELECT g, 1 + g % 100, 'c' || g, g, 'n', 'new', now() FROM generate_series(1, 2000) g;
CREATE INDEX orders_code ON orders (code);
ALTER TABLE orders ADD CONSTRAINT status_nn CHECK (status IS NOT NULL) NOT VALID;
CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE MATERIALIZED VIEW order_stats AS SELECT count(*) AS n FROM orders;
"""
SETUP_STATEMENTS = [s.strip() for s in SETUP.split(";") if s.strip()]


@dataclass
class Fact:
    sql: str
    lock: str
    rewrite: bool = False
    scan: bool = False
    fires: tuple[str, ...] = ()
    quiet: tuple[str, ...] = ()
    #: The relation whose lock the rules are about (the table, or an index or view).
    on: str = "orders"
    #: Statements run before ``sql`` in the same transaction (and in the linted migration).
    before: list[str] = field(default_factory=list)


#: Rules that say the relation's storage is replaced (rewritten, rebuilt, or swapped for an empty file).
REWRITE_RULES = ("add-column-rewrite", "alter-column-type", "rewrite-table", "cluster", "vacuum-full", "truncate",
                 "reindex-not-concurrently", "refresh-matview-not-concurrently")

FACTS = [
    Fact("CREATE INDEX orders_total ON orders (total)", SHARE, fires=("create-index-not-concurrently",)),
    Fact("ALTER TABLE orders ADD COLUMN flag int DEFAULT 0", ACCESS_EXCLUSIVE, quiet=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT now()", ACCESS_EXCLUSIVE, quiet=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ADD COLUMN label text NOT NULL DEFAULT 'x'", ACCESS_EXCLUSIVE,
         quiet=("add-column-rewrite", "add-column-not-null-without-default")),
    Fact("ALTER TABLE orders ADD COLUMN r float8 DEFAULT random()", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ADD COLUMN n bigserial", ACCESS_EXCLUSIVE, rewrite=True, fires=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ADD COLUMN d numeric GENERATED ALWAYS AS (total * 2) STORED", ACCESS_EXCLUSIVE,
         rewrite=True, fires=("add-column-rewrite",)),
    Fact("ALTER TABLE orders ALTER COLUMN code TYPE varchar(40)", ACCESS_EXCLUSIVE, quiet=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN code TYPE text", ACCESS_EXCLUSIVE, quiet=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN code TYPE varchar", ACCESS_EXCLUSIVE, quiet=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN note TYPE varchar", ACCESS_EXCLUSIVE, quiet=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN total TYPE numeric(14, 2)", ACCESS_EXCLUSIVE, quiet=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN total TYPE numeric", ACCESS_EXCLUSIVE, quiet=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 4)", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN code TYPE varchar(10)", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN customer_id TYPE int", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("alter-column-type",)),
    Fact("ALTER TABLE orders ALTER COLUMN note TYPE int USING length(note)", ACCESS_EXCLUSIVE, rewrite=True,
         fires=("alter-column-type",)),
    Fact("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)",
         SHARE_ROW_EXCLUSIVE, fires=("constraint-without-not-valid",)),
    Fact("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) "
         "NOT VALID", SHARE_ROW_EXCLUSIVE, quiet=("constraint-without-not-valid",)),
    Fact("ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0)", ACCESS_EXCLUSIVE, scan=True,
         fires=("constraint-without-not-valid",)),
    Fact("ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0) NOT VALID", ACCESS_EXCLUSIVE,
         quiet=("constraint-without-not-valid",)),
    Fact("ALTER TABLE orders VALIDATE CONSTRAINT status_nn", SHARE_UPDATE_EXCLUSIVE, scan=True,
         quiet=("validate-in-same-transaction",)),
    Fact("ALTER TABLE orders VALIDATE CONSTRAINT pos", ACCESS_EXCLUSIVE, scan=True,
         before=["ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0) NOT VALID"],
         fires=("validate-in-same-transaction",)),
    Fact("ALTER TABLE orders ALTER COLUMN status SET NOT NULL", ACCESS_EXCLUSIVE, scan=True,
         fires=("set-not-null-without-check",)),
    Fact("ALTER TABLE orders ADD CONSTRAINT code_key UNIQUE (code)", ACCESS_EXCLUSIVE,
         fires=("unique-constraint-builds-index",)),
    Fact("ALTER TABLE orders DROP COLUMN note", ACCESS_EXCLUSIVE, fires=("drop-column",)),
    Fact("ALTER TABLE orders RENAME COLUMN note TO remark", ACCESS_EXCLUSIVE, fires=("rename-column",)),
    Fact("ALTER TABLE orders RENAME TO purchases", ACCESS_EXCLUSIVE, fires=("rename-table",)),
    Fact("ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'none'", ACCESS_EXCLUSIVE),
    Fact("ALTER TABLE orders ALTER COLUMN note SET STATISTICS 500", SHARE_UPDATE_EXCLUSIVE),
    Fact("ALTER TABLE orders SET (fillfactor = 80)", SHARE_UPDATE_EXCLUSIVE),
    Fact("ALTER TABLE orders DISABLE TRIGGER ALL", SHARE_ROW_EXCLUSIVE),
    Fact("ALTER TABLE orders SET UNLOGGED", ACCESS_EXCLUSIVE, rewrite=True, fires=("rewrite-table",)),
    Fact("DROP INDEX orders_code", ACCESS_EXCLUSIVE, fires=("drop-index-not-concurrently",)),
    Fact("DROP TABLE customers", ACCESS_EXCLUSIVE, on="customers", fires=("drop-table",)),
    Fact("TRUNCATE orders", ACCESS_EXCLUSIVE, rewrite=True, fires=("truncate",)),
    # Reported as `cluster` from PostgreSQL 19 (REPACK CONCURRENTLY); the rewrite assertion below knows.
    Fact("CLUSTER orders USING orders_pkey", ACCESS_EXCLUSIVE, rewrite=True),
    Fact("REINDEX INDEX orders_code", ACCESS_EXCLUSIVE, rewrite=True, on="orders_code", fires=("reindex-not-concurrently",)),
    Fact("REFRESH MATERIALIZED VIEW order_stats", ACCESS_EXCLUSIVE, rewrite=True, on="order_stats",
         fires=("refresh-matview-not-concurrently",)),
    Fact("REFRESH MATERIALIZED VIEW CONCURRENTLY order_stats", EXCLUSIVE, on="order_stats",
         before=["CREATE UNIQUE INDEX order_stats_n ON order_stats (n)"],
         quiet=("refresh-matview-not-concurrently",)),
    Fact("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", ACCESS_EXCLUSIVE),
    Fact("LOCK TABLE orders IN SHARE MODE", SHARE),
]


@dataclass
class Server:
    conn: Any
    major: int
    notes: list[str]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    conn = psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=60)
    notes: list[str] = []
    conn.add_notice_handler(lambda diag: notes.append(diag.message_primary or ""))
    major = int(conn.info.server_version) // 10000
    yield Server(conn, major, notes)
    conn.close()


@pytest.fixture
def schema(server: Server) -> Iterator[Server]:
    """A fresh schema holding SETUP, first on the search path."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    cur = server.conn.cursor()
    cur.execute(f"CREATE SCHEMA {name}")
    cur.execute(f"SET search_path = {name}")
    for statement in SETUP_STATEMENTS:
        cur.execute(statement)
    yield server
    if server.conn.info.transaction_status:
        cur.execute("ROLLBACK")
    cur.execute("RESET search_path")
    cur.execute(f"DROP SCHEMA {name} CASCADE")


@dataclass
class Observed:
    lock: str
    rewrite: bool
    scan: bool


def observe(server: Server, fact: Fact) -> Observed:
    cur = server.conn.cursor()
    cur.execute("SELECT %s::regclass::oid, pg_relation_filenode(%s::regclass)", (fact.on, fact.on))
    oid, filenode = cur.fetchone()
    cur.execute("BEGIN")
    try:
        for statement in fact.before:
            cur.execute(statement)
        cur.execute("SET LOCAL client_min_messages = debug1")
        server.notes.clear()
        cur.execute(fact.sql)
        notes = list(server.notes)
        cur.execute("SET LOCAL client_min_messages = notice")
        cur.execute("SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = %s", (oid,))
        modes = [MODES[row[0]] for row in cur.fetchall()]
        cur.execute("SELECT pg_relation_filenode(%s)", (oid,))
        new_filenode = cur.fetchone()[0]
    finally:
        cur.execute("ROLLBACK")
    return Observed(
        lock=max(modes, key=ALL_MODES.index) if modes else "none",
        # The server says "rewriting table" for ALTER TABLE; CLUSTER and TRUNCATE show it as a new file.
        rewrite=any(n.startswith("rewriting table") for n in notes) or new_filenode not in (filenode, None),
        scan=any(n.startswith("verifying table") for n in notes),
    )


def lint_fact(lint: Callable[..., CheckResult], fact: Fact, major: int) -> CheckResult:
    body = ";\n".join(["BEGIN", *fact.before, fact.sql, "COMMIT"]) + ";\n"
    return lint([SETUP, body], postgres_version=major)


@pytest.mark.parametrize("fact", FACTS, ids=[f.sql[:80] for f in FACTS])
def test_rules_agree_with_the_server(schema: Server, lint: Callable[..., CheckResult], fact: Fact) -> None:
    seen = observe(schema, fact)
    assert (seen.lock, seen.rewrite, seen.scan) == (fact.lock, fact.rewrite, fact.scan), "the case's facts are wrong"
    result = lint_fact(lint, fact, schema.major)
    last = list(result.summary["formats"])[-1]
    findings = [f for f in result.findings if f.location and f.location.path == last
                and f.metadata["statement"] == " ".join(fact.sql.split())]
    rules = {f.rule_id for f in findings}
    assert set(fact.fires) <= rules, f"expected {fact.fires}, got {sorted(rules)}"
    assert not set(fact.quiet) & rules, f"{set(fact.quiet) & rules} fired"
    # A rewrite is reported exactly when the server rewrites, except CLUSTER and VACUUM FULL before
    # PostgreSQL 19: they rewrite, but there is no online form (REPACK CONCURRENTLY) to point to.
    no_online_form = fact.sql.startswith(("CLUSTER", "VACUUM")) and schema.major < REPACK_VERSION
    assert bool(rules & set(REWRITE_RULES)) == (seen.rewrite and not no_online_form), sorted(rules)
    # Waiting for ACCESS EXCLUSIVE without lock_timeout is reported exactly when the server takes it
    # (when statements run before it, the lock may be theirs).
    if not fact.before:
        assert ("lock-timeout-missing" in rules) == (seen.lock == ACCESS_EXCLUSIVE), sorted(rules)
    # Every finding names the lock the server took, for the rules that are about this statement's lock.
    for finding in findings:
        if finding.rule_id in fact.fires and finding.rule_id != "validate-in-same-transaction":
            assert finding.metadata["lock"] == seen.lock, (finding.rule_id, finding.metadata["lock"])


def test_set_not_null_after_a_validated_check_does_not_scan(schema: Server, lint: Callable[..., CheckResult]) -> None:
    fact = Fact("ALTER TABLE orders ALTER COLUMN status SET NOT NULL", ACCESS_EXCLUSIVE,
                before=["ALTER TABLE orders VALIDATE CONSTRAINT status_nn"])
    cur = schema.conn.cursor()
    cur.execute("ALTER TABLE orders VALIDATE CONSTRAINT status_nn")  # committed: a migration of its own
    schema.notes.clear()
    cur.execute("SET client_min_messages = debug1")
    cur.execute(fact.sql)
    cur.execute("SET client_min_messages = notice")
    assert any("sufficient to prove" in n for n in schema.notes)
    assert not any(n.startswith("verifying table") for n in schema.notes)
    result = lint([SETUP, "ALTER TABLE orders VALIDATE CONSTRAINT status_nn;", fact.sql + ";"], postgres_version=schema.major)
    assert "set-not-null-without-check" not in {f.rule_id for f in result.findings}


def run_script(server: Server, statements: list[str]) -> str | None:
    """Run statements one by one as psql would; the first error's message, or None."""
    cur = server.conn.cursor()
    try:
        for statement in statements:
            cur.execute(statement)
    except psycopg.Error as exc:
        return str(exc.diag.message_primary)
    finally:
        if server.conn.info.transaction_status:
            cur.execute("ROLLBACK")
    return None


@pytest.mark.parametrize(("statements", "error", "rule", "options"), [
    (["BEGIN", "CREATE INDEX CONCURRENTLY orders_total ON orders (total)", "COMMIT"],
     "cannot run inside a transaction block", "concurrently-in-transaction", {}),
    (["CREATE INDEX CONCURRENTLY orders_total ON orders (total)"], None, "concurrently-in-transaction", {}),
    (["BEGIN", "DROP INDEX CONCURRENTLY orders_code", "COMMIT"],
     "cannot run inside a transaction block", "concurrently-in-transaction", {}),
    # One multi-statement query runs as one implicit transaction: what implicit_transaction models.
    (["CREATE INDEX CONCURRENTLY orders_total ON orders (total); SELECT 1"],
     "cannot run inside a transaction block", "concurrently-in-transaction", {"implicit_transaction": True}),
    (["ALTER TABLE orders ADD COLUMN must text NOT NULL"], "contains null values",
     "add-column-not-null-without-default", {}),
    (["ALTER TABLE orders ADD COLUMN must text NOT NULL DEFAULT 'x'"], None, "add-column-not-null-without-default", {}),
    (["BEGIN", "ALTER TYPE order_state ADD VALUE 'refunded'", "COMMIT"], None, "enum-value-in-transaction", {}),
    (["BEGIN", "BEGIN", "COMMIT"], None, "transaction-nesting", {}),
])
def test_errors_agree_with_the_server(schema: Server, lint: Callable[..., CheckResult], statements: list[str],
                                      error: str | None, rule: str, options: dict[str, object]) -> None:
    message = run_script(schema, statements)
    if error is None:
        assert message is None, message
    else:
        assert message is not None and error in message, message
    result = lint([SETUP, ";\n".join(statements) + ";\n"], postgres_version=schema.major, **options)
    fired = rule in {f.rule_id for f in result.findings if f.location and "0002" in f.location.path}
    # transaction-nesting is a warning the server tolerates; every other rule here predicts the error.
    assert fired == (error is not None or rule == "transaction-nesting"), (rule, message)


def test_vacuum_full_rewrites_the_table(schema: Server, lint: Callable[..., CheckResult]) -> None:
    cur = schema.conn.cursor()
    cur.execute("SELECT pg_relation_filenode('orders')")
    before = cur.fetchone()[0]
    cur.execute("VACUUM FULL orders")  # cannot run in a transaction: observed through the new file
    cur.execute("SELECT pg_relation_filenode('orders')")
    assert cur.fetchone()[0] != before
    assert "vacuum-full" in {f.rule_id for f in lint([SETUP, "VACUUM FULL orders;"], postgres_version=19).findings}
    at_server = {f.rule_id for f in lint([SETUP, "VACUUM FULL orders;"], postgres_version=schema.major).findings}
    assert ("vacuum-full" in at_server) == (schema.major >= REPACK_VERSION)
    assert "lock-timeout-missing" in at_server  # the ACCESS EXCLUSIVE lock is still taken


def test_real_django_sqlmigrate_output(server: Server, tmp_path: Path) -> None:
    """``manage.py sqlmigrate`` run for real (it reads the migration history from the server)."""
    pytest.importorskip("django")
    project = Path(__file__).resolve().parent / "data" / "django_project"
    out = tmp_path / "migrations"
    subprocess.run([sys.executable, str(project / "sqlmigrate_all.py"), str(out)], check=True, cwd=project,
                   env={**os.environ, ENV: postgres_admin_url()}, timeout=120)
    assert (out / "0002_order_status.sql").read_text().startswith("BEGIN;\n--\n-- Add field status to order\n--\n")
    result = MigrationsCheck().run(CheckContext(root=tmp_path, options={"postgres_version": server.major}))
    assert result.status == "ok", result.error
    assert set(result.summary["formats"].values()) == {"django"}

    def rules(name: str) -> set[str]:
        return {f.rule_id for f in result.findings if f.location and f.location.path == f"migrations/{name}.sql"}

    assert rules("0001_initial") == {"prefer-text"}  # varchar(254) for the EmailField; tables are new
    assert rules("0002_order_status") == {
        "prefer-text", "lock-timeout-missing", "statement-timeout-missing", "constraint-without-not-valid",
        "create-index-not-concurrently", "access-exclusive-held",
    }  # the constant default needs no rewrite on 11+, varchar(254) -> varchar(320) none either
    assert rules("0003_status_index") == {"not-rerunnable"}  # atomic = False: no BEGIN around CONCURRENTLY
    assert rules("0004_total_index") == {"concurrently-in-transaction"}
