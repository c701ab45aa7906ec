"""Plugin ``migrations``: PostgreSQL migrations linted for locks, table rewrites and breaking changes.

The check is :class:`gatecheck_plugins.migrations.check.MigrationsCheck`. The SQL is parsed with
PostgreSQL's own grammar through pglast, an optional extra (GPL-3.0); without it the check
reports ``skipped`` with the install hint, never a silent pass.

Inputs (:mod:`.discovery`): ``.sql`` files under a configurable directory (hand-written,
``alembic upgrade --sql`` output, ``manage.py sqlmigrate`` output; :mod:`.source`), and Django
and Alembic migrations written in Python, read statically (:mod:`.django_reader`,
:mod:`.alembic_reader`: nothing of the project is imported or run) into the SQL the tool would
send. :mod:`.pipeline` runs one pass over the tree: every file is judged with the schema its
predecessors built (:mod:`.linter`); the rules and their PostgreSQL facts are in :mod:`.rules`;
:mod:`.report` turns hits into findings. A file that does not parse is a finding naming the file
and line, and every other file is still checked.
"""

from __future__ import annotations

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.migrations.check import MigrationsCheck, __version__

__all__ = ["__version__", "gatecheck_checks"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [MigrationsCheck()]
