"""`gatecheck explain ID` (issue 17): the rule, the evidence, the fix and a waiver ready to paste, from
the short id every report row shows, without writing a JSON report first."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _denied(cli: Callable[..., Any], project: Path, tmp_path: Path, check: str) -> list[dict[str, Any]]:
    out = tmp_path / f"{check}.json"
    cli("run", str(project), "-q", "--check", check, "-f", f"json:{out}")
    report = json.loads(out.read_text())
    findings = {f["id"]: f for r in report["results"] for f in r["findings"]}
    return [findings[e["finding_id"]] for e in report["decision"]["deny"] if e.get("finding_id") in findings]


def test_explain_gives_evidence_and_a_waiver_that_works(example_copy: Path, cli: Callable[..., Any],
                                                       tmp_path: Path) -> None:
    finding = next(f for f in _denied(cli, example_copy, tmp_path, "sast") if f["location"]["path"] == "app/views.py")
    short = finding["id"][:10]
    result = cli("explain", short, str(example_copy))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert f"finding {finding['id']}" in text and "DENIED by rule gatecheck.severity" in text
    line = finding["location"]["start_line"]
    source = (example_copy / "app" / "views.py").read_text().splitlines()[line - 1]
    assert f"{line:>7} | {source}" in text, text
    snippet = text.split("add this waiver (fill in reason and owner):\n\n", 1)[1].split("\n\n", 1)[0]
    assert f'match = {{ finding_id = "{finding["id"]}" }}' in snippet
    filled = snippet.replace("<why this risk is accepted, and what will end it>", "reviewed: constant query only") \
        .replace("<team or person>", "team-web")
    (example_copy / "gatecheck.waivers.toml").write_text(filled + "\n")
    after = cli("explain", short, str(example_copy), "--format", "json")
    assert json.loads(after.stdout)["verdict"] == "waived"


def test_explain_never_shows_the_line_of_a_secret(example_copy: Path, cli: Callable[..., Any], tmp_path: Path) -> None:
    finding = _denied(cli, example_copy, tmp_path, "secrets")[0]
    result = cli("explain", finding["id"][:10], str(example_copy), "--format", "json")
    info = json.loads(result.stdout)
    assert "code" not in info["evidence"] and info["evidence"]["preview"].count("*") >= 4
    lines = (example_copy / finding["location"]["path"]).read_text().splitlines()
    flagged = lines[finding["location"]["start_line"] - 1]
    assert flagged.strip() not in result.stdout


def test_explain_names_the_denying_rule(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "-o", str(example_copy / "r.json"))
    doc = json.loads((example_copy / "r.json").read_text())
    fid = doc["decision"]["deny"][0]["finding_id"]
    result = cli("explain", fid, str(example_copy), "--report", str(example_copy / "r.json"), "--json")
    info = json.loads(result.stdout)
    assert info["verdict"] == "denied" and info["deny"][0]["rule"] == "gatecheck.severity"
    assert info["policy_digest"] == doc["decision"]["policy_digest"]
