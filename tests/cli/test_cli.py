"""The CLI: exit codes 0/1/2/3, several report formats at once, and each command's basics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatecheck import plugin_manager

# The example's SARIF holds one high (8.1) and one medium (6.1) finding.


def test_run_denied_is_exit_1(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", str(example_copy), "--check", "sarif", "-q")
    assert result.exit_code == 1
    assert "DENIED" in result.stdout and "ESLint/no-eval" in result.stdout


def test_run_pass_is_exit_0(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", str(example_copy), "--check", "sarif", "--fail-on", "critical", "-q")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout


def test_bad_configuration_is_exit_2_with_file_and_line(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    (example_copy / "gatecheck.toml").write_text("version = 1\n[run]\njobs = 0\n")
    result = cli("run", str(example_copy), "-q")
    assert result.exit_code == 2
    assert f"{example_copy / 'gatecheck.toml'}:3: run.jobs:" in result.stderr


def test_plugin_bug_is_exit_3(cli, example_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(plugin_manager, "BUILTIN_PLUGINS", (*plugin_manager.BUILTIN_PLUGINS, "broken_hook_plugin"))
    result = cli("run", str(example_copy), "-q")
    assert result.exit_code == 3
    assert "plugin bug" in result.stderr and "Traceback" not in result.stderr


def test_several_formats_at_once(cli, example_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    result = cli(
        "run", str(example_copy), "--check", "sarif", "-q",
        "-f", f"sarif:{out}/g.sarif", "-f", "junit", "-o", str(out / "g.xml"), "-f", f"markdown:{out}/g.md", "-f", "json",
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["exit_code"] == 1
    assert json.loads((out / "g.sarif").read_text())["version"] == "2.1.0"
    assert (out / "g.xml").read_text().startswith("<?xml")
    assert (out / "g.md").read_text().startswith("## gatecheck:")


def test_two_formats_on_stdout_is_bad_input(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", str(example_copy), "-f", "json", "-f", "sarif")
    assert result.exit_code == 2 and "only one format can go to standard output" in result.stderr


def test_unknown_format_is_bad_input(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", str(example_copy), "-f", "pdf")
    assert result.exit_code == 2 and "unknown format 'pdf'" in result.stderr


def test_warm_rerun_uses_the_cache_and_no_cache_does_not(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    cli("run", str(example_copy), "--check", "sarif", "-q")
    warm = json.loads(cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json").stdout)
    assert warm["results"][0]["cached"] is True
    cold = json.loads(cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "--no-cache").stdout)
    assert cold["results"][0]["cached"] is False
    assert [f["id"] for f in warm["results"][0]["findings"]] == [f["id"] for f in cold["results"][0]["findings"]]


def test_progress_lines_in_logs(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", str(example_copy), "--check", "sarif")
    assert "gatecheck: sarif started" in result.stderr
    assert "gatecheck: sarif ok, 2 findings" in result.stderr


def test_plugins_lists_sources_and_provides(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("plugins", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    by_name = {p["name"]: p for p in doc["plugins"]}
    assert by_name["sarif"]["checks"] == ["sarif"]
    assert by_name["sarif"]["source"].startswith("entry point gatecheck_plugins.sarif from gatecheck")
    assert by_name["gatecheck.reports.builtin"]["source"] == "builtin"
    assert set(doc["reporters"]) >= {"text", "json", "sarif", "junit", "markdown"}
    assert doc["checks"]["sarif"]["options_schema"]["type"] == "object"
    text = cli("plugins")
    assert text.exit_code == 0 and "check:sarif" in text.stdout


def test_init_and_config_validate(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", str(tmp_path)).exit_code == 0
    assert cli("init", str(tmp_path)).exit_code == 2
    result = cli("config", "validate", str(tmp_path))
    assert result.exit_code == 0 and "valid" in result.stdout


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    from gatecheck import __version__

    result = cli("version")
    assert result.exit_code == 0 and result.stdout.startswith(f"gatecheck {__version__}")
