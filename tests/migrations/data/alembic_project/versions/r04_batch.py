"""Batch operations (plain ALTERs on PostgreSQL), a rename and a drop."""

import sqlalchemy as sa
from alembic import op

revision = "r04"
down_revision = "r03"


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("weight", sa.Integer(), nullable=True))
        batch_op.alter_column("sku", new_column_name="stock_code", existing_type=sa.String(40))
        batch_op.drop_column("token")
        batch_op.create_index("products_weight_idx", ["weight"])
    op.rename_table("vendors", "suppliers")
    op.create_table("scratch", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.drop_table("scratch")
    op.execute("UPDATE products SET weight = 0 WHERE weight IS NULL")
