"""The migrations check on a hostile tree (issue 15): migration files are files of the tree under
judgement, found in the repository view's listing and read only through it.

A migration that is a symlink out of the tree (or sits under a directory that is one) is never
read, and the gate reports the link as gatecheck/unsafe-path; repository configuration cannot
point ``directory``, ``include`` or ``files`` outside the tree (exit 2 naming key and line); a
FIFO never hangs the gate; a file over the size limit is bad input. The outside files hold a
marker statement (``DROP TABLE <marker>``) that the check would report as ``drop-table`` with the
statement in its metadata, so reading one would put the marker in the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.repository import Repository
from gatecheck_plugins.migrations.check import DEFAULT_MAX_FILE_SIZE, MigrationsCheck

REPO = Path(__file__).resolve().parents[2]
MARKER = "outside_tree_4be19f"
OUTSIDE_SQL = f"DROP TABLE {MARKER};\n"
CLI = Callable[..., Any]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project (two migrations; 0002 has findings), with a gatecheck.toml of
    its own written by each test, next to a directory ``outside`` that is not part of it."""
    root = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", root, ignore=shutil.ignore_patterns(".gatecheck"))
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "0003_leak.sql").write_text(OUTSIDE_SQL)
    return root


def gate(cli: CLI, root: Path, cache: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run the migrations check through the gate: exit code, JSON report, and all the text it wrote
    (stdout, stderr, the report, the result cache)."""
    out = root.parent / "report.json"
    out.unlink(missing_ok=True)
    outcome = cli("run", str(root), "--check", "migrations", "-q", "-f", f"json:{out}", *args)
    report = json.loads(out.read_text()) if out.is_file() else {}
    cached = [p.read_text("utf-8", "replace") for p in sorted(cache.rglob("*")) if p.is_file()]
    return outcome.exit_code, report, "\n".join([outcome.stdout, outcome.stderr, json.dumps(report), *cached])


def configure(root: Path, table: str) -> Path:
    """Write ``[checks.migrations]`` with ``table`` as the project's configuration (the key is on line 3)."""
    config = root / "gatecheck.toml"
    config.write_text(f"version = 1\n[checks.migrations]\n{table}\n")
    return config


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
                   check=True, capture_output=True)


def result_of(report: dict[str, Any], check: str) -> dict[str, Any]:
    return next(r for r in report["results"] if r["check"] == check)


def unsafe_paths(report: dict[str, Any]) -> list[str]:
    return sorted(f["location"]["path"] for f in result_of(report, "gatecheck")["findings"]
                  if f["rule_id"] == "gatecheck/unsafe-path")


# ------------------------------------------------------------------------ symlinks out of the tree


@pytest.mark.parametrize("committed", [False, True], ids=["plain-tree", "git-tracked-symlink"])
def test_a_migration_that_is_a_symlink_out_of_the_tree_is_reported_never_read(
    project: Path, cli: CLI, private_result_cache: Path, committed: bool,
) -> None:
    (project / "migrations" / "0003_leak.sql").symlink_to(project.parent / "outside" / "0003_leak.sql")
    if committed:
        git(project, "init", "-q")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "change under judgement")
    code, report, everything = gate(cli, project, private_result_cache)
    assert MARKER not in everything
    assert code == 1  # denied by 0002's findings, not by an error
    assert unsafe_paths(report) == ["migrations/0003_leak.sql"]
    migrations = result_of(report, "migrations")
    assert migrations["status"] == "ok"
    assert list(migrations["summary"]["formats"]) == ["migrations/0001_create_orders.sql", "migrations/0002_order_status.sql"]
    assert [i["path"] for i in migrations["inputs"]] == list(migrations["summary"]["formats"])


def test_a_symlink_out_of_the_tree_named_in_files_is_bad_input(project: Path, cli: CLI,
                                                               private_result_cache: Path) -> None:
    (project / "migrations" / "0003_leak.sql").symlink_to(project.parent / "outside" / "0003_leak.sql")
    configure(project, 'files = ["migrations/0001_create_orders.sql", "migrations/0003_leak.sql"]')
    code, report, everything = gate(cli, project, private_result_cache)
    assert MARKER not in everything
    assert code == 2
    migrations = result_of(report, "migrations")
    assert migrations["bad_input"] is True and migrations["findings"] == []
    assert migrations["error"] == ("migrations/0003_leak.sql: migration file listed in `files` was not read: "
                                   "symlink that leaves the repository (not followed)")


def test_a_migrations_directory_that_is_a_symlink_out_of_the_tree_is_bad_input(project: Path, cli: CLI,
                                                                              private_result_cache: Path) -> None:
    (project / "db").symlink_to(project.parent / "outside", target_is_directory=True)
    configure(project, 'directory = "db"')
    code, report, everything = gate(cli, project, private_result_cache)
    assert MARKER not in everything
    assert code == 2
    assert unsafe_paths(report) == ["db"]
    error = result_of(report, "migrations")["error"]
    assert error.startswith("checks.migrations.directory 'db' resolves outside the repository")


def test_a_file_named_through_a_symlinked_directory_inside_the_tree_is_read(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text("DROP TABLE orders;\n")
    (tmp_path / "current").symlink_to(tmp_path / "migrations", target_is_directory=True)
    result = MigrationsCheck().run(CheckContext(root=tmp_path, options={"files": ["current/0001.sql"]}))
    assert [(f.rule_id, f.location.path if f.location else None) for f in result.findings
            if f.rule_id == "drop-table"] == [("drop-table", "current/0001.sql")]


# ------------------------------------------------------------- configuration naming outside paths


@pytest.mark.parametrize(("table", "key"), [
    ('files = ["/etc/passwd"]', "checks.migrations.files[0]"),
    ('files = ["../x.sql"]', "checks.migrations.files[0]"),
    ('files = ["migrations/0001_create_orders.sql", "ABSOLUTE"]', "checks.migrations.files[1]"),
    ('directory = "../outside"', "checks.migrations.directory"),
    ('directory = "ABSOLUTE_DIR"', "checks.migrations.directory"),
    ('include = ["*.sql", "../../outside/*.sql"]', "checks.migrations.include[1]"),
])
def test_repository_configuration_cannot_name_migrations_outside_the_tree(
    project: Path, cli: CLI, private_result_cache: Path, table: str, key: str,
) -> None:
    outside = project.parent / "outside"
    (project.parent / "x.sql").write_text(OUTSIDE_SQL)  # what ../x.sql names
    table = table.replace("ABSOLUTE_DIR", str(outside)).replace("ABSOLUTE", str(outside / "0003_leak.sql"))
    config = configure(project, table)
    code, _, everything = gate(cli, project, private_result_cache)
    assert code == 2
    assert f"{config}:3: {key}: " in everything and "outside the repository" in everything
    assert MARKER not in everything and "root:x:" not in everything  # nothing of /etc/passwd either


def test_trusted_configuration_naming_a_file_outside_the_tree_is_bad_input(project: Path, tmp_path: Path, cli: CLI,
                                                                           private_result_cache: Path) -> None:
    # The operator's configuration is not held to x-gatecheck-path, but migrations are read only from
    # the tree being gated, whoever names them.
    operator = tmp_path / "operator" / "gatecheck.toml"
    operator.parent.mkdir()
    operator.write_text(f'version = 1\n[checks.migrations]\nfiles = ["{tmp_path / "outside" / "0003_leak.sql"}"]\n')
    code, report, everything = gate(cli, project, private_result_cache, "-c", str(operator))
    assert code == 2
    migrations = result_of(report, "migrations")
    assert migrations["bad_input"] is True
    assert migrations["error"].startswith(f"checks.migrations.files[0] '{tmp_path / 'outside' / '0003_leak.sql'}' is "
                                          "outside the repository")
    assert MARKER not in everything


# ------------------------------------------------------------------------- special and huge files


@pytest.mark.parametrize("named", [False, True], ids=["in-directory", "named-in-files"])
def test_a_fifo_does_not_hang_the_gate(project: Path, cli: CLI, private_result_cache: Path, named: bool) -> None:
    fifo = project / "migrations" / "0003_pipe.sql"
    os.mkfifo(fifo)
    # A reader that opened the FIFO would block until the check's deadline: keep that short.
    files = 'files = ["migrations/0001_create_orders.sql", "migrations/0003_pipe.sql"]\n' if named else ""
    configure(project, f"{files}timeout = 20")
    code, report, _ = gate(cli, project, private_result_cache)
    assert unsafe_paths(report) == ["migrations/0003_pipe.sql"]
    migrations = result_of(report, "migrations")
    if named:
        assert code == 2
        assert migrations["error"] == ("migrations/0003_pipe.sql: migration file listed in `files` was not read: "
                                       "not a regular file (device, FIFO or socket)")
    else:
        assert code == 1 and migrations["status"] == "ok" and migrations["summary"]["files"] == 2


def test_a_migration_over_the_limit_is_bad_input_naming_file_and_option(project: Path, cli: CLI,
                                                                        private_result_cache: Path) -> None:
    size = (project / "migrations" / "0001_create_orders.sql").stat().st_size
    assert size > (project / "migrations" / "0002_order_status.sql").stat().st_size  # so 0001 is the one refused
    configure(project, f"max_file_size = {size - 1}")
    code, report, _ = gate(cli, project, private_result_cache)
    assert code == 2
    migrations = result_of(report, "migrations")
    assert migrations["bad_input"] is True and migrations["findings"] == []
    assert migrations["error"] == (
        f"migrations/0001_create_orders.sql: {size} bytes, more than the {size - 1} the migrations check reads; not "
        "read (raise [checks.migrations] max_file_size if it is a real migration)")
    configure(project, f"max_file_size = {size}")
    code, report, _ = gate(cli, project, private_result_cache)
    assert code == 1 and result_of(report, "migrations")["status"] == "ok"


def test_the_default_limit_refuses_a_huge_file_before_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "migrations" / "0001_huge.sql"
    huge.parent.mkdir()
    with huge.open("wb") as fh:  # sparse: the size is real, the disk use is not
        fh.truncate(DEFAULT_MAX_FILE_SIZE + 1)
    with pytest.raises(CheckFailed) as raised:
        MigrationsCheck().run(CheckContext(root=tmp_path, options={}))
    assert raised.value.bad_input
    assert str(raised.value).startswith(f"migrations/0001_huge.sql: {DEFAULT_MAX_FILE_SIZE + 1} bytes, more than the "
                                        f"{DEFAULT_MAX_FILE_SIZE} the migrations check reads")


# ---------------------------------------------------------------- what the repository view lists


def test_the_repository_view_decides_which_untracked_migrations_count(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY);\n")
    (tmp_path / ".gitignore").write_text("migrations/pending.sql\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    (tmp_path / "migrations" / "pending.sql").write_text("DROP TABLE orders;\n")  # generated, ignored

    found = MigrationsCheck().run(CheckContext(root=tmp_path, options={}))
    assert list(found.summary["formats"]) == ["migrations/0001.sql"]
    with pytest.raises(CheckFailed) as raised:
        MigrationsCheck().run(CheckContext(root=tmp_path, options={"files": ["migrations/pending.sql"]}))
    assert raised.value.bad_input
    assert str(raised.value) == ("migrations/pending.sql: migration file listed in `files` was not read: it is not among "
                                 "the files gatecheck scans (git does not track it, and [run] untracked = 'unignored' "
                                 "leaves it out)")

    every = Repository(tmp_path, untracked="all")
    result = MigrationsCheck().run(CheckContext(root=tmp_path, options={}, repo=every))
    assert list(result.summary["formats"]) == ["migrations/0001.sql", "migrations/pending.sql"]
    # A tracked file is listed even where a .gitignore names it: `git add -f` cannot hide a migration.
    git(tmp_path, "add", "-f", "migrations/pending.sql")
    tracked = MigrationsCheck().run(CheckContext(root=tmp_path, options={}))
    assert "drop-table" in {f.rule_id for f in tracked.findings}
