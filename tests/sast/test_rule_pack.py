"""The rule pack: every rule is complete, has positive and negative tests, and `semgrep --test` passes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, SEVERITIES, rule_files

PYTHON_RULES = BUILTIN_RULES / "python"
PYTHON_TESTS = BUILTIN_RULES / "tests" / "python"
RULE_FILES = rule_files(BUILTIN_RULES)


def all_rules() -> list[tuple[Path, dict]]:
    return [(path, rule) for path in RULE_FILES for rule in yaml.safe_load(path.read_text())["rules"]]


def test_pack_is_not_empty_and_ids_are_unique() -> None:
    ids = [rule["id"] for _, rule in all_rules()]
    assert len(ids) >= 20
    assert len(ids) == len(set(ids))
    assert all(i.startswith("gatecheck.python.") for i in ids)


@pytest.mark.parametrize(("path", "rule"), all_rules(), ids=lambda v: v["id"] if isinstance(v, dict) else v.name)
def test_rule_has_required_metadata(path: Path, rule: dict) -> None:
    assert rule["severity"] in SEVERITIES
    assert rule["languages"] == ["python"]
    assert len(rule["message"]) > 40
    meta = rule["metadata"]
    assert meta["confidence"] in ("HIGH", "MEDIUM", "LOW")
    assert meta["category"] == "security"
    assert meta["cwe"] and all(re.match(r"CWE-\d+: \S", c) for c in meta["cwe"])
    assert meta["references"] and all(r.startswith("https://") for r in meta["references"])


@pytest.mark.parametrize(("path", "rule"), all_rules(), ids=lambda v: v["id"] if isinstance(v, dict) else v.name)
def test_rule_has_positive_and_negative_cases(path: Path, rule: dict) -> None:
    test_file = PYTHON_TESTS / (path.stem + ".py")
    text = test_file.read_text()
    assert re.search(rf"#\s*ruleid:.*\b{re.escape(rule['id'])}\b", text), f"no positive case for {rule['id']}"
    assert re.search(rf"#\s*ok:.*\b{re.escape(rule['id'])}\b", text), f"no negative case for {rule['id']}"


@pytest.mark.slow
def test_semgrep_test_passes_for_every_rule() -> None:
    """semgrep's own test runner over the pack: every `ruleid:` line matches, no `ok:` line does."""
    semgrep = Path(sys.executable).parent / "semgrep"
    proc = subprocess.run(
        [str(semgrep), "--test", "--json", "--metrics=off", "--disable-version-check",
         "--config", str(PYTHON_RULES), str(PYTHON_TESTS)],
        capture_output=True, text=True, timeout=300,
        env={"PATH": str(semgrep.parent) + ":/usr/bin:/bin", "SEMGREP_ENABLE_VERSION_CHECK": "0",
             "SEMGREP_SEND_METRICS": "off", "HOME": str(Path.home())},
    )
    report = json.loads(proc.stdout)
    assert report["config_missing_tests"] == []
    assert report["config_with_errors"] == []
    checked = {}
    for file_result in report["results"].values():
        for check_id, outcome in file_result["checks"].items():
            checked[check_id] = outcome
    expected = {rule["id"] for _, rule in all_rules()}
    assert set(checked) == expected
    failed = {k: v["matches"] for k, v in checked.items() if not v["passed"]}
    assert failed == {}
    assert proc.returncode == 0
