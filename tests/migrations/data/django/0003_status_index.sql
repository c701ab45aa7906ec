--
-- Concurrently create index shop_order_status_idx on field(s) status of model order
--
CREATE INDEX CONCURRENTLY "shop_order_status_idx" ON "shop_order" ("status");
