"""Target selection: gatecheck decides what semgrep scans, and the inputs (cache key) follow it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatecheck.errors import CheckFailed
from gatecheck_plugins.sast.check import SastCheck
from gatecheck_plugins.sast.rulepack import BUILTIN_RULES

FILES = {
    "src/app.py": "x = 1\n",
    "src/app_pb2.py": "x = 1\n",
    "src/stubs.pyi": "x: int\n",
    "tests/test_app.py": "x = 1\n",
    "build/lib/app.py": "x = 1\n",
    "vendor/six.py": "x = 1\n",
    "docs/conf.txt": "not python\n",
    ".venv/lib/site.py": "x = 1\n",
    "generated/big.py": "x = 1\n",
    ".semgrepignore": "# ours\n:include .gitignore\n*_pb2.py\n",
    ".gitignore": "generated/\n",
}


def scanned(root: Path, sast: Any, **options: Any) -> list[str]:
    ctx = sast.context(root, options)
    rules = {p.resolve() for p in BUILTIN_RULES.rglob("*.yaml")}
    return sorted(ctx.relpath(p) for p in SastCheck().inputs(ctx) if p.resolve() not in rules)


@pytest.fixture
def root(tmp_path: Path, sast: Any) -> Path:
    sast.write(tmp_path / "p", FILES)
    return tmp_path / "p"


def test_default_uses_project_semgrepignore_with_include_and_nothing_else(root: Path, sast: Any) -> None:
    assert scanned(root, sast) == [
        ".gitignore", ".semgrepignore",  # both decide the targets, so both are inputs
        "build/lib/app.py", "src/app.py", "src/stubs.pyi", "tests/test_app.py", "vendor/six.py",
    ]


def test_no_ignore_files_scans_everything_but_vcs_and_venv(root: Path, sast: Any) -> None:
    assert scanned(root, sast, ignore_files=[]) == [
        "build/lib/app.py", "generated/big.py", "src/app.py", "src/app_pb2.py", "src/stubs.pyi",
        "tests/test_app.py", "vendor/six.py",
    ]


def test_paths_and_exclude_narrow_the_scan(root: Path, sast: Any) -> None:
    assert scanned(root, sast, ignore_files=[], paths=["src", "vendor"], exclude=["*.pyi", "vendor/"]) == [
        "src/app.py", "src/app_pb2.py",
    ]


def test_missing_include_target_is_bad_input_with_line(root: Path, sast: Any) -> None:
    (root / ".semgrepignore").write_text("build/\n:include missing.txt\n")
    with pytest.raises(CheckFailed, match=r"^\.semgrepignore:2: included ignore file 'missing.txt' not found") as err:
        scanned(root, sast)
    assert err.value.bad_input


def test_include_outside_the_configuration_source_is_bad_input_with_line(root: Path, sast: Any) -> None:
    (root.parent / "outside-ignore").write_text("*\n")
    for line in (":include ../outside-ignore", f":include {root.parent / 'outside-ignore'}"):
        (root / ".semgrepignore").write_text(f"build/\n{line}\n")
        with pytest.raises(CheckFailed, match=r"^\.semgrepignore:2: included ignore file .*outside the repository") as err:
            scanned(root, sast)
        assert err.value.bad_input
    # A symlink inside the tree that leads out of it is refused the same way.
    (root / "team-ignore").symlink_to(root.parent / "outside-ignore")
    (root / ".semgrepignore").write_text("build/\n\n:include team-ignore\n")
    with pytest.raises(CheckFailed, match=r"^\.semgrepignore:3: included ignore file 'team-ignore' resolves outside"):
        scanned(root, sast)


def test_a_semgrepignore_that_is_a_symlink_out_of_the_tree_is_refused(root: Path, sast: Any) -> None:
    (root.parent / "elsewhere").write_text("*\n")
    (root / ".semgrepignore").unlink()
    (root / ".semgrepignore").symlink_to(root.parent / "elsewhere")
    with pytest.raises(CheckFailed, match=r"checks\.sast\.ignore_files: .*'\.semgrepignore' resolves outside") as err:
        scanned(root, sast)
    assert err.value.bad_input


def test_symlinks_are_never_followed(root: Path, sast: Any, tmp_path: Path) -> None:
    """A symlink is not a file of its own: an in-tree target is scanned once, where it lives; one that
    leaves the tree is never handed to semgrep (the gate reports it: tests/sast/test_trust.py); a
    dangling one points at nothing, so there is nothing to scan."""
    outside = tmp_path / "outside.py"
    outside.write_text("eval(payload)\n")
    (root / "src" / "alias.py").symlink_to(root / "src" / "app.py")
    (root / "src" / "escape.py").symlink_to(outside)
    (root / "src" / "gone.py").symlink_to(root / "src" / "deleted.py")
    (root / "linked").symlink_to(tmp_path, target_is_directory=True)
    assert scanned(root, sast, ignore_files=[]) == [
        "build/lib/app.py", "generated/big.py", "src/app.py", "src/app_pb2.py", "src/stubs.pyi",
        "tests/test_app.py", "vendor/six.py",
    ]
    result = SastCheck().run(sast.context(root, {"ignore_files": []}))
    assert result.status == "ok" and result.findings == []
    assert result.summary["files_scanned"] == 7 and result.summary["warnings"] == []
