"""The sarif check through the gate: a SARIF file that is not JSON, or not SARIF 2.1.0, is bad input
(exit 2) naming the file and line, never "no findings"."""

from __future__ import annotations

import json
from pathlib import Path


def test_malformed_sarif_is_exit_2_naming_file_and_line(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    (example_copy / "reports" / "broken.sarif").write_text('{\n  "version": "2.1.0",\n  "runs": [\n    {"tool": }\n  ]\n}\n')
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    [sarif] = doc["results"]
    assert sarif["status"] == "error" and sarif["bad_input"] is True
    assert sarif["error"].startswith("reports/broken.sarif:4: invalid JSON")
    assert doc["decision"]["allow"] is False


def test_sarif_that_is_not_2_1_0_names_the_line(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    (example_copy / "reports" / "old.sarif").write_text('{\n  "runs": [],\n  "version": "1.0.0"\n}\n')
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json")
    assert result.exit_code == 2
    assert "reports/old.sarif:3: not SARIF 2.1.0" in json.loads(result.stdout)["results"][0]["error"]
