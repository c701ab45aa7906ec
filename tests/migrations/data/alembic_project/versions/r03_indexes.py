"""Indexes and constraints, the safe way and the blocking way."""

import sqlalchemy as sa
from alembic import op

revision = "r03"
down_revision = "r02"


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.create_index("products_price_idx", "products", ["price"])
    op.create_unique_constraint("products_sku_key", "products", ["sku"])
    op.create_foreign_key("products_vendor_fk2", "products", "vendors", ["vendor_id"], ["id"], postgresql_not_valid=True)
    op.create_check_constraint("products_price_pos", "products", "price >= 0", postgresql_not_valid=True)
    op.execute(sa.text("ALTER TABLE products VALIDATE CONSTRAINT products_price_pos"))
    with op.get_context().autocommit_block():
        op.create_index("products_sku_idx", "products", ["sku"], postgresql_concurrently=True, if_not_exists=True)
        op.drop_index("ix_products_title", table_name="products", postgresql_concurrently=True, if_exists=True)
        op.execute("ALTER TYPE product_state ADD VALUE IF NOT EXISTS 'retired' AFTER 'live'")
    op.drop_constraint("products_title_nonempty", "products", type_="check")
