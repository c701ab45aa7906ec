"""Configuration: discovery, validation, and errors that name the file, key path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatecheck import config
from gatecheck.errors import BadInput
from gatecheck.gate import GateOptions, plan
from gatecheck.plugin_manager import Plugins


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text)
    return path


def test_no_configuration_means_defaults(tmp_path: Path) -> None:
    cfg = config.load(tmp_path)
    assert cfg.path is None and cfg.data == {}


def test_gatecheck_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.gatecheck.run]\njobs = 2\n")
    write(tmp_path, "gatecheck.toml", "[run]\njobs = 3\n")
    assert config.load(tmp_path).section("run")["jobs"] == 3


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.gatecheck.run]\njobs = 2\n')
    cfg = config.load(tmp_path)
    assert cfg.path == tmp_path / "pyproject.toml" and cfg.section("run")["jobs"] == 2


def test_pyproject_without_tool_table_is_not_a_config(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert config.load(tmp_path).path is None


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "gatecheck.toml", "version = 1\n\n[run]\njobs = = 4\n")
    with pytest.raises(BadInput) as info:
        config.load(tmp_path)
    assert info.value.path == str(path) and info.value.line == 4
    assert info.value.describe().startswith(f"{path}:4: invalid TOML")


def test_unknown_key_names_key_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "gatecheck.toml", "version = 1\n\n[run]\njobs = 4\ntimout = 5\n")
    with pytest.raises(BadInput) as info:
        config.load(tmp_path)
    err = info.value
    assert (err.path, err.line, err.key) == (str(path), 5, "run.timout")
    assert "timout" in err.message


def test_wrong_type_names_key_path_and_line_in_pyproject(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n\n[tool.gatecheck]\nversion = 1\n\n[tool.gatecheck.run]\njobs = "many"\n'
    path = write(tmp_path, "pyproject.toml", text)
    with pytest.raises(BadInput) as info:
        config.load(tmp_path)
    assert (info.value.path, info.value.line, info.value.key) == (str(path), 8, "run.jobs")


def test_dotted_keys_and_inline_tables_are_located(tmp_path: Path) -> None:
    write(tmp_path, "gatecheck.toml", "version = 1\nchecks.sarif.enabled = true\nrun = { jobs = 0 }\n")
    with pytest.raises(BadInput) as info:
        config.load(tmp_path)
    assert info.value.key == "run.jobs" and info.value.line == 3


def test_check_options_are_validated_against_the_check_schema(tmp_path: Path) -> None:
    path = write(tmp_path, "gatecheck.toml", "[checks.sarif]\nenabled = true\nfiles = 'not-a-list'\n")
    cfg = config.load(tmp_path)
    with pytest.raises(BadInput) as info:
        plan(cfg, Plugins(), GateOptions())
    assert (info.value.path, info.value.line, info.value.key) == (str(path), 3, "checks.sarif.files")


def test_unknown_check_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "gatecheck.toml", "[checks.sarfi]\nfiles = []\n")
    with pytest.raises(BadInput) as info:
        plan(config.load(tmp_path), Plugins(), GateOptions())
    assert "sarfi" in info.value.message and info.value.line == 1


def test_disabled_and_stage_selected_checks(tmp_path: Path) -> None:
    write(tmp_path, "gatecheck.toml", "[checks.sarif]\nenabled = false\n")
    names = [r.check.name for r in plan(config.load(tmp_path), Plugins(), GateOptions())]
    assert "sarif" not in names
    write(tmp_path, "gatecheck.toml", '[stages.deploy]\nchecks = ["sarif"]\n')
    cfg = config.load(tmp_path)
    assert [r.check.name for r in plan(cfg, Plugins(), GateOptions(stage="deploy"))] == ["sarif"]


def test_per_check_timeout_overrides_the_default(tmp_path: Path) -> None:
    write(tmp_path, "gatecheck.toml", "[run]\ntimeout = 30\n[checks.sarif]\ntimeout = 7\n")
    [run] = [r for r in plan(config.load(tmp_path), Plugins(), GateOptions()) if r.check.name == "sarif"]
    assert run.timeout == 7


def test_starter_config_is_valid_and_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "gatecheck.toml"
    config.write_starter(target)
    cfg = config.load(tmp_path)
    assert cfg.section("run")["fail_on"] == "high"
    plan(cfg, Plugins(), GateOptions())
    with pytest.raises(BadInput):
        config.write_starter(target)
    config.write_starter(target, force=True)
