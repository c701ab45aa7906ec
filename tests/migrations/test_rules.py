"""Every rule: SQL that must fire it and SQL that must not, judged in the last migration file.

A case is (rule, sql, options). ``sql`` is one migration or a list of migrations applied in
order; only findings in the last one count, so earlier files set up state (a table created
before, a constraint validated before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gatecheck.model import CheckResult
from gatecheck_plugins.migrations.rules import RULES

Case = tuple[str, str | list[str], dict[str, Any]]

EXISTING = "CREATE TABLE orders (id bigint PRIMARY KEY, code varchar(20), total numeric(12, 2), note text, placed timestamp);"

FIRES: list[Case] = [
    ("create-index-not-concurrently", "CREATE INDEX orders_a ON orders (a);", {}),
    ("create-index-not-concurrently", "CREATE UNIQUE INDEX orders_u ON shop.orders (code);", {}),
    ("create-index-not-concurrently", [EXISTING, "CREATE INDEX orders_code ON orders (code);"], {}),
    ("concurrently-in-transaction", "BEGIN;\nCREATE INDEX CONCURRENTLY i ON orders (a);\nCOMMIT;", {}),
    ("concurrently-in-transaction", "BEGIN;\nDROP INDEX CONCURRENTLY orders_a;\nCOMMIT;", {}),
    ("concurrently-in-transaction", "START TRANSACTION;\nREINDEX INDEX CONCURRENTLY orders_a;\nEND;", {}),
    ("concurrently-in-transaction", "BEGIN;\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;\nCOMMIT;", {}),
    ("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY i ON orders (a);", {"implicit_transaction": True}),
    ("drop-index-not-concurrently", "DROP INDEX orders_a;", {}),
    ("drop-index-not-concurrently", "DROP INDEX IF EXISTS orders_a, orders_b;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN r float8 DEFAULT random() * 10;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT clock_timestamp();", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN n serial;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN n bigserial;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (total * 2) STORED;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN flag int DEFAULT 0;", {"postgres_version": 10}),
    ("add-column-not-null-without-default", "ALTER TABLE orders ADD COLUMN status text NOT NULL;", {}),
    ("add-column-not-null-without-default", "ALTER TABLE orders ADD COLUMN status text DEFAULT NULL NOT NULL;", {}),
    ("alter-column-type", "ALTER TABLE orders ALTER COLUMN total TYPE bigint;", {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN id TYPE int;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE varchar(10);"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 4);"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN note TYPE int USING note::int;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE text USING upper(code);"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN placed TYPE timestamptz;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN placed TYPE timestamptz;"], {"postgres_version": 11}),
    ("constraint-without-not-valid",
     "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);", {}),
    ("constraint-without-not-valid", "ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total >= 0);", {}),
    ("constraint-without-not-valid", "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);", {}),
    ("constraint-without-not-valid", "ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0);", {}),
    ("constraint-without-not-valid", "ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);", {}),
    ("validate-in-same-transaction",
     "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\n"
     "ALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;", {}),
    ("validate-in-same-transaction",
     "BEGIN;\nALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n"
     "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;\nCOMMIT;", {}),
    ("validate-in-same-transaction",
     "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;",
     {"implicit_transaction": True}),
    ("validate-in-same-transaction",
     "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nCOMMIT AND CHAIN;\n"
     "ALTER TABLE orders ADD CONSTRAINT d CHECK (total < 1e9) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT d;\n"
     "COMMIT;", {}),
    ("set-not-null-without-check", "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", {}),
    ("set-not-null-without-check",
     "ALTER TABLE orders ADD CONSTRAINT status_nn CHECK (status IS NOT NULL) NOT VALID;\n"
     "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", {}),
    ("set-not-null-without-check",
     ["ALTER TABLE orders ADD CONSTRAINT note_nn CHECK (note IS NOT NULL) NOT VALID;",
      "ALTER TABLE orders VALIDATE CONSTRAINT note_nn;",
      "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"], {}),
    ("set-not-null-without-check",
     ["ALTER TABLE orders ADD CONSTRAINT status_nn CHECK (status IS NOT NULL) NOT VALID;",
      "ALTER TABLE orders VALIDATE CONSTRAINT status_nn;",
      "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"], {"postgres_version": 11}),
    ("set-not-null-without-check", "ALTER TABLE orders ADD CONSTRAINT status_nn NOT NULL status;", {"postgres_version": 18}),
    ("unique-constraint-builds-index", "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);", {}),
    ("unique-constraint-builds-index", "ALTER TABLE orders ADD PRIMARY KEY (id);", {}),
    ("unique-constraint-builds-index", "ALTER TABLE orders ADD COLUMN ref text UNIQUE;", {}),
    ("unique-constraint-builds-index", "ALTER TABLE bookings ADD EXCLUDE USING gist (room WITH =, during WITH &&);", {}),
    ("drop-column", "ALTER TABLE orders DROP COLUMN note;", {}),
    ("drop-column", "ALTER TABLE orders DROP COLUMN IF EXISTS note;", {}),
    ("rename-column", "ALTER TABLE orders RENAME COLUMN note TO remark;", {}),
    ("drop-table", "DROP TABLE orders;", {}),
    ("drop-table", "DROP TABLE IF EXISTS legacy.orders;", {}),
    ("rename-table", "ALTER TABLE orders RENAME TO purchases;", {}),
    ("truncate", "TRUNCATE orders;", {}),
    ("truncate", "TRUNCATE TABLE orders, items RESTART IDENTITY;", {}),
    ("cascade", "DROP TABLE orders CASCADE;", {}),
    ("cascade", "TRUNCATE orders CASCADE;", {}),
    ("cascade", "DROP VIEW order_totals CASCADE;", {}),
    ("cascade", "ALTER TABLE orders DROP COLUMN note CASCADE;", {}),
    ("cascade", "ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE;", {}),
    ("vacuum-full", "VACUUM FULL orders;", {}),
    ("vacuum-full", "VACUUM (FULL, ANALYZE) orders;", {}),
    ("vacuum-full", "VACUUM FULL;", {}),
    ("cluster", "CLUSTER orders USING orders_pkey;", {}),
    ("cluster", "CLUSTER;", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id serial PRIMARY KEY);", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id integer, name text, PRIMARY KEY (id));", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id smallint PRIMARY KEY);", {}),
    ("prefer-bigint-primary-key", "ALTER TABLE orders ADD COLUMN id2 int PRIMARY KEY;", {}),
    ("prefer-text", "CREATE TABLE items (code varchar(20));", {}),
    ("prefer-text", "CREATE TABLE items (code character varying(20));", {}),
    ("prefer-text", "CREATE TABLE items (country char(2));", {}),
    ("prefer-text", "ALTER TABLE orders ADD COLUMN c varchar(10);", {}),
    ("prefer-timestamptz", "CREATE TABLE items (at timestamp);", {}),
    ("prefer-timestamptz", "CREATE TABLE items (at timestamp(3) without time zone);", {}),
    ("prefer-timestamptz", "ALTER TABLE orders ADD COLUMN at timestamp;", {}),
    ("lock-timeout-missing", "ALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET lock_timeout = '0ms';\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET lock_timeout = '2s';\nRESET lock_timeout;\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET lock_timeout = '2s';\nRESET ALL;\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET lock_timeout TO DEFAULT;\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing",
     "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT;\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", ["SET lock_timeout = '2s';", "ALTER TABLE orders ADD COLUMN note text;"], {}),
    ("lock-timeout-missing", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;", {}),
    ("lock-timeout-missing", "DROP TABLE orders;", {}),
    ("lock-timeout-missing", "CREATE TABLE events_2030 PARTITION OF events FOR VALUES FROM (2030) TO (2031);", {}),
    ("lock-timeout-missing", "ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'none';", {}),
    ("rewrite-table", "ALTER TABLE orders SET TABLESPACE fast_disk;", {}),
    ("rewrite-table", "ALTER TABLE orders SET LOGGED;", {}),
    ("rewrite-table", "ALTER TABLE orders SET UNLOGGED;", {}),
    ("reindex-not-concurrently", "REINDEX TABLE orders;", {}),
    ("reindex-not-concurrently", "REINDEX INDEX orders_pkey;", {}),
    ("refresh-matview-not-concurrently", "REFRESH MATERIALIZED VIEW order_stats;", {}),
    ("detach-partition-not-concurrently", "ALTER TABLE events DETACH PARTITION events_2020;", {}),
    ("enum-value-in-transaction", "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;", {"postgres_version": 11}),
    ("access-exclusive-held",
     "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note ON orders (note);\nCOMMIT;", {}),
    ("access-exclusive-held",
     "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN flag bool;\nUPDATE orders SET flag = true;\n"
     "COMMIT;", {}),
    ("access-exclusive-held",
     "ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE items VALIDATE CONSTRAINT items_qty;",
     {"implicit_transaction": True}),
    ("access-exclusive-held",
     "BEGIN;\nALTER TABLE orders RENAME COLUMN a TO b;\nINSERT INTO archive SELECT * FROM orders;\nCOMMIT;", {}),
    ("uncommitted-transaction", "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n", {}),
    ("prefer-identity", "CREATE TABLE items (id bigserial PRIMARY KEY);", {}),
    ("prefer-identity", "ALTER TABLE orders ADD COLUMN n serial;", {}),
    ("drop-database", "DROP DATABASE shop;", {}),
    ("transaction-nesting", "BEGIN;\nBEGIN;\nCOMMIT;", {}),
    ("transaction-nesting", "COMMIT;", {}),
    ("transaction-nesting", "ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nSELECT 1;", {"implicit_transaction": True}),
]

QUIET: list[Case] = [
    ("create-index-not-concurrently", "CREATE INDEX CONCURRENTLY orders_a ON orders (a);", {}),
    ("create-index-not-concurrently", "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);", {}),
    ("create-index-not-concurrently", "CREATE TABLE s.t (a int);\nCREATE INDEX t_a ON s.t (a);", {}),
    ("create-index-not-concurrently", "CREATE TABLE public.t (a int);\nCREATE INDEX t_a ON t (a);", {}),
    ("create-index-not-concurrently", "CREATE TABLE t AS SELECT 1 AS a;\nCREATE INDEX t_a ON t (a);", {}),
    ("concurrently-in-transaction", "BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON orders (a);", {}),
    ("concurrently-in-transaction", "BEGIN;\nSELECT 1;\nROLLBACK;\nDROP INDEX CONCURRENTLY i;", {}),
    ("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY i ON orders (a);\nREINDEX TABLE CONCURRENTLY orders;", {}),
    ("drop-index-not-concurrently", "DROP INDEX CONCURRENTLY orders_a;", {}),
    ("drop-index-not-concurrently", "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nDROP INDEX t_a;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN flag int DEFAULT 0;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT now();", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN tags text[] DEFAULT '{}'::text[];", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN note text;", {"postgres_version": 10}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;", {"postgres_version": 10}),
    ("add-column-rewrite", "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id bigserial;", {}),
    ("add-column-rewrite", "ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (total * 2) VIRTUAL;",
     {"postgres_version": 18}),
    ("add-column-not-null-without-default", "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';", {}),
    ("add-column-not-null-without-default", "ALTER TABLE orders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY NOT NULL;", {}),
    ("add-column-not-null-without-default", "ALTER TABLE orders ADD COLUMN n bigserial NOT NULL;", {}),
    ("add-column-not-null-without-default", "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int NOT NULL;", {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE text;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE varchar;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN total TYPE numeric(14, 2);"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN total TYPE numeric;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE varchar(40) USING code;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN note TYPE varchar;"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders ALTER COLUMN code TYPE varchar(30);",
                           "ALTER TABLE orders ALTER COLUMN code TYPE varchar(50);"], {}),
    ("alter-column-type", [EXISTING, "ALTER TABLE orders RENAME COLUMN code TO sku;",
                           "ALTER TABLE orders ALTER COLUMN sku TYPE text;"], {}),
    ("alter-column-type", "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;", {}),
    ("constraint-without-not-valid",
     "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
     {}),
    ("constraint-without-not-valid", "ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total >= 0) NOT VALID;", {}),
    ("constraint-without-not-valid", "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", {}),
    ("constraint-without-not-valid",
     "CREATE TABLE t (a bigint);\nALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES customers (id);", {}),
    ("constraint-without-not-valid", "CREATE DOMAIN d AS int;\nALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);", {}),
    ("constraint-without-not-valid", "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;", {}),
    ("validate-in-same-transaction",
     "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nCOMMIT;\n"
     "BEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;", {}),
    ("validate-in-same-transaction",
     "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;", {}),
    ("validate-in-same-transaction",
     ["ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;", "ALTER TABLE orders VALIDATE CONSTRAINT c;"],
     {"implicit_transaction": True}),
    ("set-not-null-without-check",
     ["ALTER TABLE orders ADD CONSTRAINT status_nn CHECK (status IS NOT NULL) NOT VALID;",
      "ALTER TABLE orders VALIDATE CONSTRAINT status_nn;",
      "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT status_nn;"], {}),
    ("set-not-null-without-check",
     ["ALTER TABLE orders ADD CONSTRAINT both_nn CHECK (total > 0 AND status IS NOT NULL) NOT VALID;",
      "ALTER TABLE orders VALIDATE CONSTRAINT both_nn;",
      "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"], {}),
    ("set-not-null-without-check",
     "BEGIN;\nALTER TABLE orders ADD CONSTRAINT status_nn CHECK (status IS NOT NULL);\nCOMMIT;\n"
     "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", {}),
    ("set-not-null-without-check", "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;", {}),
    ("set-not-null-without-check", [EXISTING, "ALTER TABLE orders ALTER COLUMN id SET NOT NULL;"], {}),
    ("unique-constraint-builds-index",
     "CREATE UNIQUE INDEX CONCURRENTLY orders_code_key ON orders (code);\n"
     "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_key;", {}),
    ("unique-constraint-builds-index",
     "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;", {}),
    ("unique-constraint-builds-index", "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a);", {}),
    ("drop-column", "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;", {}),
    ("rename-column", "CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;", {}),
    ("drop-table", "CREATE TABLE scratch (a int);\nDROP TABLE scratch;", {}),
    ("drop-table", "DROP VIEW order_totals;", {}),
    ("rename-table", "CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;\nCREATE INDEX u_a ON u (a);", {}),
    ("truncate", "CREATE TABLE t (a int);\nTRUNCATE t;", {}),
    ("truncate", "DELETE FROM orders WHERE id < 10;", {}),
    ("cascade", "DROP VIEW order_totals;", {}),
    ("cascade", "CREATE TABLE t (a int);\nDROP TABLE t CASCADE;", {}),
    ("vacuum-full", "VACUUM orders;", {}),
    ("vacuum-full", "VACUUM (ANALYZE) orders;", {}),
    ("vacuum-full", "VACUUM (FULL false) orders;", {}),
    ("vacuum-full", "VACUUM (FULL 0) orders;", {}),
    ("vacuum-full", "ANALYZE orders;", {}),
    ("cluster", "CREATE TABLE t (a int PRIMARY KEY);\nCLUSTER t USING t_pkey;", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id bigint PRIMARY KEY);", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id bigserial PRIMARY KEY);", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id uuid PRIMARY KEY);", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY, n int, PRIMARY KEY (id));", {}),
    ("prefer-bigint-primary-key", "CREATE TABLE items (id bigint PRIMARY KEY, qty int NOT NULL);", {}),
    ("prefer-text", "CREATE TABLE items (code text);", {}),
    ("prefer-text", "CREATE TABLE items (code varchar);", {}),
    ("prefer-text", "CREATE TABLE items (code character varying);", {}),
    ("prefer-timestamptz", "CREATE TABLE items (at timestamptz);", {}),
    ("prefer-timestamptz", "CREATE TABLE items (at timestamp with time zone, d date, t time);", {}),
    ("lock-timeout-missing", "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET lock_timeout TO 5000;\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "SET SESSION lock_timeout = '1min';\nDROP TABLE orders;", {}),
    ("lock-timeout-missing", "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;", {}),
    ("lock-timeout-missing", "SELECT set_config('lock_timeout', '3s', false);\nALTER TABLE orders ADD COLUMN note text;", {}),
    ("lock-timeout-missing", "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;", {}),
    ("lock-timeout-missing", "ALTER TABLE orders VALIDATE CONSTRAINT c;", {}),
    ("lock-timeout-missing", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES c (id) NOT VALID;", {}),
    ("lock-timeout-missing", "ALTER TABLE orders ALTER COLUMN note SET STATISTICS 500;", {}),
    ("lock-timeout-missing", "CREATE INDEX CONCURRENTLY orders_a ON orders (a);", {}),
    ("lock-timeout-missing", "LOCK TABLE orders IN SHARE MODE;", {}),
    ("rewrite-table", "CREATE TABLE t (a int);\nALTER TABLE t SET TABLESPACE fast_disk;", {}),
    ("reindex-not-concurrently", "REINDEX TABLE CONCURRENTLY orders;", {}),
    ("reindex-not-concurrently", "CREATE TABLE t (a int);\nREINDEX TABLE t;", {}),
    ("refresh-matview-not-concurrently", "REFRESH MATERIALIZED VIEW CONCURRENTLY order_stats;", {}),
    ("refresh-matview-not-concurrently",
     "CREATE MATERIALIZED VIEW order_stats AS SELECT 1 AS n;\nREFRESH MATERIALIZED VIEW order_stats;", {}),
    ("detach-partition-not-concurrently", "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;", {}),
    ("detach-partition-not-concurrently", "ALTER TABLE events DETACH PARTITION events_2020;", {"postgres_version": 13}),
    ("enum-value-in-transaction", "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;", {"postgres_version": 12}),
    ("enum-value-in-transaction", "ALTER TYPE order_status ADD VALUE 'refunded';", {"postgres_version": 11}),
    ("access-exclusive-held",
     "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nUPDATE orders SET note = '';", {}),
    ("access-exclusive-held", "ALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '';", {}),
    ("access-exclusive-held",
     "BEGIN;\nCREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nCREATE INDEX t_b ON t (b);\nCOMMIT;", {}),
    ("access-exclusive-held",
     "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nINSERT INTO audit (msg) VALUES ('added');\nCOMMIT;", {}),
    ("access-exclusive-held",
     "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT AND CHAIN;\nUPDATE orders SET note = '';\nCOMMIT;", {}),
    ("uncommitted-transaction", "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;", {}),
    ("uncommitted-transaction", "ALTER TABLE orders ADD COLUMN note text;", {"implicit_transaction": True}),
    ("prefer-identity", "CREATE TABLE items (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);", {}),
    ("drop-database", "DROP SCHEMA staging;", {}),
    ("transaction-nesting", "BEGIN;\nCOMMIT;\nBEGIN;\nROLLBACK;", {}),
    ("transaction-nesting", "BEGIN;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nCOMMIT;", {}),
]


def _id(case: Case) -> str:
    sql = case[1] if isinstance(case[1], str) else " | ".join(case[1])
    return f"{case[0]}: {sql[:70]}"


@pytest.mark.parametrize("case", FIRES, ids=[_id(c) for c in FIRES])
def test_rule_fires(case: Case, lint: Callable[..., CheckResult], last_rules: Callable[[CheckResult], list[str]]) -> None:
    rule, sql, options = case
    assert rule in last_rules(lint(sql, **options))


@pytest.mark.parametrize("case", QUIET, ids=[_id(c) for c in QUIET])
def test_rule_stays_quiet(case: Case, lint: Callable[..., CheckResult], last_rules: Callable[[CheckResult], list[str]]) -> None:
    rule, sql, options = case
    assert rule not in last_rules(lint(sql, **options))


def test_every_rule_has_cases_both_ways() -> None:
    fired = {c[0] for c in FIRES}
    quiet = {c[0] for c in QUIET}
    assert set(RULES) == fired, f"rules without a firing case: {set(RULES) - fired}"
    assert set(RULES) == quiet, f"rules without a quiet case: {set(RULES) - quiet}"


def test_every_rule_documents_lock_reason_and_safe_pattern() -> None:
    for rule in RULES.values():
        assert rule.severity in ("critical", "high", "medium", "low", "info"), rule.id
        assert rule.lock and len(rule.why) > 40 and len(rule.safe) > 20, rule.id
        assert rule.references and all(r.startswith("https://www.postgresql.org/docs/") for r in rule.references), rule.id
