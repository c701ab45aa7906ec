-- case violating: ALTER without lock_timeout
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case violating: lock_timeout 0
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = 0;
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case violating: SET LOCAL ended with its transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
COMMIT;
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case violating: set in an earlier file only
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
SET lock_timeout = '2s';

-- next-file
SET statement_timeout = '30s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS c;

-- case violating: LOCK TABLE ACCESS EXCLUSIVE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL statement_timeout = '30s';
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
COMMIT;

-- case clean: SET lock_timeout first
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case clean: set_config
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SELECT set_config('lock_timeout', '2s', false);
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case clean: SET LOCAL inside the transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ALTER COLUMN note SET DEFAULT '';
COMMIT;

-- case clean: weaker lock: VALIDATE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;

-- next-file
SET statement_timeout = '30s';
ALTER TABLE orders VALIDATE CONSTRAINT c;
