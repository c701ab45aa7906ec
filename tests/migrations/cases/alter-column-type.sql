-- case violating: integer to bigint
CREATE TABLE t (id bigint PRIMARY KEY, n bigint, code text, total numeric(12, 2));

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE t ALTER COLUMN total TYPE numeric(12, 4);
COMMIT;

-- case violating: text to integer with USING
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN note TYPE bigint USING note::bigint;
COMMIT;

-- case violating: type of a column the scan does not know
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE legacy ALTER COLUMN amount TYPE numeric;
COMMIT;

-- case violating: timestamp to timestamptz before 12
-- options: {"postgres_version": 11}
CREATE TABLE ev (id bigint PRIMARY KEY, at timestamp);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE ev ALTER COLUMN at TYPE timestamptz;
COMMIT;

-- case violating: shorter varchar
CREATE TABLE u (id bigint PRIMARY KEY, name varchar(100));

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE u ALTER COLUMN name TYPE varchar(50);
COMMIT;

-- case clean: varchar to text
CREATE TABLE u (id bigint PRIMARY KEY, name varchar(100));

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE u ALTER COLUMN name TYPE text;
COMMIT;

-- case clean: numeric precision up, same scale
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN total TYPE numeric(16, 2);
COMMIT;

-- case clean: type change on a new table
BEGIN;
CREATE TABLE t2 (n bigint);
ALTER TABLE t2 ALTER COLUMN n TYPE numeric;
COMMIT;

-- case clean: cidr to inet
CREATE TABLE hosts (id bigint PRIMARY KEY, net cidr);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE hosts ALTER COLUMN net TYPE inet;
COMMIT;
