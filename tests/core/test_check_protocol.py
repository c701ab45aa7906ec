"""The Check protocol's optional members and the public plugin API (issue 22)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gatecheck.api as api
from gatecheck.cache import ResultCache
from gatecheck.errors import GatecheckError
from gatecheck.plugin_manager import Plugins
from gatecheck.runner import CheckRun, RunSettings, run_checks


class FactCheck(api.CheckBase):
    """Counts files; its result depends on a fact (``ctx.options['day']``) that is not a file."""

    version = "1"
    description = "fact check"
    options_schema: dict[str, Any] = {"type": "object"}

    def __init__(self) -> None:
        self.name = "facts"
        self.runs = 0
        self.prepared: list[object] = []
        self.day = "2026-12-06"

    def prepare(self, ctx: api.CheckContext) -> object:
        return sorted(ctx.root.glob("*.txt"))

    def inputs(self, ctx: api.CheckContext) -> list[Path | api.KeyFact]:
        self.prepared.append(ctx.prepared)
        return [*ctx.prepared, api.KeyFact("day", self.day)]

    def run(self, ctx: api.CheckContext) -> api.CheckResult:
        self.runs += 1
        return api.CheckResult(tool=api.Tool("facts", "1"), summary={"files": len(ctx.prepared), "day": self.day})


def _run(check: FactCheck, root: Path, cache_dir: Path) -> api.CheckResult:
    return run_checks([CheckRun(check, timeout=10)], RunSettings(root=root, cache=ResultCache(cache_dir)))[0]


def test_a_key_fact_decides_the_cache_key_but_is_not_a_result_input(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "a.txt").write_text("x")
    check = FactCheck()
    first = _run(check, root, tmp_path / "cache")
    again = _run(check, root, tmp_path / "cache")
    assert (check.runs, again.cached) == (1, True)
    assert [i.path for i in again.inputs] == ["a.txt"]  # facts are key material, not files
    check.day = "2026-12-07"
    later = _run(check, root, tmp_path / "cache")
    assert (check.runs, later.cached, later.summary["day"]) == (2, False, "2026-12-07")
    assert first.summary["files"] == 1
    # prepare ran once per run, and inputs() saw what it returned
    assert check.prepared == [[root / "a.txt"]] * 3


def test_check_base_declares_the_optional_members() -> None:
    check = FactCheck()
    assert isinstance(check, api.Check)
    assert (check.after, check.enabled_by_default) == ((), True)
    assert check.restore(None, None) is None  # type: ignore[arg-type]  # nothing to put back


class Misspelt:
    """A plugin whose hook name has a typo: before, its checks silently never ran."""

    __name__ = "misspelt"

    @api.hookimpl
    def gatecheck_chekcs(self) -> list[object]:
        return []


def test_a_misspelt_hook_is_an_error_naming_the_plugin() -> None:
    with pytest.raises(GatecheckError, match=r"misspelt.*gatecheck_chekcs"):
        Plugins(load_entry_points=False, extra=[Misspelt()])


def test_api_names_are_all_importable() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_plugins_import_only_the_public_api() -> None:
    """The first-party plugins use gatecheck.api like a third-party plugin would, and nothing else."""
    import ast

    plugins = Path(__file__).resolve().parents[2] / "plugins"
    offenders = []
    for path in sorted(plugins.rglob("*.py")):
        if "/rules/tests/" in path.as_posix():  # the sast rule pack's sample code
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = {a.name for a in node.names}
                if (node.module == "gatecheck" and names <= {"api"}) or node.module == "gatecheck.api":
                    continue
                if node.module == "gatecheck" or node.module.startswith("gatecheck."):
                    offenders.append(f"{path.relative_to(plugins)}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.relative_to(plugins)}:{node.lineno} import {a.name}" for a in node.names
                              if a.name.startswith("gatecheck.") and a.name != "gatecheck.api"]
    assert not offenders, offenders
