-- case violating: ADD VALUE without position
ALTER TYPE order_state ADD VALUE 'refunded';

-- case violating: IF NOT EXISTS without position
ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded';

-- case violating: appended to a known enum
CREATE TYPE lvl AS ENUM ('low', 'high');

-- next-file
ALTER TYPE lvl ADD VALUE 'medium';

-- case clean: AFTER
ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';

-- case clean: BEFORE
CREATE TYPE lvl AS ENUM ('low', 'high');

-- next-file
ALTER TYPE lvl ADD VALUE 'medium' BEFORE 'high';

-- case clean: rename a value
ALTER TYPE order_state RENAME VALUE 'paid' TO 'settled';
