"""A third-party plugin, installed as a real distribution with an entry point, is discovered and
runs; a broken one yields error/timeout without stopping the run; the conformance suite tells them apart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "thirdparty"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the demo distribution into its own directory (never into the test venv)."""
    target = tmp_path_factory.mktemp("site")
    src = tmp_path_factory.mktemp("src") / "thirdparty"
    shutil.copytree(DATA, src)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(src)],
        check=True, capture_output=True,
    )
    assert list(target.glob("gatecheck_demo_plugin-0.3.0.dist-info"))
    return target


def gatecheck(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CI", None)
    return subprocess.run([str(BIN / "gatecheck"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1  # FIXME: handle errors\n")
    (root / "gatecheck.toml").write_text(
        "[run]\ntimeout = 60\n[checks.fixme]\nseverity = 'high'\n[checks.stall]\ntimeout = 1\n"
    )
    return root


def test_entry_point_plugin_is_discovered(site: Path, tmp_path: Path) -> None:
    result = gatecheck(site, "plugins", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    by_name = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert by_name["demo"]["checks"] == ["fixme"] and by_name["demo"]["reporters"] == ["csv"]
    assert by_name["demo"]["version"] == "0.3.0"
    assert "from gatecheck-demo-plugin 0.3.0" in by_name["demo"]["source"]
    assert sorted(by_name["demo-broken"]["checks"]) == ["explode", "garbage", "stall"]


def test_third_party_check_and_format_run(site: Path, project: Path) -> None:
    result = gatecheck(site, "run", ".", "--check", "fixme", "-q", "-f", "csv", cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == ["check,rule,severity,path", "fixme,fixme,high,pkg/a.py"]


def test_broken_checks_do_not_stop_the_run(site: Path, project: Path) -> None:
    result = gatecheck(
        site, "run", ".", "--check", "fixme", "--check", "explode", "--check", "stall", "--check", "garbage",
        "-q", "-f", "json", cwd=project,
    )
    assert result.returncode == 1, result.stderr
    by_check = {r["check"]: r for r in json.loads(result.stdout)["results"]}
    assert by_check["fixme"]["status"] == "ok" and len(by_check["fixme"]["findings"]) == 1
    assert by_check["explode"]["status"] == "error"
    assert "ZeroDivisionError: division by zero in plugin" in by_check["explode"]["error"]
    assert by_check["stall"]["status"] == "timeout"
    assert by_check["garbage"]["status"] == "error" and "invalid result" in by_check["garbage"]["error"]


def test_conformance_suite_passes_the_good_plugin(site: Path, project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gatecheck_conformance.plugins", "demo", "--project", str(project)],
        env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms: 0 problem(s)" in result.stdout


def test_conformance_suite_fails_the_broken_plugin(site: Path, project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gatecheck_conformance.plugins", "demo-broken", "--project", str(project), "--timeout", "2"],
        env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    out = result.stdout
    assert "check 'explode': run raised instead of reporting" in out
    assert "check 'garbage': result fails check-result.schema.json" in out
    assert "check 'explode': on a missing project directory run raised ZeroDivisionError" in out
