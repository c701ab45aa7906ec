"""`pip install '.[all]'` (not editable) into a fresh virtual environment works from any directory.

This is the packaging promise of the design card: schemas/ and policies/ ship inside the
wheel and are found through importlib.resources, and every first-party plugin registers
through its entry point. The `all` extra brings every optional part, so that every check runs
(migrations included) and the KMS signers' libraries are there. One fresh environment serves
every test of this module: building it is the slow part.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "webapp"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
DISTRIBUTION = PYPROJECT["project"]["name"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    # Install with the test environment's pip into the new interpreter (pip --python), as the
    # README says: `pip install '.[all]'` of this repository.
    build = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
         "--disable-pip-version-check", f"{REPO}[all]"],
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


def test_the_all_extra_is_every_optional_part() -> None:
    """`all` lists exactly the requirements of every other optional part (not the test tools)."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    parts = {req for name, reqs in extras.items() if name not in ("all", "test") for req in reqs}
    assert parts and set(extras["all"]) == parts


#: Run inside the fresh environment: every requirement of the `all` extra is installed at a version
#: it allows, and so is every requirement of the extras it names (securesystemslib[vault,...]).
UNMET = """
import importlib.metadata as m, json, sys
from packaging.requirements import Requirement

def unmet(req, extras=("",), seen=set()):
    req = Requirement(req)
    if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras):
        return []
    try:
        dist = m.distribution(req.name)
    except m.PackageNotFoundError:
        return [str(req)]
    if not req.specifier.contains(dist.version, prereleases=True):
        return [f"{req} (installed {dist.version})"]
    key = (req.name, tuple(sorted(req.extras)))
    if not req.extras or key in seen:
        return []
    seen.add(key)
    return [u for sub in dist.requires or [] for u in unmet(sub, tuple(req.extras))]

print(json.dumps(unmet(sys.argv[1] + "[all]")))
"""


def test_the_all_extra_installs_every_optional_requirement(fresh: Path, tmp_path: Path) -> None:
    proc = subprocess.run([str(fresh / "bin" / "python"), "-c", UNMET, DISTRIBUTION], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    # The probe is not vacuous: a requirement of the extra's extras that is absent is reported.
    probe = UNMET.replace('dist.requires or []', 'list(dist.requires or []) + ["gatecheck-absent-probe; extra == \'vault\'"]')
    proc = subprocess.run([str(fresh / "bin" / "python"), "-c", probe, DISTRIBUTION], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert json.loads(proc.stdout) == ['gatecheck-absent-probe; extra == "vault"']


def test_every_check_runs_after_installing_the_all_extra(fresh: Path, tmp_path: Path) -> None:
    """Every check the installation offers runs on the example and finishes `ok`: none is
    `skipped` for a missing optional part (the migrations parser) or errors."""
    project = tmp_path / "webapp"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".gatecheck"))
    checks = set(json.loads(run(fresh, "plugins", "--format", "json", cwd=tmp_path).stdout)["checks"])
    assert "migrations" in checks
    result = run(fresh, "run", str(project), "--no-cache", "-q", "-f", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # the example is meant to be denied
    statuses = {r["check"]: r["status"] for r in json.loads(result.stdout)["results"] if r["check"] != "gatecheck"}
    # slo and approvals need the operator's configuration (a Prometheus, reviewer keys) and run only with it.
    operator_configured = {"slo", "approvals"}
    assert statuses == dict.fromkeys(checks - operator_configured, "ok")


def test_version_names_the_distribution(fresh: Path, tmp_path: Path) -> None:
    """`gatecheck version` says which project this is, as pip knows it, and warns about the other one."""
    version = run(fresh, "version", cwd=tmp_path)
    assert f"(distribution {DISTRIBUTION}," in version.stdout and version.stderr == ""
    shown = subprocess.run([str(fresh / "bin" / "python"), "-c",
                            "import importlib.metadata as m, sys; d = m.distribution(sys.argv[1]);"
                            "print(d.metadata['Name'], [e.value for e in d.entry_points if e.name == 'gatecheck'])",
                            DISTRIBUTION], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert shown.split()[0] == DISTRIBUTION and "gatecheck.cli:run" in shown
    # The unrelated PyPI project's metadata beside it: `version` warns, naming it.
    other = next((fresh / "lib").glob("python3*/site-packages")) / "gatecheck-0.1.1.dist-info"
    other.mkdir()
    try:
        (other / "METADATA").write_text("Metadata-Version: 2.1\nName: gatecheck\nVersion: 0.1.1\n"
                                        "Summary: Provider-agnostic LLM evaluation harness\n")
        warned = run(fresh, "version", cwd=tmp_path)
    finally:
        shutil.rmtree(other)
    assert warned.returncode == 0
    assert "gatecheck 0.1.1 (Provider-agnostic LLM evaluation harness) is also installed" in warned.stderr
