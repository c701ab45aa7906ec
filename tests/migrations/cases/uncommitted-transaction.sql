-- case violating: BEGIN without COMMIT
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint, code text, total numeric(12, 2), note text, status text, placed_at timestamptz);

-- next-file
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN memo text;

-- case violating: second transaction left open
BEGIN;
SELECT 1;
COMMIT;
BEGIN;
SELECT 2;

-- case violating: START TRANSACTION left open
START TRANSACTION;
CREATE TABLE t10 (id bigint);

-- case clean: committed
BEGIN;
CREATE TABLE t10 (id bigint);
COMMIT;

-- case clean: rolled back
BEGIN;
SELECT 1;
ROLLBACK;

-- case clean: tool wraps the file
-- options: {"implicit_transaction": true}
CREATE TABLE t10 (id bigint);
