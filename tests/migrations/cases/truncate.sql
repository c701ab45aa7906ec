-- case violating: TRUNCATE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
TRUNCATE orders;
COMMIT;

-- case violating: TRUNCATE TABLE two tables
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
TRUNCATE TABLE orders, items RESTART IDENTITY;
COMMIT;

-- case violating: TRUNCATE ONLY
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
TRUNCATE ONLY events;
COMMIT;

-- case clean: truncate a new table
BEGIN;
CREATE TABLE staging (id bigint);
TRUNCATE staging;
COMMIT;

-- case clean: bounded DELETE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DELETE FROM orders WHERE id < 100;
COMMIT;

-- case clean: DELETE of a new table's rows
BEGIN;
CREATE TABLE staging (id bigint);
DELETE FROM staging;
COMMIT;
