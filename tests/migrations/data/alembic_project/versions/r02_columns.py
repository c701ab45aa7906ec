"""Columns added, retyped, renamed and dropped on tables that exist."""

import sqlalchemy as sa
from alembic import op

revision = "r02"
down_revision = "r01"


def upgrade() -> None:
    op.add_column("products", sa.Column("price", sa.Numeric(10, 2), nullable=False))
    op.add_column("products", sa.Column("sku", sa.String(40), nullable=True))
    op.add_column("products", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
    op.alter_column("products", "title", type_=sa.String(200), existing_type=sa.Text(), postgresql_using="title::varchar(200)")
    op.alter_column("products", "sku", nullable=False, existing_type=sa.String(40))
    op.alter_column("vendors", "code", new_column_name="vendor_code", existing_type=sa.String(12))
    op.alter_column("products", "state", server_default=None, existing_type=sa.Enum(name="product_state"))
    op.drop_column("vendors", "name")
