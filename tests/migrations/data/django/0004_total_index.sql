BEGIN;
--
-- Raw SQL operation
--
CREATE INDEX CONCURRENTLY shop_order_total_idx ON shop_order (total);
COMMIT;
