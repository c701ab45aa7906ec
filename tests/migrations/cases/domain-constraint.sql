-- case violating: CREATE DOMAIN with CHECK
CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);

-- case violating: CREATE DOMAIN NOT NULL
CREATE DOMAIN code AS text NOT NULL;

-- case violating: ALTER DOMAIN ADD CONSTRAINT NOT VALID
ALTER DOMAIN code ADD CONSTRAINT code_short CHECK (length(VALUE) < 10) NOT VALID;

-- case clean: plain domain
CREATE DOMAIN code AS text;

-- case clean: constraint on the table instead
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD CONSTRAINT code_short CHECK (length(code) < 10) NOT VALID;
COMMIT;

-- case clean: drop a domain constraint
ALTER DOMAIN code DROP CONSTRAINT IF EXISTS code_short;
