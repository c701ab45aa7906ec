"""For every migration of the project, in Django's own plan order: write what `manage.py sqlmigrate`
prints for it into argv[1]/<app>_<name>.sql, then apply it with `manage.py migrate`. A migration the
server refuses (shop 0004 runs CREATE INDEX CONCURRENTLY in a transaction on purpose) gets the
server's message in <app>_<name>.error and is recorded as applied without running (`--fake`).

sqlmigrate asks the database for the names of constraints it drops, so each migration is printed
against a database that holds exactly the migrations before it. Run with this directory as the
working directory, GATECHECK_TEST_POSTGRES_URL set, and GATECHECK_DJANGO_SCHEMA naming an empty
schema (settings.py puts it first on the search_path).
"""

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django
import django.db
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

django.setup()
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
executor = MigrationExecutor(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
for migration, _backwards in plan:
    buffer = io.StringIO()
    call_command("sqlmigrate", migration.app_label, migration.name, stdout=buffer)
    (out / f"{migration.app_label}_{migration.name}.sql").write_text(buffer.getvalue())
    try:
        call_command("migrate", migration.app_label, migration.name, verbosity=0)
    except django.db.Error as exc:
        (out / f"{migration.app_label}_{migration.name}.error").write_text(str(exc))
        call_command("migrate", migration.app_label, migration.name, fake=True, verbosity=0)
