"""The static reading of Python migrations agrees with the SQL Django's and Alembic's own tooling writes.

data/django_project holds two apps whose migrations use every Django operation the check reads
(``inventory`` exercises CreateModel with a many-to-many field, AddField, AlterField, RenameField,
indexes and constraints added, removed and renamed, unique_together, atomic = False with the
contrib.postgres concurrent operations, RunSQL, RunPython, SeparateDatabaseAndState, RenameModel,
AlterModelTable, RemoveField and DeleteModel). Django prints each migration with ``sqlmigrate`` and
applies it with ``migrate`` on the real PostgreSQL server, in a schema of its own; data/alembic_project
is printed revision by revision with ``alembic upgrade --sql`` and the whole script is run on the
server. For every migration the check's findings on the tool's SQL and on the ``.py`` file are the
same rules, with the differences the tools themselves explain (a RunPython has no SQL to print).

The server is the one ``.ci/postgres.sh`` starts (GATECHECK_TEST_POSTGRES_URL); under CI a missing
server is a failure, locally these tests skip without it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_backends import ENV, postgres_admin_url

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.migrations.check import MigrationsCheck
from gatecheck_plugins.migrations.source import parse_migration

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("django")
pytest.importorskip("alembic")

DATA = Path(__file__).resolve().parent / "data"
DJANGO = DATA / "django_project"
ALEMBIC = DATA / "alembic_project"
REVISIONS = ["r01", "r02", "r03", "r04", "r05"]


def rules_by_file(result: CheckResult) -> dict[str, set[str]]:
    assert result.status == "ok", result.error
    found: dict[str, set[str]] = {path: set() for path in result.summary["formats"]}
    for finding in result.findings:
        assert finding.location is not None
        found[finding.location.path].add(finding.rule_id)
    return found


@pytest.fixture
def schema() -> Iterator[str]:
    """An empty schema on the test server, dropped afterwards."""
    name = f"mig_tools_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=60) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    yield name
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=60) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


def test_django_static_reading_agrees_with_sqlmigrate_on_a_real_server(tmp_path: Path, schema: str) -> None:
    out = tmp_path / "sqlmigrate" / "migrations"
    env = {**os.environ, ENV: postgres_admin_url(), "GATECHECK_DJANGO_SCHEMA": schema}
    subprocess.run([sys.executable, str(DJANGO / "apply_and_print.py"), str(out)], check=True, cwd=DJANGO, env=env,
                   timeout=300)
    printed = rules_by_file(MigrationsCheck().run(CheckContext(root=out.parent, options={"python": False})))
    project = tmp_path / "project"
    shutil.copytree(DJANGO, project, ignore=shutil.ignore_patterns("__pycache__"))
    static = rules_by_file(MigrationsCheck().run(CheckContext(root=project, options={})))
    compared = 0
    for app in ("shop", "inventory"):
        for migration in sorted((DJANGO / app / "migrations").glob("0*.py")):
            from_py = static[f"{app}/migrations/{migration.name}"]
            from_sql = printed[f"migrations/{app}_{migration.stem}.sql"]
            expected = from_sql
            if migration.stem == "0006_data":
                # sqlmigrate prints RunPython as a comment; the static reading knows the function runs
                # while the ADD COLUMN before it holds ACCESS EXCLUSIVE on the table.
                expected = from_sql | {"access-exclusive-held"}
            assert from_py == expected, (app, migration.stem, sorted(from_py ^ expected))
            compared += 1
    assert compared == 11
    # What the rules predict, the server did: the one migration it refused is the one flagged.
    refused = sorted(p.stem for p in out.glob("*.error"))
    assert refused == ["shop_0004_total_index"]
    assert "cannot run inside a transaction block" in (out / "shop_0004_total_index.error").read_text()
    flagged = sorted(path for path, rules in static.items() if "concurrently-in-transaction" in rules)
    assert flagged == ["shop/migrations/0004_total_index.py"]
    # The hazards of the test app are there, by operation.
    inventory = {m.stem: static[f"inventory/migrations/{m.name}"] for m in (DJANGO / "inventory" / "migrations").glob("0*.py")}
    assert {"alter-column-type", "drop-not-null", "set-not-null-without-check", "rename-column",
            "access-exclusive-held"} <= inventory["0003_alter_fields"]
    assert {"unique-constraint-builds-index", "constraint-without-not-valid"} <= inventory["0004_indexes_constraints"]
    assert "not-rerunnable" in inventory["0005_concurrently"]
    assert "concurrently-in-transaction" not in inventory["0005_concurrently"]
    assert {"drop-column", "rename-table", "drop-table", "cascade", "constraint-without-not-valid"} <= \
        inventory["0007_remove_rename"]


def alembic_sql(revision_range: str) -> str:
    from alembic import command
    from alembic.config import Config

    buffer = io.StringIO()
    config = Config(output_buffer=buffer)
    config.set_main_option("script_location", str(ALEMBIC))
    config.set_main_option("sqlalchemy.url", "postgresql://migrator@db.invalid/shop")
    command.upgrade(config, revision_range, sql=True)
    return buffer.getvalue()


def test_alembic_static_reading_agrees_with_offline_sql_and_the_sql_runs(tmp_path: Path, schema: str) -> None:
    # One --sql file per revision, so that each is a session of its own as the static reading assumes.
    printed_dir = tmp_path / "offline" / "migrations"
    printed_dir.mkdir(parents=True)
    previous = "base"
    for number, revision in enumerate(REVISIONS, start=1):
        (printed_dir / f"{number:02d}_{revision}.sql").write_text(alembic_sql(f"{previous}:{revision}"
                                                                              if previous != "base" else revision))
        previous = revision
    printed = rules_by_file(MigrationsCheck().run(CheckContext(root=printed_dir.parent, options={"python": False})))
    project = tmp_path / "project"
    shutil.copytree(ALEMBIC, project / "alembic", ignore=shutil.ignore_patterns("__pycache__"))
    result = MigrationsCheck().run(CheckContext(root=project, options={}))
    static = rules_by_file(result)
    assert result.summary["not_checked"] == []
    for number, revision in enumerate(REVISIONS, start=1):
        [path] = [p for p in static if p.split("/")[-1].startswith(revision)]
        assert static[path] == printed[f"migrations/{number:02d}_{revision}.sql"], (revision, static[path])
    assert {"add-column-not-null-without-default", "add-column-rewrite", "alter-column-type", "drop-column",
            "rename-column", "set-not-null-without-check"} <= static["alembic/versions/r02_columns.py"]
    assert "validate-in-same-transaction" in static["alembic/versions/r03_indexes.py"]
    assert "concurrently-in-transaction" not in static["alembic/versions/r03_indexes.py"]  # autocommit_block
    assert {"drop-not-null", "drop-table", "enum-value-order"} <= static["alembic/versions/r05_cleanup.py"]
    # The revisions are real: Alembic's whole script runs on the server, statement by statement as psql
    # would run it (CREATE INDEX CONCURRENTLY outside Alembic's transactions).
    script = parse_migration(alembic_sql("base:head").encode(), "upgrade.sql")
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=60) as conn:
        conn.execute(f"SET search_path = {schema}")
        for statement in script.statements:
            conn.execute(statement.data[statement.start:statement.end].decode())
        tables = {row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()}
    assert tables == {"alembic_version", "products"}
