-- case violating: SET NOT NULL without a check
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
COMMIT;

-- case violating: check not validated yet
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT s_nn CHECK (status IS NOT NULL) NOT VALID;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
COMMIT;

-- case violating: validated check but PostgreSQL 11
-- options: {"postgres_version": 11}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT s_nn CHECK (status IS NOT NULL) NOT VALID;
-- next-file
ALTER TABLE orders VALIDATE CONSTRAINT s_nn;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
COMMIT;

-- case violating: check on another column
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT n_nn CHECK (note IS NOT NULL) NOT VALID;
-- next-file
ALTER TABLE orders VALIDATE CONSTRAINT n_nn;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
COMMIT;

-- case clean: validated check first
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT s_nn CHECK (status IS NOT NULL) NOT VALID;
-- next-file
ALTER TABLE orders VALIDATE CONSTRAINT s_nn;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
COMMIT;

-- case clean: column already NOT NULL
CREATE TABLE t (id bigint PRIMARY KEY, s text NOT NULL);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE t ALTER COLUMN s SET NOT NULL;
COMMIT;

-- case clean: new table
BEGIN;
CREATE TABLE t3 (s text);
ALTER TABLE t3 ALTER COLUMN s SET NOT NULL;
COMMIT;
