-- case violating: DROP NOT NULL
CREATE TABLE u (id bigint PRIMARY KEY, email text NOT NULL);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE u ALTER COLUMN email DROP NOT NULL;
COMMIT;

-- case violating: column history unknown
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE accounts ALTER COLUMN plan DROP NOT NULL;
COMMIT;

-- case violating: NOT NULL set by an earlier migration
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status DROP NOT NULL;
COMMIT;

-- case clean: nullable already
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
COMMIT;

-- case clean: new table
BEGIN;
CREATE TABLE t13 (a text NOT NULL);
ALTER TABLE t13 ALTER COLUMN a DROP NOT NULL;
COMMIT;

-- case clean: DROP DEFAULT instead
CREATE TABLE u (id bigint PRIMARY KEY, email text NOT NULL DEFAULT '');

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE u ALTER COLUMN email DROP DEFAULT;
COMMIT;
