-- case violating: DROP TABLE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP TABLE orders;
COMMIT;

-- case violating: DROP TABLE IF EXISTS
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP TABLE IF EXISTS legacy_orders;
COMMIT;

-- case violating: schema-qualified
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP TABLE archive.events;
COMMIT;

-- case clean: table created in the same migration
BEGIN;
CREATE TABLE scratch (id bigint);
DROP TABLE scratch;
COMMIT;

-- case clean: DROP VIEW
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP VIEW IF EXISTS order_totals;
COMMIT;

-- case clean: DROP SEQUENCE
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP SEQUENCE IF EXISTS legacy_seq;
COMMIT;
