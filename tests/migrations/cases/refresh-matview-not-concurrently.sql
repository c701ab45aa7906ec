-- case violating: REFRESH
CREATE MATERIALIZED VIEW stats AS SELECT 1 AS n;

-- next-file
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REFRESH MATERIALIZED VIEW stats;

-- case violating: REFRESH WITH DATA
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REFRESH MATERIALIZED VIEW stats WITH DATA;

-- case violating: schema-qualified
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REFRESH MATERIALIZED VIEW report.daily;

-- case clean: CONCURRENTLY
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REFRESH MATERIALIZED VIEW CONCURRENTLY stats;

-- case clean: view created in this migration
BEGIN;
CREATE MATERIALIZED VIEW stats2 AS SELECT 1 AS n;
REFRESH MATERIALIZED VIEW stats2;
COMMIT;

-- case clean: CONCURRENTLY, schema-qualified
SET lock_timeout = '2s';
SET statement_timeout = '30s';
REFRESH MATERIALIZED VIEW CONCURRENTLY report.daily;
