-- case violating: timestamp
CREATE TABLE IF NOT EXISTS t19 (id bigint PRIMARY KEY, at timestamp);

-- case violating: timestamp without time zone added
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN shipped_at timestamp without time zone;
COMMIT;

-- case violating: timestamp(3)
CREATE TABLE IF NOT EXISTS t19 (id bigint PRIMARY KEY, at timestamp(3));

-- case clean: timestamptz
CREATE TABLE IF NOT EXISTS t19 (id bigint PRIMARY KEY, at timestamptz);

-- case clean: with time zone
CREATE TABLE IF NOT EXISTS t19 (id bigint PRIMARY KEY, at timestamp with time zone NOT NULL DEFAULT now());

-- case clean: date and time
CREATE TABLE IF NOT EXISTS t19 (id bigint PRIMARY KEY, day date, opens time);
