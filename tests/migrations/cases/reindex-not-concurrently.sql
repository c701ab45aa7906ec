-- case violating: REINDEX TABLE
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REINDEX TABLE orders;

-- case violating: REINDEX INDEX
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REINDEX INDEX orders_pkey;

-- case violating: REINDEX DATABASE
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REINDEX DATABASE shop;

-- case clean: REINDEX CONCURRENTLY
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REINDEX TABLE CONCURRENTLY orders;

-- case clean: REINDEX SYSTEM
REINDEX SYSTEM shop;

-- case clean: new table
BEGIN;
CREATE TABLE t9 (a bigint PRIMARY KEY);
REINDEX TABLE t9;
COMMIT;

-- case clean: REINDEX INDEX CONCURRENTLY
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REINDEX (VERBOSE) INDEX CONCURRENTLY orders_pkey;
