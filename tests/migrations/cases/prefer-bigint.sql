-- case violating: integer column
CREATE TABLE IF NOT EXISTS t17 (id bigint PRIMARY KEY, hits integer);

-- case violating: smallint column added
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN priority smallint;
COMMIT;

-- case violating: int foreign key
CREATE TABLE IF NOT EXISTS t17 (id bigint PRIMARY KEY, parent_id int REFERENCES t17 (id));

-- case violating: retyped to integer
CREATE TABLE t17 (id bigint PRIMARY KEY, hits numeric);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE t17 ALTER COLUMN hits TYPE integer;
COMMIT;

-- case clean: bigint columns
CREATE TABLE IF NOT EXISTS t17 (id bigint PRIMARY KEY, hits bigint NOT NULL DEFAULT 0);

-- case clean: numeric and boolean
CREATE TABLE IF NOT EXISTS t17 (id bigint PRIMARY KEY, ratio numeric, on_sale boolean);

-- case clean: bigint added
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN priority bigint;
COMMIT;
