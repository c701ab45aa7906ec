"""Destructive changes: a table dropped, a column made nullable, an enum value appended."""

import sqlalchemy as sa
from alembic import op

revision = "r05"
down_revision = "r04"


def upgrade() -> None:
    op.alter_column("products", "price", nullable=True, existing_type=sa.Numeric(10, 2))
    op.execute("ALTER TYPE product_state ADD VALUE 'archived'")
    op.drop_index("products_weight_idx", table_name="products")
    op.drop_constraint("products_vendor_fk2", "products", type_="foreignkey")
    op.drop_constraint("products_vendor_id_fkey", "products", type_="foreignkey")
    op.drop_table("suppliers")
