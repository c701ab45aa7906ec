-- case violating: NOT VALID then VALIDATE in one transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT c;
COMMIT;

-- case violating: foreign key validated in the same transaction
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);

-- next-file
BEGIN;
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
COMMIT;

-- case violating: file run as one transaction
-- options: {"implicit_transaction": true}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT c;

-- case clean: two transactions
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;
COMMIT;
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orders VALIDATE CONSTRAINT c;
COMMIT;

-- case clean: validation in the next migration
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);
ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders VALIDATE CONSTRAINT c;
COMMIT;

-- case clean: autocommit statements
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS c;
ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT c;
