-- case violating: ADD UNIQUE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);
COMMIT;

-- case violating: ADD PRIMARY KEY
CREATE TABLE legacy (id bigint NOT NULL);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE legacy ADD PRIMARY KEY (id);
COMMIT;

-- case violating: column added UNIQUE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN ref text UNIQUE;
COMMIT;

-- case violating: exclusion constraint
CREATE TABLE bookings (id bigint PRIMARY KEY, room bigint, during tstzrange);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
COMMIT;

-- case clean: USING INDEX after a concurrent build
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_code_key ON orders (code);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_key;
COMMIT;

-- case clean: primary key USING INDEX
CREATE TABLE legacy (id bigint NOT NULL);
-- next-file
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS legacy_id ON legacy (id);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_id;
COMMIT;

-- case clean: unique on a new table
BEGIN;
CREATE TABLE tags (name text);
ALTER TABLE tags ADD CONSTRAINT tags_name UNIQUE (name);
COMMIT;
