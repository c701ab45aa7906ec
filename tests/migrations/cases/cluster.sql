-- case violating: CLUSTER USING on 19
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
CLUSTER orders USING orders_pkey;

-- case violating: CLUSTER table
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
SET lock_timeout = '2s';
CLUSTER orders;

-- case violating: CLUSTER everything
-- options: {"postgres_version": 19}
CLUSTER;

-- case clean: new table
-- options: {"postgres_version": 19}
BEGIN;
CREATE TABLE t8 (a bigint PRIMARY KEY);
CLUSTER t8 USING t8_pkey;
COMMIT;

-- case clean: ALTER TABLE CLUSTER ON only marks the index
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders CLUSTER ON orders_pkey;
COMMIT;

-- case clean: SET WITHOUT CLUSTER
-- options: {"postgres_version": 19}
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders SET WITHOUT CLUSTER;
COMMIT;
