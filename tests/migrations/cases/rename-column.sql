-- case violating: RENAME COLUMN
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders RENAME COLUMN note TO remark;
COMMIT;

-- case violating: rename without COLUMN
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders RENAME note TO remark;
COMMIT;

-- case violating: schema-qualified
CREATE TABLE app.users (id bigint PRIMARY KEY, mail text);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE app.users RENAME COLUMN mail TO email;
COMMIT;

-- case clean: rename on a new table
BEGIN;
CREATE TABLE t5 (a bigint);
ALTER TABLE t5 RENAME COLUMN a TO b;
COMMIT;

-- case clean: rename a constraint
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders RENAME CONSTRAINT c TO orders_total_pos;
COMMIT;

-- case clean: rename an index
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_s ON orders (status);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER INDEX orders_s RENAME TO orders_status_idx;
COMMIT;
