-- case violating: RENAME TO
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders RENAME TO purchases;
COMMIT;

-- case violating: schema-qualified rename
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE shop.items RENAME TO products;
COMMIT;

-- case violating: rename IF EXISTS
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE IF EXISTS legacy RENAME TO legacy_old;
COMMIT;

-- case clean: rename a new table
BEGIN;
CREATE TABLE t6 (a bigint);
ALTER TABLE t6 RENAME TO t7;
COMMIT;

-- case clean: rename a view
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER VIEW order_totals RENAME TO order_sums;
COMMIT;

-- case clean: move a sequence
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER SEQUENCE IF EXISTS legacy_seq RENAME TO legacy_id_seq;
COMMIT;
