-- case violating: two CREATE TABLEs outside a transaction
CREATE TABLE a1 (id bigint);
CREATE TABLE a2 (id bigint);

-- case violating: CREATE INDEX CONCURRENTLY without IF NOT EXISTS
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY orders_s ON orders (status);

-- case violating: ADD COLUMN then an index build
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_memo ON orders (memo);

-- case violating: DROP TABLE then more work
-- options: {"disable": ["drop-table"]}
SET lock_timeout = '2s';
SET statement_timeout = '30s';
DROP TABLE legacy;
CREATE TABLE IF NOT EXISTS legacy2 (id bigint);

-- case clean: idempotent statements
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS memo text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_memo ON orders (memo);

-- case clean: one transaction
BEGIN;
CREATE TABLE a1 (id bigint);
CREATE TABLE a2 (id bigint);
COMMIT;

-- case clean: a single DDL after settings
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case clean: constraint re-added after DROP IF EXISTS
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS c;
ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;
