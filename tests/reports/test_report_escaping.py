"""Reports escape what they print (issue 21): a file name or finding title from the tree under
judgement cannot break a report's structure or forge content in it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

HOSTILE_TITLE = "| fake | row |\x1b[2J <img src=x onerror=alert(1)> [click](https://evil.example) `code` \x00 *bold*"
HOSTILE_NAME = "evil\n## Approved\n|x|`y`.js"


def test_markdown_and_junit_hold_hostile_text_inert(example_copy: Path, cli: Callable[..., Any], tmp_path: Path) -> None:
    sarif = json.loads((example_copy / "reports" / "eslint.sarif").read_text())
    result = sarif["runs"][0]["results"][0]
    result["message"]["text"] = HOSTILE_TITLE
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = HOSTILE_NAME
    (example_copy / "reports" / "eslint.sarif").write_text(json.dumps(sarif))
    md, junit = tmp_path / "r.md", tmp_path / "r.xml"
    code = cli("run", str(example_copy), "-q", "--check", "sarif", "-f", f"markdown:{md}", "-f", f"junit:{junit}").exit_code
    assert code == 1
    text = md.read_text()
    lines = text.splitlines()
    # No line the attacker wrote: every denial is one table row, and nothing renders.
    assert not any(line.startswith(("## Approved", "| fake")) for line in lines)
    row = next(line for line in lines if "onerror" in line)
    assert row.startswith("| ") and row.count(" | ") == 3  # four cells, as the header says
    assert "<img" not in text and "&lt;img" in text and "\\[click\\]" in text and "\\*bold\\*" in text
    assert "\x1b" not in text and "\x00" not in text
    assert "evil\\n## Approved" in row  # the file name's newline is shown, not obeyed
    tree = ET.parse(junit)  # valid XML despite the NUL and ESC in the title
    failures = [f.get("message", "") for f in tree.iter("failure")]
    assert any("\\x00" in m and "\\x1b" in m for m in failures)
