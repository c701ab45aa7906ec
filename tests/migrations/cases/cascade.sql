-- case violating: DROP TABLE CASCADE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP TABLE orders CASCADE;
COMMIT;

-- case violating: DROP VIEW CASCADE
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP VIEW order_totals CASCADE;
COMMIT;

-- case violating: TRUNCATE CASCADE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
TRUNCATE orders CASCADE;
COMMIT;

-- case violating: DROP COLUMN CASCADE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders DROP COLUMN note CASCADE;
COMMIT;

-- case clean: DROP VIEW RESTRICT
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP VIEW IF EXISTS order_totals RESTRICT;
COMMIT;

-- case clean: cascade on a table created here
BEGIN;
CREATE TABLE tmp (id bigint);
DROP TABLE tmp CASCADE;
COMMIT;

-- case clean: ON DELETE CASCADE foreign key on a new table
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);

-- next-file
BEGIN;
CREATE TABLE carts (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id) ON DELETE CASCADE);
COMMIT;
