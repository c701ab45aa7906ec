"""Inputs of the migrations check: Alembic and Django output, ordering, allow comments, bad input,
stable ids, the example project, options, and the check without its parser."""

from __future__ import annotations

import io
import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult
from gatecheck.runner import CheckRun, RunSettings, run_checks
from gatecheck_plugins.migrations.check import INSTALL_HINT, MigrationsCheck
from gatecheck_plugins.migrations.discovery import natural_key

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
Lint = Callable[..., CheckResult]


def run(root: Path, **options: object) -> CheckResult:
    return MigrationsCheck().run(CheckContext(root=root, options=dict(options)))


def by_line(result: CheckResult, path_suffix: str) -> list[tuple[int, str]]:
    return sorted(
        (f.location.start_line or 0, f.rule_id)
        for f in result.findings if f.location and f.location.path.endswith(path_suffix)
    )


# -- the example project -------------------------------------------------------------------------


def test_example_project_order_status_migration_is_flagged_and_initial_schema_is_clean() -> None:
    result = run(REPO / "examples" / "webapp")
    assert result.status == "ok"
    # New tables only: no hazard. The first CREATE TABLE outside a transaction cannot be re-run when
    # the second fails, which is advice (low severity), not a hazard.
    assert by_line(result, "0001_create_orders.sql") == [(2, "not-rerunnable")]
    assert {f.metadata["kind"] for f in result.findings if f.location and "0001" in f.location.path} == {"advice"}
    assert by_line(result, "0002_order_status.sql") == [
        (3, "add-column-not-null-without-default"),
        (3, "lock-timeout-missing"),
        (3, "not-rerunnable"),
        (3, "prefer-text"),
        (3, "statement-timeout-missing"),
        (4, "create-index-not-concurrently"),
        (4, "not-rerunnable"),
        (5, "constraint-without-not-valid"),
        (5, "lock-timeout-missing"),
        (5, "not-rerunnable"),
        # numeric(12, 2) -> numeric(14, 2) keeps the scale: PostgreSQL skips the rewrite, but the
        # ALTER still queues for ACCESS EXCLUSIVE.
        (6, "lock-timeout-missing"),
    ]
    finding = next(f for f in result.findings if f.rule_id == "create-index-not-concurrently")
    assert finding.severity == "high"
    assert finding.metadata["lock"] == "SHARE"
    assert finding.metadata["table"] == "orders"
    assert "CONCURRENTLY" in finding.metadata["safe_pattern"]
    assert finding.metadata["statement"] == "CREATE INDEX orders_status_idx ON orders (status)"
    assert result.summary["statements"] == 6


def test_example_project_through_the_runner_and_cli(cli: Callable[..., Any], tmp_path: Path) -> None:
    root = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", root, ignore=shutil.ignore_patterns(".gatecheck"))
    outcome = cli("run", str(root), "--check", "migrations", "--no-cache", "-q")
    assert outcome.exit_code == 1, (outcome.stdout, outcome.stderr)
    # A file PostgreSQL's grammar rejects is a finding naming file and line (the gate denies, exit 1),
    # and the other files' findings are still reported.
    (root / "migrations" / "0003_broken.sql").write_text("ALTER TABLE orders ADD COLUMN;\n")
    out = tmp_path / "report.json"
    outcome = cli("run", str(root), "--check", "migrations", "--no-cache", "-q", "-f", f"json:{out}")
    assert outcome.exit_code == 1, (outcome.stdout, outcome.stderr)
    [result] = [r for r in json.loads(out.read_text())["results"] if r["check"] == "migrations"]
    findings = result["findings"]
    broken = [f for f in findings if f["rule_id"] == "unparsable-migration"]
    assert [(f["location"]["path"], f["location"]["start_line"]) for f in broken] == [("migrations/0003_broken.sql", 1)]
    assert broken[0]["title"].startswith("migrations/0003_broken.sql:1: invalid PostgreSQL: syntax error")
    assert any(f["rule_id"] == "create-index-not-concurrently" for f in findings)


# -- Alembic --------------------------------------------------------------------------------------

ENV_PY = '''
from alembic import context

context.configure(
    url=context.config.get_main_option("sqlalchemy.url"),
    literal_binds=True,
    transaction_per_migration=context.config.get_main_option("per_migration") == "1",
)
with context.begin_transaction():
    context.run_migrations()
'''

REVISIONS = {
    "a1_orders.py": '''
        import sqlalchemy as sa
        from alembic import op

        revision = "a1"
        down_revision = None


        def upgrade():
            op.create_table(
                "orders",
                sa.Column("id", sa.BigInteger, primary_key=True),
                sa.Column("total", sa.Numeric(12, 2), nullable=False),
                sa.Column("code", sa.String(20), nullable=False),
            )
            op.create_index("orders_code_idx", "orders", ["code"])
    ''',
    "b2_status.py": '''
        import sqlalchemy as sa
        from alembic import op

        revision = "b2"
        down_revision = "a1"


        def upgrade():
            op.add_column("orders", sa.Column("status", sa.Text(), nullable=False))
            op.create_index("orders_status_idx", "orders", ["status"])
            with op.get_context().autocommit_block():
                op.create_index("orders_total_idx", "orders", ["total"], postgresql_concurrently=True)
            op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"],
                                  postgresql_not_valid=True)
            op.alter_column("orders", "code", type_=sa.String(40))
    ''',
    "c3_note.py": '''
        import sqlalchemy as sa
        from alembic import op

        revision = "c3"
        down_revision = "b2"


        def upgrade():
            op.execute("SET lock_timeout = '3s'")
            op.add_column("orders", sa.Column("note", sa.Text(), server_default="none", nullable=False))
            op.create_index("orders_note_idx", "orders", ["note"], postgresql_concurrently=True)
    ''',
}


def alembic_sql(tmp_path: Path, per_migration: bool) -> str:
    """Real ``alembic upgrade base:head --sql`` output for three revisions (offline: no database)."""
    from alembic import command
    from alembic.config import Config

    scripts = tmp_path / "alembic"
    (scripts / "versions").mkdir(parents=True, exist_ok=True)
    (scripts / "env.py").write_text(ENV_PY)
    for name, body in REVISIONS.items():
        (scripts / "versions" / name).write_text(textwrap.dedent(body))
    buffer = io.StringIO()
    config = Config(output_buffer=buffer)
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("sqlalchemy.url", "postgresql://migrator@db.invalid/shop")
    config.set_main_option("per_migration", "1" if per_migration else "0")
    command.upgrade(config, "base:head", sql=True)
    return buffer.getvalue()


@pytest.mark.parametrize("per_migration", [False, True], ids=["one-transaction", "transaction-per-migration"])
def test_real_alembic_offline_output(tmp_path: Path, per_migration: bool) -> None:
    sql = alembic_sql(tmp_path, per_migration)
    assert "-- Running upgrade a1 -> b2" in sql and "COMMIT;" in sql
    project = tmp_path / "project"
    (project / "migrations").mkdir(parents=True)
    (project / "migrations" / "upgrade.sql").write_text(sql)
    result = run(project)
    assert result.status == "ok", result.error
    assert result.summary["formats"] == {"migrations/upgrade.sql": "alembic"}
    found = {(f.rule_id, f.metadata.get("migration")) for f in result.findings}
    # Revision a1 creates the table: its index is on a new table; only the type advice fires
    # (String(20) is varchar(20); a BigInteger primary key is written as BIGSERIAL).
    assert {r for r, m in found if m == "upgrade base -> a1"} == {"prefer-text", "prefer-identity"}
    # Revision b2 works on a table that existed before it.
    assert ("add-column-not-null-without-default", "upgrade a1 -> b2") in found
    assert ("create-index-not-concurrently", "upgrade a1 -> b2") in found
    assert ("lock-timeout-missing", "upgrade a1 -> b2") in found
    # ... and builds that index while the ADD COLUMN's ACCESS EXCLUSIVE is still held: Alembic's
    # COMMIT only comes at autocommit_block(), after the index.
    assert ("access-exclusive-held", "upgrade a1 -> b2") in found
    # The CONCURRENTLY index in autocommit_block() runs between Alembic's COMMIT and BEGIN: fine.
    # varchar(20) -> varchar(40) is a rewrite-free widening, known from revision a1.
    assert not {r for r, m in found if m == "upgrade a1 -> b2"} & {"concurrently-in-transaction", "alter-column-type"}
    # Revision c3 sets lock_timeout, but creates a CONCURRENTLY index inside Alembic's transaction.
    c3 = {r for r, m in found if m == "upgrade b2 -> c3"}
    assert "concurrently-in-transaction" in c3 and "lock-timeout-missing" not in c3
    # Alembic's own bookkeeping table is not the user's schema.
    assert not any(f.metadata.get("table") == "alembic_version" for f in result.findings)


# -- Django ---------------------------------------------------------------------------------------


def test_django_sqlmigrate_output(tmp_path: Path) -> None:
    """data/django/*.sql is `sqlmigrate` output of Django 5.2 for data/django_project (test_postgres_facts
    regenerates it against a live server and checks the same)."""
    result = run(DATA, directory="django", python=False)
    assert result.status == "ok", result.error
    assert set(result.summary["formats"].values()) == {"django"}
    assert by_line(result, "0001_initial.sql") == [(9, "prefer-text")]  # new tables: only the type advice
    assert by_line(result, "0002_order_status.sql") == [
        (5, "lock-timeout-missing"), (5, "prefer-text"), (5, "statement-timeout-missing"),
        (6, "lock-timeout-missing"),
        # The REFERENCES scan and both index builds run while the transaction Django wraps around the
        # migration still holds ACCESS EXCLUSIVE from the ADD COLUMN on line 5.
        (10, "access-exclusive-held"), (10, "constraint-without-not-valid"), (10, "lock-timeout-missing"),
        (14, "lock-timeout-missing"), (14, "prefer-text"),  # varchar(254) -> varchar(320): no rewrite
        (18, "access-exclusive-held"), (18, "create-index-not-concurrently"),
        (19, "access-exclusive-held"), (19, "create-index-not-concurrently"),
    ]
    # Non-atomic migration: no BEGIN around it; a failed CONCURRENTLY build leaves an INVALID index that
    # makes a re-run fail (advice).
    assert by_line(result, "0003_status_index.sql") == [(4, "not-rerunnable")]
    assert by_line(result, "0004_total_index.sql") == [(5, "concurrently-in-transaction")]


def test_django_default_rewrites_before_postgres_11() -> None:
    result = run(DATA, directory="django", postgres_version=10, python=False)
    assert (5, "add-column-rewrite") in by_line(result, "0002_order_status.sql")


# -- ordering -------------------------------------------------------------------------------------

STEPS = {
    "2_add_check.sql": "ALTER TABLE orders ADD CONSTRAINT status_nn CHECK (status IS NOT NULL) NOT VALID;",
    "9_validate.sql": "ALTER TABLE orders VALIDATE CONSTRAINT status_nn;",
    "10_set_not_null.sql": "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
}


def write_steps(root: Path, subdir: str = "migrations") -> None:
    (root / subdir).mkdir(parents=True)
    for name, sql in STEPS.items():
        (root / subdir / name).write_text(sql + "\n")


def test_natural_order_applies_versions_numerically(tmp_path: Path) -> None:
    write_steps(tmp_path)
    natural = run(tmp_path)
    assert list(natural.summary["formats"]) == [
        "migrations/2_add_check.sql", "migrations/9_validate.sql", "migrations/10_set_not_null.sql"]
    assert "set-not-null-without-check" not in {f.rule_id for f in natural.findings}
    lexical = run(tmp_path, order="lexical")
    assert next(iter(lexical.summary["formats"])) == "migrations/10_set_not_null.sql"
    assert "set-not-null-without-check" in {f.rule_id for f in lexical.findings}


def test_explicit_file_list_and_custom_directory(tmp_path: Path) -> None:
    write_steps(tmp_path, "db/changes")
    result = run(tmp_path, directory="db/changes")
    assert result.summary["files"] == 3
    listed = run(tmp_path, files=["db/changes/10_set_not_null.sql", "db/changes/2_add_check.sql"])
    assert list(listed.summary["formats"]) == ["db/changes/10_set_not_null.sql", "db/changes/2_add_check.sql"]
    with pytest.raises(CheckFailed) as raised:
        run(tmp_path, files=["db/changes/missing.sql"])
    assert raised.value.bad_input and "missing.sql" in str(raised.value)


def test_include_globs_recurse_and_respect_excludes(tmp_path: Path) -> None:
    (tmp_path / "migrations" / "v1").mkdir(parents=True)
    (tmp_path / "migrations" / "v1" / "001.sql").write_text("DROP TABLE a;\n")
    (tmp_path / "migrations" / "v1" / "001.txt").write_text("not sql")
    (tmp_path / "migrations" / "skipped").mkdir()
    (tmp_path / "migrations" / "skipped" / "002.sql").write_text("DROP TABLE b;\n")
    (tmp_path / "migrations" / "000_top.sql").write_text("DROP TABLE c;\n")
    ctx = CheckContext(root=tmp_path, options={"include": ["**/*.sql"]}, exclude=["migrations/skipped/*"])
    result = MigrationsCheck().run(ctx)
    assert list(result.summary["formats"]) == ["migrations/000_top.sql", "migrations/v1/001.sql"]  # ** matches no directory too
    assert list(run(tmp_path).summary["formats"]) == ["migrations/000_top.sql"]  # the default *.sql does not recurse


def test_scan_paths_limit_reporting_but_not_state(tmp_path: Path) -> None:
    write_steps(tmp_path)
    ctx = CheckContext(root=tmp_path, options={}, paths=[Path("migrations/10_set_not_null.sql")])
    result = MigrationsCheck().run(ctx)
    assert {f.location.path for f in result.findings if f.location} == {"migrations/10_set_not_null.sql"}
    assert "set-not-null-without-check" not in {f.rule_id for f in result.findings}  # earlier files still count


def test_natural_key() -> None:
    names = ["V10__c.sql", "V2__b.sql", "V1__a.sql", "step_10/a.sql", "step_9/z.sql"]
    assert sorted(names, key=natural_key) == ["V1__a.sql", "V2__b.sql", "V10__c.sql", "step_9/z.sql", "step_10/a.sql"]


# -- allow comments -------------------------------------------------------------------------------


def test_allow_comment_on_the_line_before(lint: Lint) -> None:
    result = lint(
        "-- gatecheck:allow create-index-not-concurrently orders has 40 rows, built in the release window\n"
        "CREATE INDEX orders_a ON orders (a);\n"
        "CREATE INDEX orders_b ON orders (b);\n"
    )
    assert [(f.rule_id, f.location.start_line) for f in result.findings
            if f.location and f.rule_id == "create-index-not-concurrently"] == [("create-index-not-concurrently", 3)]
    assert result.summary["allowed"] == [{
        "rule_id": "create-index-not-concurrently", "path": "migrations/0001_step.sql", "line": 2,
        "reason": "orders has 40 rows, built in the release window"}]


def test_allow_comment_trailing_and_inside_a_statement(lint: Lint) -> None:
    result = lint(
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE orders DROP COLUMN legacy; -- gatecheck:allow drop-column unused since release 41\n"
        "ALTER TABLE orders\n"
        "  -- gatecheck:allow rename-column,drop-column the API reads the view orders_v1\n"
        "  RENAME COLUMN note TO remark;\n",
        disable=["statement-timeout-missing", "not-rerunnable"],
    )
    assert result.findings == []
    assert [a["line"] for a in result.summary["allowed"]] == [2, 3]
    assert result.summary["unused_allows"] == [{
        "rule_id": "drop-column", "path": "migrations/0001_step.sql", "line": 4,
        "reason": "the API reads the view orders_v1"}]


def test_allow_only_covers_the_named_rule(lint: Lint) -> None:
    result = lint("-- gatecheck:allow drop-column planned\nALTER TABLE orders DROP COLUMN legacy;\n")
    assert sorted(f.rule_id for f in result.findings) == ["lock-timeout-missing", "statement-timeout-missing"]


def test_allow_marker_inside_a_string_is_not_a_comment(lint: Lint) -> None:
    result = lint("ALTER TABLE orders DROP COLUMN legacy, ADD COLUMN c text DEFAULT '-- gatecheck:allow drop-column x';\n")
    assert "drop-column" in {f.rule_id for f in result.findings}


@pytest.mark.parametrize(("sql", "message"), [
    ("-- gatecheck:allow drop-column\nALTER TABLE orders DROP COLUMN a;\n", "a reason is required"),
    ("-- gatecheck:allow drop-colum typo here\nALTER TABLE orders DROP COLUMN a;\n", "unknown rule 'drop-colum'"),
    ("ALTER TABLE orders DROP COLUMN a;\n\n-- gatecheck:allow drop-column dangling\n", "not followed by a statement"),
])
def test_malformed_allow_comment_is_bad_input(lint: Lint, sql: str, message: str) -> None:
    with pytest.raises(CheckFailed) as raised:
        lint(sql)
    assert raised.value.bad_input
    assert message in str(raised.value)
    assert "migrations/0001_step.sql:" in str(raised.value)


# -- malformed input: a finding naming file and line; every other file is still checked -------------


def unparsable(result: CheckResult) -> list[tuple[str, int, str]]:
    return [(f.location.path, f.location.start_line or 0, f.title) for f in result.findings
            if f.rule_id == "unparsable-migration" and f.location]


def test_malformed_sql_names_file_and_line_and_the_other_files_are_checked(lint: Lint) -> None:
    result = lint(["DROP TABLE a;\n", "-- härmlos\nCREATE TABLE t (a int);\n\nALTER TABLE t ADD COLUMN;\n",
                   "DROP TABLE b;\n"])
    assert result.status == "ok"
    assert unparsable(result) == [("migrations/0002_step.sql", 4,
                                   'migrations/0002_step.sql:4: invalid PostgreSQL: syntax error at or near ";" (column 25)')]
    finding = next(f for f in result.findings if f.rule_id == "unparsable-migration")
    assert finding.severity == "high" and finding.metadata["kind"] == "hazard"
    dropped = {f.location.path for f in result.findings if f.rule_id == "drop-table" and f.location}
    assert dropped == {"migrations/0001_step.sql", "migrations/0003_step.sql"}
    assert result.summary["unparsable"] == [{"path": "migrations/0002_step.sql", "line": 4,
                                             "reason": 'invalid PostgreSQL: syntax error at or near ";" (column 25)'}]


def test_unterminated_string_names_its_line(lint: Lint) -> None:
    [(path, line, _)] = unparsable(lint("SELECT 1;\nSELECT 2;\nINSERT INTO t VALUES ('oops);\n"))
    assert (path, line) == ("migrations/0001_step.sql", 3)


def test_not_utf8_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_bytes(b"SELECT 1;\nSELECT '\xff';\n")
    [(path, line, title)] = unparsable(run(tmp_path))
    assert (path, line) == ("migrations/0001.sql", 2) and "not UTF-8" in title


def test_bad_sql_through_the_runner_is_a_finding_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text("ALTER TABLE;\n")
    (tmp_path / "migrations" / "0002.sql").write_text("DROP TABLE orders;\n")
    [result] = run_checks([CheckRun(MigrationsCheck(), {})], RunSettings(root=tmp_path))
    assert result.status == "ok" and not result.bad_input
    assert {(f.rule_id, f.location.path) for f in result.findings if f.location} >= {
        ("unparsable-migration", "migrations/0001.sql"), ("drop-table", "migrations/0002.sql")}


# -- positions and ids ----------------------------------------------------------------------------


def test_lines_after_multibyte_text_and_multi_line_statements(lint: Lint) -> None:
    result = lint(
        "-- Größen: ändert die Tabelle «orders» 🚀\n"
        "COMMENT ON TABLE orders IS 'Bestellungen — alle';\n"
        "CREATE INDEX orders_a\n"
        "    ON orders (a);\n"
    )
    [finding] = [f for f in result.findings if f.rule_id == "create-index-not-concurrently"]
    assert finding.location is not None
    assert (finding.location.start_line, finding.location.end_line) == (3, 4)
    assert finding.metadata["statement"] == "CREATE INDEX orders_a ON orders (a)"


def test_ids_survive_moving_a_statement_and_distinguish_repeats(lint: Lint) -> None:
    first = lint("DROP TABLE a;\nDROP TABLE b;\nDROP TABLE a;\n")
    moved = lint("-- a new comment\n\nSELECT 1;\nDROP TABLE a;\nDROP TABLE   b;\nDROP TABLE a;\n")

    def ids(result: CheckResult) -> list[str]:
        return [f.id for f in result.findings if f.rule_id == "drop-table"]

    assert ids(first) == ids(moved)
    assert len(set(ids(first))) == 3  # the repeated DROP TABLE a gets its own occurrence
    assert [f.location.start_line for f in moved.findings if f.rule_id == "drop-table" and f.location] == [4, 5, 6]


# -- options --------------------------------------------------------------------------------------


def test_disable_and_severity_options(lint: Lint) -> None:
    sql = "CREATE TABLE t (code varchar(10));\nDROP INDEX orders_a;\n"
    result = lint(sql, disable=["lock-timeout-missing", "not-rerunnable"], severity={"prefer-text": "medium"})
    assert {(f.rule_id, f.severity) for f in result.findings} == {
        ("prefer-text", "medium"), ("drop-index-not-concurrently", "medium"), ("statement-timeout-missing", "low")}
    assert result.summary["suppressed_by_config"] == 2
    assert result.summary["disabled_rules"] == ["lock-timeout-missing", "not-rerunnable"]


def test_options_schema_rejects_unknown_rules_and_keys() -> None:
    schema = MigrationsCheck.options_schema
    jsonschema.validate({"disable": ["drop-table"], "postgres_version": 16, "format": "alembic"}, schema)
    for bad in ({"disable": ["no-such-rule"]}, {"severity": {"drop-table": "urgent"}}, {"postgres_version": "16"},
                {"order": "mtime"}, {"directorie": "x"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_format_can_be_forced(lint: Lint, tmp_path: Path) -> None:
    sql = "-- Running upgrade a -> b\nCREATE TABLE t (a int);\n-- Running upgrade b -> c\nCREATE INDEX t_a ON t (a);\n"
    assert "create-index-not-concurrently" in {f.rule_id for f in lint(sql).findings}  # b -> c sees an old table
    assert "create-index-not-concurrently" not in {f.rule_id for f in lint(sql, format="sql").findings}


# -- without the parser, or without files ---------------------------------------------------------


def test_without_pglast_the_check_is_skipped_with_the_install_hint(lint: Lint, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pglast", None)  # `import pglast` now raises ImportError
    result = lint("DROP TABLE orders;\n")
    assert result.status == "skipped"
    assert result.findings == []
    assert INSTALL_HINT in (result.error or "") and "1 migration file" in (result.error or "")


def test_no_migration_files_is_skipped_or_required(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.status == "skipped" and "no migration files" in (result.error or "")
    with pytest.raises(CheckFailed):
        run(tmp_path, required=True)


def test_empty_and_comment_only_files_are_fine(lint: Lint) -> None:
    result = lint(["", "-- nothing to do\n/* really */\n"])
    assert result.status == "ok" and result.findings == [] and result.summary["statements"] == 0


def test_version_follows_the_parser() -> None:
    assert MigrationsCheck().version.startswith("1.") and "+pglast8." in MigrationsCheck().version


def test_conforms_to_the_plugin_contract(tmp_path: Path) -> None:
    import gatecheck_plugins.migrations as plugin
    from gatecheck_conformance.plugins import assert_conforms

    sample = tmp_path / "sample"
    shutil.copytree(REPO / "examples" / "webapp" / "migrations", sample / "migrations")
    assert_conforms(plugin, sample, timeout=60)
