-- case violating: UPDATE SET twice
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
UPDATE orders SET status = 'a', status = 'b' WHERE id = 1;
COMMIT;

-- case violating: INSERT column list
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
INSERT INTO orders (code, note, code) VALUES ('a', 'b', 'c');
COMMIT;

-- case violating: CREATE TABLE column twice
CREATE TABLE IF NOT EXISTS t14 (id bigint, name text, Name text);

-- case violating: multi-column SET then single
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
UPDATE orders SET (status, note) = ('a', 'b'), note = 'c' WHERE id = 1;
COMMIT;

-- case clean: distinct columns
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
UPDATE orders SET status = 'a', note = 'b' WHERE id = 1;
COMMIT;

-- case clean: fields of a composite column
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
UPDATE shapes SET center.x = 0, center.y = 0 WHERE id = 1;
COMMIT;

-- case clean: same value in two rows
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
INSERT INTO orders (code, note) VALUES ('a', 'a'), ('b', 'b');
COMMIT;
