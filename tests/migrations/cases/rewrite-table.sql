-- case violating: SET TABLESPACE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders SET TABLESPACE fast;
COMMIT;

-- case violating: SET LOGGED
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders SET LOGGED;
COMMIT;

-- case violating: SET UNLOGGED
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders SET UNLOGGED;
COMMIT;

-- case violating: SET ACCESS METHOD
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders SET ACCESS METHOD heap2;
COMMIT;

-- case clean: new table
BEGIN;
CREATE TABLE fastlane (id bigint);
ALTER TABLE fastlane SET TABLESPACE fast;
COMMIT;

-- case clean: storage parameters only
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders SET (fillfactor = 90);
COMMIT;

-- case clean: statistics only
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN status SET STATISTICS 500;
COMMIT;
