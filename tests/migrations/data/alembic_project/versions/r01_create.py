"""Create the catalogue: tables with an enum, a foreign key, an indexed and a unique column."""

import sqlalchemy as sa
from alembic import op

revision = "r01"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.BigInteger(), sa.ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False, index=True),
        sa.Column("state", sa.Enum("draft", "live", name="product_state"), nullable=False, server_default="draft"),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("length(title) > 0", name="products_title_nonempty"),
    )
    op.bulk_insert(
        sa.table("vendors", sa.column("name", sa.Text), sa.column("code", sa.String)),
        [{"name": "Acme", "code": "ACME"}],
    )
