-- case violating: table name of 64 bytes
CREATE TABLE IF NOT EXISTS xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (id bigint);

-- case violating: index name too long
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_status_status_status_status_status_status_status_status_idx ON orders (status);

-- case violating: quoted non-ASCII name over 63 bytes
CREATE TABLE IF NOT EXISTS "üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü" (id bigint);

-- case violating: constraint name too long
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD CONSTRAINT cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc CHECK (total > 0) NOT VALID;
COMMIT;

-- case clean: 63 bytes exactly
CREATE TABLE IF NOT EXISTS xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (id bigint);

-- case clean: long string literal
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
COMMENT ON TABLE orders IS 'long words long words long words long words long words long words long words long words long words long words ';
COMMIT;

-- case clean: long comment
-- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
CREATE TABLE IF NOT EXISTS t15 (id bigint);

-- case clean: long quoted default value
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
COMMIT;
