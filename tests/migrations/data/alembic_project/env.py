"""Alembic environment of the test project: offline (`--sql`) only, one transaction per revision."""

from alembic import context

context.configure(
    url=context.config.get_main_option("sqlalchemy.url"),
    literal_binds=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
