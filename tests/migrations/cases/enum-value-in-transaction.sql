-- case violating: ADD VALUE in BEGIN on 11
-- options: {"postgres_version": 11}
BEGIN;
ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';
COMMIT;

-- case violating: implicit transaction on 10
-- options: {"postgres_version": 10, "implicit_transaction": true}
ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';

-- case violating: IF NOT EXISTS in a transaction on 11
-- options: {"postgres_version": 11}
START TRANSACTION;
ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'void' BEFORE 'paid';
COMMIT;

-- case clean: on 12+
BEGIN;
ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';
COMMIT;

-- case clean: outside a transaction on 11
-- options: {"postgres_version": 11}
ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';

-- case clean: type created in the same transaction
-- options: {"postgres_version": 11}
BEGIN;
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TYPE mood ADD VALUE 'happy' AFTER 'ok';
COMMIT;
