-- case violating: varchar(n)
CREATE TABLE IF NOT EXISTS t18 (id bigint PRIMARY KEY, name varchar(100));

-- case violating: char(n)
CREATE TABLE IF NOT EXISTS t18 (id bigint PRIMARY KEY, country char(2));

-- case violating: character varying added
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN ref character varying(40);
COMMIT;

-- case clean: text
CREATE TABLE IF NOT EXISTS t18 (id bigint PRIMARY KEY, name text);

-- case clean: varchar without limit
CREATE TABLE IF NOT EXISTS t18 (id bigint PRIMARY KEY, name varchar);

-- case clean: text with a CHECK on its length
CREATE TABLE IF NOT EXISTS t18 (id bigint PRIMARY KEY, country text CHECK (char_length(country) = 2));
