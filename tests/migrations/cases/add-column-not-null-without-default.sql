-- case violating: NOT NULL without default
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN region text NOT NULL;
COMMIT;

-- case violating: explicit DEFAULT NULL
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN region text DEFAULT NULL NOT NULL;
COMMIT;

-- case violating: primary key column added
CREATE TABLE customers (id bigint, email text NOT NULL);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE customers ADD COLUMN uid uuid NOT NULL;
COMMIT;

-- case clean: NOT NULL with a constant default
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';
COMMIT;

-- case clean: nullable column
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN region text;
COMMIT;

-- case clean: NOT NULL on a new table
BEGIN;
CREATE TABLE regions (id bigint PRIMARY KEY);
ALTER TABLE regions ADD COLUMN name text NOT NULL;
COMMIT;
