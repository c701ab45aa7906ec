"""docs/setting-aside.md lists every way a finding can be set aside, with the code that does it: every
file it names in backticks exists, and every ``file:name`` names a function, class or Rego rule
that is still in that file."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "setting-aside.md"
TOPS = ("core", "plugins", "policies", "schemas", "tests", "docs", "conformance", "bench")
CODE_PATH = re.compile(rf"`((?:{'|'.join(TOPS)})/[^`\s:]+)(?::(\w+))?`")


def _defines(text: str, name: str) -> bool:
    return re.search(rf"^\s*(?:def|class)\s+{name}\b|^{name}(?:\(.*\))?\s*:?=", text, re.M) is not None


def named_code() -> list[tuple[str, str | None]]:
    return [(path, name or None) for path, name in CODE_PATH.findall(PAGE.read_text("utf-8"))]


def test_every_file_and_function_the_page_names_exists() -> None:
    named = named_code()
    assert len(named) > 20
    for path, name in named:
        assert (REPO / path).exists(), f"docs/setting-aside.md names {path}, which no longer exists"
        if name is not None:
            assert _defines((REPO / path).read_text("utf-8"), name), f"{path} no longer defines {name}"


def test_every_mechanism_row_names_the_code_that_does_it() -> None:
    lines = PAGE.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| mechanism |"))
    rows = [line for line in lines[start + 2:] if line.startswith("|")]
    rows = rows[:next((i for i, r in enumerate(rows) if not r.strip()), len(rows))]
    assert len(rows) >= 9
    for row in rows:
        where = row.split(" | ")[2]
        assert CODE_PATH.search(where), f"no code named for: {row[:80]}"


def test_each_checks_way_of_setting_aside_is_on_the_page() -> None:
    """The markers the plugins honour today; one added to a plugin without a row here fails."""
    text = PAGE.read_text("utf-8")
    for marker in ("gatecheck:allow", "nosemgrep", "baseline", "--baseline-ref", "suppressed_by_config",
                   "baselineState", "disabled_rules", "exclude_rules", "ignore_files", "stopwords"):
        assert marker in text, marker
