-- case violating: BEGIN twice
BEGIN;
BEGIN;
CREATE TABLE t11 (id bigint);
COMMIT;

-- case violating: COMMIT with nothing open
CREATE TABLE IF NOT EXISTS t11 (id bigint);
COMMIT;

-- case violating: COMMIT ends the tool's transaction
-- options: {"implicit_transaction": true}
CREATE TABLE t11 (id bigint);
COMMIT;
CREATE TABLE t12 (id bigint);

-- case clean: one pair
BEGIN;
CREATE TABLE t11 (id bigint);
COMMIT;

-- case clean: savepoints
BEGIN;
SAVEPOINT a;
CREATE TABLE t11 (id bigint);
RELEASE SAVEPOINT a;
COMMIT;

-- case clean: two pairs
BEGIN;
CREATE TABLE t11 (id bigint);
COMMIT;
BEGIN;
CREATE TABLE t12 (id bigint);
COMMIT;
