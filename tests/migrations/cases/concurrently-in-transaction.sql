-- case violating: CREATE INDEX CONCURRENTLY in BEGIN/COMMIT
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_a ON orders (status);
COMMIT;

-- case violating: DROP INDEX CONCURRENTLY in a transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
CREATE INDEX orders_s ON orders (status);

-- next-file
BEGIN;
DROP INDEX CONCURRENTLY IF EXISTS orders_s;
COMMIT;

-- case violating: tool wraps the file in a transaction
-- options: {"implicit_transaction": true}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_a ON orders (status);

-- case violating: VACUUM in a transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
VACUUM orders;
COMMIT;

-- case violating: REINDEX CONCURRENTLY in a transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
START TRANSACTION;
REINDEX TABLE CONCURRENTLY orders;
COMMIT;

-- case clean: concurrent build after COMMIT
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
COMMIT;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_a ON orders (status);

-- case clean: concurrent build on its own
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_a ON orders (status);

-- case clean: VACUUM outside a transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
VACUUM (ANALYZE) orders;

-- case clean: ANALYZE in a transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
ANALYZE orders;
COMMIT;
