"""The store and the server are optional parts (core/store/extras.py): nothing imports them until a
command needs them, a command that needs a missing one exits 2 naming its extra, and the extras
pyproject.toml declares bring the modules the code asks for."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gatecheck.store.extras import EXTRA_MODULES

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())

#: Runs `gatecheck ARGS...` with the top-level modules named in argv[1] (comma-separated) made
#: unimportable, as in an installation without the extra that brings them.
WITHOUT = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

BLOCKED = set(sys.argv[1].split(","))
sys.meta_path.insert(0, Block())
from gatecheck.cli import main
sys.exit(main(sys.argv[2:]))
"""


def without(modules: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT, modules, *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_importing_the_cli_and_the_store_package_imports_neither_sqlalchemy_nor_the_server() -> None:
    code = ("import sys, gatecheck.cli, gatecheck.store, gatecheck.cli.store_cmd, gatecheck.cli.serve_cmd; "
            "loaded = [m for m in ('sqlalchemy', 'psycopg', 'uvicorn', 'starlette') if m in sys.modules]; "
            "assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [("store", "check"), ("store", "search"), ("audit", "verify", "--key", "k.pub")])
def test_a_store_command_without_the_store_extra_exits_2_naming_it(command: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_text("")
    result = without("sqlalchemy", *command, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "needs the 'store' extra" in result.stderr and "no module named 'sqlalchemy'" in result.stderr
    assert "pip install '.[store]'" in result.stderr and "gatecheck-policy-gate[store]" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / ".gatecheck").exists()


def test_serve_without_the_server_extra_exits_2_naming_it(tmp_path: Path) -> None:
    for blocked, module in (("uvicorn", "uvicorn"), ("starlette", "starlette"), ("sqlalchemy", "sqlalchemy")):
        result = without(blocked, "serve", "--key", "k.pub", "--insecure-http", "--insecure-no-auth", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert f"gatecheck serve needs the 'server' extra, which is not installed (no module named '{module}')" in result.stderr
        assert "pip install '.[server]'" in result.stderr and "Traceback" not in result.stderr


def test_help_works_without_the_extras(tmp_path: Path) -> None:
    for args in (("store", "--help"), ("serve", "--help"), ("store", "push", "--help")):
        result = without("sqlalchemy,uvicorn,starlette,psycopg", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Usage: gatecheck" in result.stdout


def test_the_command_list_works_without_the_store_extra(tmp_path: Path) -> None:
    result = without("sqlalchemy", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_postgresql_url_without_psycopg_names_the_store_extra(tmp_path: Path) -> None:
    result = without("psycopg", "store", "check", "--store", "postgresql://gatecheck@127.0.0.1:9/none", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "cannot use store URL postgresql+psycopg://gatecheck@127.0.0.1:9/none" in result.stderr
    assert "needs the 'store' extra" in result.stderr and "no module named 'psycopg'" in result.stderr


def test_the_extras_bring_the_modules_the_code_needs_and_the_base_install_does_not() -> None:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    distributions = importlib.metadata.packages_distributions()
    optional = set()
    for extra, modules in EXTRA_MODULES.items():
        declared = {canonicalize_name(Requirement(r).name) for r in extras[extra]}
        for module in modules:
            provided = {canonicalize_name(d) for d in distributions[module]}
            assert provided & declared, f"the {extra!r} extra brings no distribution of {module!r}"
            optional |= provided & declared
        assert set(extras[extra]) <= set(extras["all"]) and set(extras[extra]) <= set(extras["test"])
    assert set(extras["store"]) <= set(extras["server"])  # serve reads the store
    base = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    assert not base & (optional | {"psycopg", "uvicorn", "starlette", "httptools", "uvloop"})
