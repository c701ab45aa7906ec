-- case violating: VACUUM FULL on 19
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
VACUUM FULL orders;

-- case violating: option form
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
VACUUM (FULL, ANALYZE) orders;

-- case violating: whole database
-- options: {"postgres_version": 20}
SET lock_timeout = '2s';
VACUUM FULL;

-- case clean: plain VACUUM
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
VACUUM (ANALYZE) orders;

-- case clean: FULL false
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
VACUUM (FULL false) orders;

-- case clean: VACUUM FULL of a table created in the file
-- options: {"postgres_version": 19}
CREATE TABLE IF NOT EXISTS bulk (id bigint);
VACUUM FULL bulk;
