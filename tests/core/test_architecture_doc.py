"""docs/architecture.md names only modules that exist, and every package in core/ and plugins/ (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"


def _named_paths() -> list[str]:
    text = DOC.read_text("utf-8")
    tops = {"core", "plugins", "policies", "schemas", "conformance"}
    return [p for p in re.findall(r"`([a-z_]+/[^`\s]*)`", text) if p.split("/")[0] in tops]


def test_every_path_named_exists() -> None:
    paths = _named_paths()
    assert len(paths) > 40
    missing = [p for p in paths if not (REPO / p).exists()]
    assert not missing, f"docs/architecture.md names paths that no longer exist: {missing}"


def test_every_package_is_on_the_map() -> None:
    named = set(_named_paths())
    packages = [f"{top}/{d.name}/" for top in ("core", "plugins") for d in sorted((REPO / top).iterdir())
                if d.is_dir() and (d / "__init__.py").exists()]
    missing = [p for p in packages if p not in named]
    assert not missing, f"packages missing from docs/architecture.md: {missing}"
