-- case violating: DETACH PARTITION
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE events DETACH PARTITION events_2020;
COMMIT;

-- case violating: schema-qualified
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE log.events DETACH PARTITION log.events_2019;
COMMIT;

-- case violating: on 14
-- options: {"postgres_version": 14}
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE events DETACH PARTITION events_2018;
COMMIT;

-- case clean: CONCURRENTLY
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;

-- case clean: before 14 there is no CONCURRENTLY
-- options: {"postgres_version": 13, "disable": ["lock-timeout-missing"]}
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE events DETACH PARTITION events_2020;
COMMIT;

-- case clean: FINALIZE
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE events DETACH PARTITION events_2020 FINALIZE;
