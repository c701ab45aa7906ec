"""Which migrations are new: the latest of each directory, head and leaf by default, or the files added
or changed since the merge base of ``baseline_ref``. Findings of earlier migrations carry
``metadata.earlier_migration`` (the default policy reports them without denying); found on Django and
pretix, whose hundreds of historical migrations each denied."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.migrations.check import MigrationsCheck

HEADER = "from django.db import migrations, models\n\n\n"


def django(deps: str, operations: str) -> str:
    return (HEADER + "class Migration(migrations.Migration):\n" + f"    dependencies = {deps}\n"
            + "    operations = [\n" + textwrap.indent(textwrap.dedent(operations).strip(), "        ") + "\n    ]\n")


INITIAL = django("[]", """
    migrations.CreateModel("Order", [("id", models.BigAutoField(primary_key=True)),
                                     ("code", models.CharField(max_length=20))]),
""")
DROP_CODE = django("[('shop', '0001_initial')]", 'migrations.RemoveField("order", "code"),')
ADD_FLAG = django("[('shop', '0002_drop')]", 'migrations.AddField("order", "flag", models.BooleanField(default=False)),')
RENAME = django("[('shop', '0002_drop')]", 'migrations.RenameModel("Order", "Purchase"),')


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def git(root: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(root.parent), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def run(root: Path, **options: object) -> CheckResult:
    result = MigrationsCheck().run(CheckContext(root=root, options=dict(options)))
    assert result.status == "ok", result.error
    return result


def earlier(result: CheckResult) -> dict[str, set[bool]]:
    out: dict[str, set[bool]] = {}
    for f in result.findings:
        assert f.location is not None
        out.setdefault(f.location.path, set()).add(bool(f.metadata.get("earlier_migration")))
    return out


def test_without_a_base_the_django_leaf_and_the_last_sql_file_are_new(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/migrations/0001_initial.py": INITIAL,
        "shop/migrations/0002_drop.py": DROP_CODE,
        "shop/migrations/0003_rename.py": RENAME,
        "migrations/V1__drop.sql": "ALTER TABLE orders DROP COLUMN note;\n",
        "migrations/V2__drop.sql": "ALTER TABLE orders DROP COLUMN code;\n",
    })
    result = run(tmp_path)
    marks = earlier(result)
    assert marks["shop/migrations/0002_drop.py"] == {True}
    assert marks["shop/migrations/0003_rename.py"] == {False}
    assert marks["migrations/V1__drop.sql"] == {True}
    assert marks["migrations/V2__drop.sql"] == {False}
    new = result.summary["new_migrations"]
    assert new["basis"] == "latest" and "shop/migrations/0003_rename.py" in new["files"]
    assert new["earlier_findings"] == sum(1 for f in result.findings if f.metadata.get("earlier_migration"))


def test_with_a_baseline_ref_new_is_what_the_change_adds(tmp_path: Path) -> None:
    write(tmp_path, {"shop/migrations/0001_initial.py": INITIAL, "shop/migrations/0002_drop.py": DROP_CODE})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    # Two migrations in one change: the earlier one is not a leaf, but it is new all the same.
    write(tmp_path, {"shop/migrations/0003_flag.py": ADD_FLAG,
                     "shop/migrations/0004_rename.py": django("[('shop', '0003_flag')]",
                                                              'migrations.RenameModel("Order", "Purchase"),')})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "change")
    write(tmp_path, {"shop/migrations/0005_drop_flag.py": django("[('shop', '0004_rename')]",
                                                                 'migrations.RemoveField("purchase", "flag"),')})
    result = run(tmp_path, baseline_ref="main")
    marks = earlier(result)
    assert marks["shop/migrations/0002_drop.py"] == {True}
    assert marks["shop/migrations/0004_rename.py"] == {False}
    assert marks["shop/migrations/0005_drop_flag.py"] == {False}  # not committed yet: new as well
    assert result.summary["new_migrations"]["basis"] == "baseline_ref"


def test_a_migration_a_squashed_one_replaces_is_no_leaf(tmp_path: Path) -> None:
    """Found on pretix: 0058 depends on 0001_squashed_0002, so 0002 (which it replaces) is history."""
    squashed = INITIAL.replace("    dependencies", "    replaces = [('shop', '0001_initial'), ('shop', '0002_drop')]\n"
                               "    dependencies")
    write(tmp_path, {
        "shop/migrations/0001_initial.py": INITIAL,
        "shop/migrations/0002_drop.py": DROP_CODE,
        "shop/migrations/0001_squashed_0002.py": squashed,
        "shop/migrations/0003_rename.py": django("[('shop', '0001_squashed_0002')]",
                                                 'migrations.RenameModel("Order", "Purchase"),'),
    })
    result = run(tmp_path)
    assert result.summary["new_migrations"]["files"] == ["shop/migrations/0003_rename.py"]
    assert earlier(result)["shop/migrations/0002_drop.py"] == {True}


class CountingContext(CheckContext):
    """Records the git commands the check starts."""

    commands: list[list[str]]

    def git(self, args: Sequence[str], *, cwd: Path | None = None, input: bytes | None = None
            ) -> subprocess.CompletedProcess[bytes]:
        self.commands.append(list(args))
        return super().git(args, cwd=cwd, input=input)


def test_the_baseline_ref_is_resolved_once_for_the_cache_key_and_the_run(tmp_path: Path) -> None:
    write(tmp_path, {"shop/migrations/0001_initial.py": INITIAL})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    write(tmp_path, {"shop/migrations/0002_drop.py": DROP_CODE})
    ctx = CountingContext(root=tmp_path, options={"baseline_ref": "main"})
    ctx.commands = []
    check = MigrationsCheck()
    ctx.prepared = check.prepare(ctx)  # as the runner does, before inputs() and run()
    key = [i for i in check.inputs(ctx) if not isinstance(i, Path)]
    result = check.run(ctx)
    assert result.status == "ok" and len(key) == 1
    assert sum(1 for c in ctx.commands if c[0] == "merge-base") == 1
    assert sum(1 for c in ctx.commands if c[:1] == ["rev-parse"] and c[-1].startswith("main")) == 1


def test_in_a_pull_request_the_trusted_ref_says_which_migrations_are_new(tmp_path: Path) -> None:
    """`gatecheck run --trusted-ref origin/main` (what the CI templates run for a pull request) judges
    only the migrations the change adds: an app's years-old latest migration is history, not new."""
    from gatecheck import config as config_mod
    from gatecheck import trust
    from gatecheck.gate import GateOptions, plan
    from gatecheck.plugin_manager import Plugins

    write(tmp_path, {"shop/migrations/0001_initial.py": INITIAL, "shop/migrations/0002_drop.py": DROP_CODE,
                     "billing/migrations/0001_initial.py": INITIAL.replace("Order", "Invoice")})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    write(tmp_path, {"billing/migrations/0002_drop.py": django("[('billing', '0001_initial')]",
                                                               'migrations.RemoveField("invoice", "code"),')})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "change")

    def new_files(**source: str) -> list[str]:
        cfg = config_mod.load(tmp_path, source=trust.open_source(tmp_path, **source))  # type: ignore[arg-type]
        [run_] = [r for r in plan(cfg, Plugins(), GateOptions(only=["migrations"]))]
        result = run_.check.run(CheckContext(root=tmp_path, options=dict(run_.options)))
        return list(result.summary["new_migrations"]["files"])

    # Without a base, shop's latest migration (untouched by the change) counts as new too.
    assert new_files() == ["billing/migrations/0002_drop.py", "shop/migrations/0002_drop.py"]
    assert new_files(trusted_ref="main") == ["billing/migrations/0002_drop.py"]


def test_statements_of_one_operation_described_alike_are_one_finding(tmp_path: Path) -> None:
    """Found on pretix (badges 0003): widening a primary key that a foreign key references makes two
    ALTERs at the operation's line while ACCESS EXCLUSIVE is held; the same sentence twice is one row."""
    initial = django("[]", """
        migrations.CreateModel("Layout", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel("Item", [("id", models.AutoField(primary_key=True)),
                                        ("layout", models.ForeignKey("shop.Layout", on_delete=models.CASCADE))]),
    """)
    widen = django("[('shop', '0001_initial')]", """
        migrations.AlterField("item", "id", models.BigAutoField(primary_key=True)),
        migrations.AlterField("layout", "id", models.BigAutoField(primary_key=True)),
    """)
    write(tmp_path, {"shop/migrations/0001_initial.py": initial,
                     "shop/migrations/0002_widen.py": widen})
    result = run(tmp_path)
    rows = [(f.rule_id, f.location.start_line if f.location else 0, f.title) for f in result.findings
            if f.location and f.location.path.endswith("0002_widen.py")]
    assert len(rows) == len(set(rows)), rows
    held = [f for f in result.findings if f.rule_id == "access-exclusive-held" and f.location
            and f.location.path.endswith("0002_widen.py")]
    assert held and any(f.metadata.get("statements", 1) > 1 for f in held), [(f.title, f.metadata) for f in held]


def generated(day: date, text: str) -> str:
    """A migration as ``manage.py makemigrations`` writes it: its first line says when."""
    return f"# Generated by Django 5.2.1 on {day.isoformat()} 10:15\n\n{text}"


def test_without_a_base_a_leaf_generated_long_before_the_newest_migration_is_history(tmp_path: Path) -> None:
    """Found on pretix's sdist: 13 apps, 13 leaves, among them a plugin's 2020 table drop and 2023's
    bigint migrations, each denied on every change. The newest migrations are the change's; a leaf
    makemigrations generated more than recent_days (90) before them is history."""
    today = datetime.now(UTC).date()
    write(tmp_path, {
        "shop/migrations/0001_initial.py": generated(today - timedelta(days=2000), INITIAL),
        "shop/migrations/0002_drop.py": generated(today - timedelta(days=1500), DROP_CODE),
        "billing/migrations/0001_initial.py": generated(today - timedelta(days=40), INITIAL.replace("Order", "Invoice")),
        "billing/migrations/0002_drop.py": generated(today - timedelta(days=3), django(
            "[('billing', '0001_initial')]", 'migrations.RemoveField("invoice", "code"),')),
        # Written by hand (no header): its age is unknown, so it is judged.
        "ledger/migrations/0001_initial.py": INITIAL.replace("Order", "Entry"),
        "ledger/migrations/0002_drop.py": django("[('ledger', '0001_initial')]", 'migrations.RemoveField("entry", "code"),'),
    })
    result = run(tmp_path)
    new = result.summary["new_migrations"]
    assert new["files"] == ["billing/migrations/0002_drop.py", "ledger/migrations/0002_drop.py"]
    assert new["older_leaves"] == [{"path": "shop/migrations/0002_drop.py",
                                    "generated": (today - timedelta(days=1500)).isoformat()}]
    assert new["recent_days"] == 90
    marks = earlier(result)
    assert marks["shop/migrations/0002_drop.py"] == {True}
    assert marks["billing/migrations/0002_drop.py"] == {False}
    # 0 judges every leaf again, as before.
    assert run(tmp_path, recent_days=0).summary["new_migrations"]["files"] == [
        "billing/migrations/0002_drop.py", "ledger/migrations/0002_drop.py", "shop/migrations/0002_drop.py"]


def test_a_date_in_the_future_cannot_push_the_other_leaves_out(tmp_path: Path) -> None:
    """The tree states the dates: a leaf claiming to be generated next year is not the newest."""
    today = datetime.now(UTC).date()
    write(tmp_path, {
        "shop/migrations/0001_initial.py": generated(today - timedelta(days=10), INITIAL),
        "shop/migrations/0002_drop.py": generated(today - timedelta(days=1), DROP_CODE),
        "billing/migrations/0001_initial.py": generated(today + timedelta(days=400), INITIAL.replace("Order", "Invoice")),
    })
    assert run(tmp_path).summary["new_migrations"]["files"] == [
        "billing/migrations/0001_initial.py", "shop/migrations/0002_drop.py"]
