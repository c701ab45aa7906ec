-- case violating: CREATE TABLE without schema
-- options: {"require_schema": true}
CREATE TABLE IF NOT EXISTS invoices (id bigint);

-- case violating: ALTER TABLE without schema
-- options: {"require_schema": true}
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE invoices ADD COLUMN memo text;
COMMIT;

-- case violating: DROP TABLE without schema
-- options: {"require_schema": true, "disable": ["drop-table"]}
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
DROP TABLE IF EXISTS invoices;
COMMIT;

-- case violating: CREATE TABLE AS without schema
-- options: {"require_schema": true}
CREATE TABLE IF NOT EXISTS invoice_copy AS SELECT 1 AS n;

-- case clean: qualified names
-- options: {"require_schema": true}
CREATE TABLE IF NOT EXISTS billing.invoices (id bigint);

-- case clean: not required
CREATE TABLE IF NOT EXISTS invoices (id bigint);

-- case clean: temporary table
-- options: {"require_schema": true}
CREATE TEMP TABLE scratch (id bigint);
