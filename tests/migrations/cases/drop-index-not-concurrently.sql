-- case violating: plain DROP INDEX
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
CREATE INDEX orders_s ON orders (status);

-- next-file
DROP INDEX orders_s;

-- case violating: DROP INDEX IF EXISTS
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
DROP INDEX IF EXISTS orders_s;

-- case violating: two indexes in one statement
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
DROP INDEX IF EXISTS orders_a, orders_b;

-- case clean: DROP INDEX CONCURRENTLY
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
DROP INDEX CONCURRENTLY IF EXISTS orders_s;

-- case clean: index created in the same migration
BEGIN;
CREATE TABLE tmp_codes (code text PRIMARY KEY);
CREATE INDEX tmp_codes_lower ON tmp_codes (lower(code));
DROP INDEX tmp_codes_lower;
COMMIT;

-- case clean: concurrently, without IF EXISTS as the only statement
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
DROP INDEX CONCURRENTLY IF EXISTS public.orders_s;
