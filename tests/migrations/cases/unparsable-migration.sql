-- case violating: missing column definition
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
ALTER TABLE orders ADD COLUMN;

-- case violating: unterminated string
INSERT INTO orders (note) VALUES ('oops);

-- case violating: trailing comma
CREATE TABLE IF NOT EXISTS t21 (id bigint,);

-- case clean: semicolons inside strings and names
CREATE TABLE IF NOT EXISTS "a;b" (c text DEFAULT ';');

-- case clean: only comments
-- nothing yet
/* ; */

-- case clean: dollar-quoted function body
CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
