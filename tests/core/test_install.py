"""`pip install .` (not editable) into a fresh virtual environment works from any directory.

This is the packaging promise of the design card: schemas/ and policies/ ship inside the
wheel and are found through importlib.resources, and every first-party plugin registers
through its entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "webapp"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    # Install with the test environment's pip into the new interpreter (pip --python).
    build = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
         "--disable-pip-version-check", str(REPO)],
        capture_output=True, text=True, timeout=900,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return env_dir


def run(fresh: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(fresh / "bin" / "gatecheck"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def test_installed_package_is_not_the_source_tree(fresh: Path, tmp_path: Path) -> None:
    code = ("import gatecheck, importlib.resources as r;"
            "print(gatecheck.__file__); print(r.files('gatecheck.schemas')); print(r.files('gatecheck.policies'))")
    out = subprocess.run([str(fresh / "bin" / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout.split()
    assert all(str(fresh) in line and str(REPO) not in line for line in out), out
    schemas = subprocess.run(
        [str(fresh / "bin" / "python"), "-c",
         "import importlib.resources as r; print(sorted(p.name for p in r.files('gatecheck.schemas').iterdir()))"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout
    assert "check-result.schema.json" in schemas and "config.schema.json" in schemas


def test_help_and_plugins_from_an_unrelated_directory(fresh: Path, tmp_path: Path) -> None:
    assert run(fresh, "--help", cwd=tmp_path).returncode == 0
    listed = run(fresh, "plugins", "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    assert all(p["error"] is None for p in doc["plugins"])
    assert "sarif" in doc["checks"]


def test_run_on_the_example_from_an_unrelated_directory(fresh: Path, tmp_path: Path) -> None:
    result = run(fresh, "run", str(EXAMPLE), "--check", "sarif", "--no-cache", "-q", "-f", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["decision"]["allow"] is False
    assert {f["rule_id"] for f in doc["results"][0]["findings"]} == {"ESLint/no-eval", "ESLint/no-unsanitized/property"}
