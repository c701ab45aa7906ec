"""Django and Alembic migrations read from their Python source: never run, ordered by their graphs,
judged with the schema their predecessors built, and located at the operation's line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult
from gatecheck_plugins.migrations.check import MigrationsCheck

HEADER = "from django.db import migrations, models\n\n\n"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run(root: Path, **options: object) -> CheckResult:
    result = MigrationsCheck().run(CheckContext(root=root, options=dict(options)))
    assert result.status == "ok", result.error
    return result


def found(result: CheckResult, path: str) -> list[tuple[int, str]]:
    return sorted((f.location.start_line or 0, f.rule_id) for f in result.findings if f.location and f.location.path == path)


def django(deps: str, operations: str, *, atomic: bool = True) -> str:
    flag = "" if atomic else "    atomic = False\n"
    return (HEADER + "class Migration(migrations.Migration):\n" + flag + f"    dependencies = {deps}\n"
            + "    operations = [\n" + textwrap.indent(textwrap.dedent(operations).strip(), "        ") + "\n    ]\n")


CREATE = django("[]", """
    migrations.CreateModel("Order", [("id", models.BigAutoField(primary_key=True)),
                                     ("code", models.CharField(max_length=20)),
                                     ("total", models.IntegerField())]),
""")


def test_hostile_migration_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(tmp_path, {
        "shop/migrations/0001_initial.py": f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n" + CREATE,
        "shop/migrations/0002_code.py": django("[('shop', '0001_initial')]", f"""
            migrations.RunPython(__import__('pathlib').Path({str(marker)!r}).write_text),
            migrations.AddField("order", "note", models.TextField(default=open({str(marker)!r}, "w").write("y"))),
        """),
        "versions/abc_first.py": f"""
            import pathlib
            revision = "abc"
            down_revision = None
            pathlib.Path({str(marker)!r}).write_text("z")
            def upgrade():
                op.execute(pathlib.Path({str(marker)!r}).write_text("w"))
        """,
    })
    result = run(tmp_path)
    assert not marker.exists()
    assert set(result.summary["formats"].values()) == {"django-migration", "alembic-revision"}
    # The callable default is evaluated by Django when the migration runs: a constant, no rewrite.
    assert (5, "add-column-rewrite") not in found(result, "shop/migrations/0002_code.py")


def test_findings_point_at_the_operation_and_name_the_migration(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_changes.py": django("[('shop', '0001_initial')]", """
            migrations.AddIndex("order", models.Index(fields=["code"], name="order_code_idx")),
            migrations.AlterField("order", "code", models.CharField(max_length=40)),
            migrations.AlterField("order", "total", models.BigIntegerField()),
            migrations.RemoveField("order", "code"),
        """),
    })
    result = run(tmp_path)
    rules = found(result, "shop/migrations/0002_changes.py")
    assert (7, "create-index-not-concurrently") in rules
    assert not any(rule == "alter-column-type" and line == 8 for line, rule in rules)  # varchar widened in place
    assert (9, "alter-column-type") in rules  # integer -> bigint rewrites
    assert (10, "drop-column") in rules
    finding = next(f for f in result.findings if f.rule_id == "drop-column")
    assert finding.metadata["migration"] == "shop.0002_changes"
    assert finding.metadata["statement"] == 'ALTER TABLE "shop_order" DROP COLUMN "code" CASCADE'
    assert finding.metadata["format"] == "django-migration"


def test_django_migrations_are_ordered_by_their_dependencies_across_apps(tmp_path: Path) -> None:
    # "alpha" sorts first but depends on "zeta": linted in name order, the widening below would have no
    # known old type and be reported with low confidence.
    write(tmp_path, {
        "zeta/migrations/0001_initial.py": CREATE.replace('"Order"', '"Ledger"'),
        "alpha/migrations/0001_initial.py": django("[('zeta', '0001_initial')]", """
            migrations.AddField("note", "x", models.TextField(null=True)),
        """).replace("dependencies", "run_before = []\n    dependencies"),
        "zeta/migrations/0002_widen.py": django("[('zeta', '0001_initial'), ('alpha', '0001_initial')]", """
            migrations.AlterField("ledger", "code", models.CharField(max_length=80)),
        """),
    })
    result = run(tmp_path)
    assert list(result.summary["formats"]) == ["zeta/migrations/0001_initial.py", "alpha/migrations/0001_initial.py",
                                               "zeta/migrations/0002_widen.py"]
    assert "alter-column-type" not in {r for _, r in found(result, "zeta/migrations/0002_widen.py")}


def test_alembic_revisions_follow_down_revision_not_file_names(tmp_path: Path) -> None:
    write(tmp_path, {
        "alembic/versions/a_second.py": """
            import sqlalchemy as sa
            from alembic import op
            revision = "two"
            down_revision = "one"
            def upgrade():
                op.alter_column("orders", "code", type_=sa.String(80))
        """,
        "alembic/versions/b_first.py": """
            import sqlalchemy as sa
            from alembic import op
            revision = "one"
            down_revision = None
            def upgrade():
                op.create_table("orders", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                                sa.Column("code", sa.String(20)))
        """,
    })
    result = run(tmp_path)
    assert list(result.summary["formats"]) == ["alembic/versions/b_first.py", "alembic/versions/a_second.py"]
    assert "alter-column-type" not in {r for _, r in found(result, "alembic/versions/a_second.py")}
    assert result.findings[0].metadata["migration"] == "upgrade base -> one"


def test_a_python_syntax_error_is_a_finding_and_other_files_are_checked(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_broken.py": HEADER + "class Migration(migrations.Migration):\n    operations = [\n",
        "shop/migrations/0003_drop.py": django("[('shop', '0001_initial')]", 'migrations.DeleteModel("Order"),'),
        "shop/migrations/0004_bad_sql.py": django("[('shop', '0003_drop')]", '''
            migrations.RunSQL("""
                UPDATE shop_order SET code = 'x';
                ALTER TABLE shop_order ADD COLUMN;
            """),
        '''),
    })
    result = run(tmp_path)
    broken = sorted((f.location.path, f.location.start_line) for f in result.findings
                    if f.rule_id == "unparsable-migration" and f.location)
    # The SQL error is on the third line of the string that starts on line 7.
    assert broken == [("shop/migrations/0002_broken.py", 5), ("shop/migrations/0004_bad_sql.py", 9)]
    assert "invalid Python" in next(f.title for f in result.findings if f.location and "0002" in f.location.path)
    assert (7, "drop-table") in found(result, "shop/migrations/0003_drop.py")


def test_allow_comments_in_python_migrations(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_drop.py": django("[('shop', '0001_initial')]", """
            # gatecheck:allow drop-column,cascade the column is unused since release 41
            migrations.RemoveField("order", "code"),
            migrations.RunSQL("DROP TABLE legacy; -- gatecheck:allow drop-table emptied in 0001"),
        """),
    })
    result = run(tmp_path)
    rules = {r for _, r in found(result, "shop/migrations/0002_drop.py")}
    assert not rules & {"drop-column", "cascade", "drop-table"}
    assert sorted((a["rule_id"], a["line"]) for a in result.summary["allowed"]) == [
        ("cascade", 8), ("drop-column", 8), ("drop-table", 9)]
    write(tmp_path, {"shop/migrations/0003_typo.py": django("[('shop', '0002_drop')]", """
        # gatecheck:allow drop-colum typo
        migrations.RemoveField("order", "total"),
    """)})
    with pytest.raises(CheckFailed) as raised:
        run(tmp_path)
    assert "shop/migrations/0003_typo.py:7" in str(raised.value) and "drop-colum" in str(raised.value)


def test_what_cannot_be_read_statically_is_listed_not_dropped(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/migrations/0001_initial.py": "from myproject.ops import Backfill\nSQL = build_sql()\n" + CREATE.replace(
            "    ]\n", "        Backfill('order'),\n        migrations.RunSQL(SQL),\n    ]\n"),
    })
    result = run(tmp_path)
    reasons = [(n["line"], n["reason"].split(":")[0]) for n in result.summary["not_checked"]]
    assert reasons == [(12, "Backfill"), (13, "RunSQL with SQL that is not a literal string; not checked")]


def test_atomic_and_non_atomic_django_migrations(tmp_path: Path) -> None:
    index = 'migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS order_code ON shop_order (code)"),'
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_atomic.py": django("[('shop', '0001_initial')]", index),
        "shop/migrations/0003_not_atomic.py": django("[('shop', '0002_atomic')]", index, atomic=False),
    })
    result = run(tmp_path)
    assert found(result, "shop/migrations/0002_atomic.py") == [(7, "concurrently-in-transaction")]
    assert found(result, "shop/migrations/0003_not_atomic.py") == []


def test_runpython_after_a_schema_change_holds_the_lock(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_backfill.py": django("[('shop', '0001_initial')]", """
            migrations.AddField("order", "paid", models.BooleanField(null=True)),
            migrations.RunPython(backfill),
        """),
    })
    rules = found(run(tmp_path), "shop/migrations/0002_backfill.py")
    assert (8, "access-exclusive-held") in rules


def test_runpython_noop_forwards_runs_nothing_and_holds_no_lock(tmp_path: Path) -> None:
    """Found on django.contrib.contenttypes: RunPython(RunPython.noop, reverse) after a schema change
    was reported as code running under ACCESS EXCLUSIVE, though nothing runs forwards."""
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_backfill.py": django("[('shop', '0001_initial')]", """
            migrations.AddField("order", "paid", models.BooleanField(null=True)),
            migrations.RunPython(migrations.RunPython.noop, backfill),
        """),
    })
    rules = found(run(tmp_path), "shop/migrations/0002_backfill.py")
    assert not [r for r in rules if r[1] == "access-exclusive-held"], rules


def test_squashed_migration_stands_in_only_for_missing_history(tmp_path: Path) -> None:
    squashed = django("[]", CREATE.split("operations = [\n", 1)[1].rsplit("    ]", 1)[0]).replace(
        "    dependencies", "    replaces = [('shop', '0001_initial'), ('shop', '0002_drop')]\n    dependencies")
    write(tmp_path, {
        "shop/migrations/0001_initial.py": CREATE,
        "shop/migrations/0002_drop.py": django("[('shop', '0001_initial')]", 'migrations.RemoveField("order", "code"),'),
        "shop/migrations/0001_squashed_0002.py": squashed,
    })
    result = run(tmp_path)
    assert result.summary["squashed_or_replaced"] == ["shop/migrations/0001_squashed_0002.py"]
    (tmp_path / "shop/migrations/0001_initial.py").unlink()
    (tmp_path / "shop/migrations/0002_drop.py").unlink()
    assert list(run(tmp_path).summary["formats"]) == ["shop/migrations/0001_squashed_0002.py"]


def test_no_transaction_state_leaks_from_one_file_into_the_next(tmp_path: Path) -> None:
    write(tmp_path, {
        "migrations/0001_open.sql": "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN a text;\n",
        "migrations/0002_index.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_a ON orders (a);\n",
        "migrations/0003_alter.sql": "ALTER TABLE orders ADD COLUMN b text;\n",
    })
    result = run(tmp_path)
    assert found(result, "migrations/0001_open.sql") == [(1, "uncommitted-transaction"), (3, "statement-timeout-missing")]
    assert found(result, "migrations/0002_index.sql") == []
    assert (1, "lock-timeout-missing") in found(result, "migrations/0003_alter.sql")


def test_python_discovery_can_be_turned_off(tmp_path: Path) -> None:
    write(tmp_path, {"shop/migrations/0001_initial.py": CREATE, "migrations/0001.sql": "SELECT 1;\n"})
    assert list(run(tmp_path, python=False).summary["formats"]) == ["migrations/0001.sql"]
    assert "shop/migrations/0001_initial.py" in run(tmp_path).summary["formats"]
    (tmp_path / "shop/migrations/helpers.py").write_text("def backfill(apps, schema_editor):\n    pass\n")
    assert run(tmp_path).summary["python_files_not_migrations"] == ["shop/migrations/helpers.py"]


def test_shapes_seen_in_real_projects(tmp_path: Path) -> None:
    """From wagtail, django-allauth and django-oauth-toolkit: an app labelled differently from its
    directory, swapper's model names, a project's own CharField subclass, operations chosen by a setting."""
    write(tmp_path, {
        "wagtail/migrations/0001_initial.py": CREATE.replace('"Order"', '"Page"').replace("BigAutoField", "AutoField"),
        "wagtail/migrations/0002_secret.py": django("[('wagtailcore', '0001_initial')]", """
            migrations.AddField("page", "secret", models.CharField(max_length=255, db_index=True, null=True)),
        """),
        "wagtail/migrations/0003_secret_field.py": django("[('wagtailcore', '0002_secret')]", """
            migrations.AlterField("page", "secret", myapp.fields.SecretField(max_length=255, db_index=True,
                                                                             null=True, help_text="hashed")),
        """),
        "search/migrations/0001_initial.py": django("[('wagtailcore', '0001_initial')]", """
            migrations.CreateModel("Pick", [("id", models.BigAutoField(primary_key=True))]),
        """),
        "search/migrations/0002_page.py": django("[('search', '0001_initial')]", """
            migrations.AddField("pick", "page", models.ForeignKey(null=True, on_delete=models.CASCADE,
                                                                  to="wagtailcore.Page")),
        """),
        "search/migrations/0003_verbose.py": django("[('search', '0002_page')]", """
            migrations.AlterField("pick", "page", models.ForeignKey(null=True, on_delete=models.CASCADE,
                                                                    verbose_name="Page",
                                                                    to=swapper.get_model_name("wagtailcore", "Page"))),
        """),
        "search/migrations/0004_optional.py": django("[('search', '0003_verbose')]", "").replace(
            "operations = [\n\n    ]",
            'operations = (\n        [migrations.AddIndex("pick", models.Index(fields=["page"], name="pick_page"))]\n'
            '        if getattr(settings, "INDEX_PICKS", True)\n        else []\n    )'),
    })
    result = run(tmp_path)
    assert result.summary["not_checked"] == []
    by_file = {path: {r for _, r in found(result, path)} for path in result.summary["formats"]}
    # The FK to wagtailcore.Page (the app in wagtail/) has the type of that model's key: integer, from its
    # AutoField (a target the scan does not know would be taken as bigint).
    fk = next(f for f in result.findings if f.rule_id == "constraint-without-not-valid")
    assert 'REFERENCES "wagtailcore_page"("id")' in fk.metadata["statement"]
    assert '"page_id" integer NULL' in fk.metadata["statement"]
    # A verbose_name change through swapper is no database change; nor is a CharField subclass of the same length.
    assert by_file["search/migrations/0003_verbose.py"] == set()
    assert by_file["wagtail/migrations/0003_secret_field.py"] == set()
    # The operations a setting switches on are read as the rule the author wrote.
    assert "create-index-not-concurrently" in by_file["search/migrations/0004_optional.py"]


def test_alembic_shapes_seen_in_real_projects(tmp_path: Path) -> None:
    """From MLflow's revisions: existing_type/existing_nullable, dialect switches, helper functions,
    text() with bind parameters and DESC elements, tables named by a model attribute."""
    write(tmp_path, {
        "db/versions/r1.py": """
            import sqlalchemy as sa
            from alembic import op
            from app.models import SqlSpan
            revision = "r1"
            down_revision = None

            def _workspace_column():
                return sa.Column("workspace", sa.String(63), nullable=False)

            def _trigger():
                dialect = op.get_bind().dialect.name
                if dialect == "sqlite":
                    op.execute("CREATE TRIGGER t BEFORE UPDATE ON spans BEGIN SELECT RAISE(ABORT, 'no'); END")
                elif dialect == "postgresql":
                    op.execute("DROP TABLE IF EXISTS legacy_spans")

            def upgrade():
                op.create_table(SqlSpan.__tablename__, sa.Column("id", sa.BigInteger(), primary_key=True),
                                sa.Column("body", sa.Text().with_variant(sa.Text(), "mysql")))
                op.create_index(f"ix_{SqlSpan.__tablename__}", SqlSpan.__tablename__, [sa.text("id DESC")])
                op.add_column("runs", _workspace_column())
                op.alter_column("params", "value", existing_type=sa.String(250), type_=sa.String(500),
                                existing_nullable=False, nullable=False)
                op.execute(sa.text("UPDATE runs SET workspace = :name WHERE workspace IS NULL AND id::text <> ''"))
                _trigger()
        """,
    })
    result = run(tmp_path)
    assert result.summary["not_checked"] == [] and result.summary["unparsable"] == []
    rules = found(result, "db/versions/r1.py")
    # The helper's column is added NOT NULL without a default: fails once runs has rows.
    assert (22, "add-column-not-null-without-default") in rules
    # varchar(250) -> varchar(500), known from existing_type: no rewrite; already NOT NULL: no scan.
    assert not {r for line, r in rules if line == 23} & {"alter-column-type", "set-not-null-without-check"}
    # The table named by SqlSpan.__tablename__ is new in this revision: its index blocks nobody.
    assert "create-index-not-concurrently" not in {r for _, r in rules}
    # Only the PostgreSQL branch of the dialect switch is read (the SQLite trigger is not PostgreSQL); the
    # finding points at the statement in the helper.
    assert (16, "drop-table") in rules
