BEGIN;
--
-- Add field status to order
--
ALTER TABLE "shop_order" ADD COLUMN "status" varchar(20) DEFAULT 'new' NOT NULL;
ALTER TABLE "shop_order" ALTER COLUMN "status" DROP DEFAULT;
--
-- Add field coupon to order
--
ALTER TABLE "shop_order" ADD COLUMN "coupon_id" bigint NULL CONSTRAINT "shop_order_coupon_id_b64bb177_fk_shop_coupon_id" REFERENCES "shop_coupon"("id") DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS "shop_order_coupon_id_b64bb177_fk_shop_coupon_id" IMMEDIATE;
--
-- Alter field email on customer
--
ALTER TABLE "shop_customer" ALTER COLUMN "email" TYPE varchar(320);
--
-- Create index shop_order_placed_idx on field(s) placed_at of model order
--
CREATE INDEX "shop_order_placed_idx" ON "shop_order" ("placed_at");
CREATE INDEX "shop_order_coupon_id_b64bb177" ON "shop_order" ("coupon_id");
COMMIT;
