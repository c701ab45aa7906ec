"""Which checks a gate runs: a check that needs the operator's configuration runs only with it."""

from __future__ import annotations

from pathlib import Path

from gatecheck import config
from gatecheck.gate import GateOptions, plan
from gatecheck.plugin_manager import Plugins


def _planned(root: Path, **options: object) -> set[str]:
    return {run.check.name for run in plan(config.load(root), Plugins(), GateOptions(**options))}  # type: ignore[arg-type]


def test_operator_configured_checks_run_only_when_configured(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    default = _planned(project)
    assert {"sarif", "sast", "secrets"} <= default and not {"slo", "approvals"} & default
    assert "slo" in _planned(project, only=["slo"])
    outside = tmp_path / "ops"
    outside.mkdir()
    (outside / "gatecheck.toml").write_text('version = 1\n[checks.slo]\nprometheus_url = "http://127.0.0.1:9"\n')
    cfg = config.load(project, outside / "gatecheck.toml")
    assert "slo" in {run.check.name for run in plan(cfg, Plugins(), GateOptions())}
    (outside / "gatecheck.toml").write_text("version = 1\n[checks.slo]\nenabled = false\n")
    cfg = config.load(project, outside / "gatecheck.toml")
    assert "slo" not in {run.check.name for run in plan(cfg, Plugins(), GateOptions())}
