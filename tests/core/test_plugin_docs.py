"""docs/plugins.md covers every hook with an example, and its complete example works (issue 22)."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

from gatecheck import hookspecs
from gatecheck.runner import CheckRun, RunSettings, run_checks

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _hooks() -> list[str]:
    return [name for name, value in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("gatecheck_")]


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## ", text, flags=re.M)
    return {part.split("\n", 1)[0]: part for part in parts[1:]}


def test_every_hook_has_a_section_with_an_example() -> None:
    text = DOC.read_text("utf-8")
    sections = _sections(text)
    assert len(_hooks()) >= 5
    for hook in _hooks():
        [section] = [body for title, body in sections.items() if title.startswith(f"`{hook}`")]
        blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
        assert any("@hookimpl" in block and f"def {hook}()" in block for block in blocks), hook
        assert f"`{hook}()`" in text.split("## `", 1)[0], f"{hook} missing from the table of hooks"


def test_the_complete_example_runs(tmp_path: Path) -> None:
    text = DOC.read_text("utf-8")
    [code] = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if b.startswith("# gatecheck_fixme.py")]
    assert "from gatecheck.api import" in code
    module = types.ModuleType("gatecheck_fixme_doc")
    exec(compile(code, str(DOC), "exec"), module.__dict__)
    [check] = module.gatecheck_checks()
    root = tmp_path / "proj"
    root.mkdir()
    (root / "a.py").write_text("x = 1  # FIXME later\ny = 2\n")
    [result] = run_checks([CheckRun(check, timeout=10)], RunSettings(root=root))
    assert result.status == "ok", result.error
    assert [(f.rule_id, f.location.start_line if f.location else None) for f in result.findings] == [("fixme", 1)]
