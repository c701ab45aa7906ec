-- case violating: plain index on an existing table
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
CREATE INDEX orders_status_idx ON orders (status);

-- case violating: unique index with timeouts set
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
CREATE UNIQUE INDEX orders_code_key ON orders (code);

-- case violating: partial index on a schema-qualified table
CREATE TABLE shop.items (id bigint PRIMARY KEY, sku text);

-- next-file
CREATE INDEX items_sku ON shop.items (sku) WHERE sku IS NOT NULL;

-- case violating: expression index in a transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
CREATE INDEX orders_lower_code ON orders (lower(code));
COMMIT;

-- case clean: concurrent build
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);

-- case clean: index on a table created in the same migration
BEGIN;
CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL);
CREATE INDEX audit_at ON audit (at);
COMMIT;

-- case clean: unique concurrent index
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_code_key ON orders (code);
