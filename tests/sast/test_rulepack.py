"""The rule pack: every rule is complete, has positive and negative tests, and `semgrep --test` passes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, SEMGREP_SEVERITY, rule_files

TESTS = BUILTIN_RULES / "tests"
RULE_FILES = rule_files(BUILTIN_RULES)
#: The language directories of the pack and the rule-id prefix and languages each one uses.
PACKS = {"python": ("gatecheck.python.", ["python"]), "templates": ("gatecheck.templates.", ["regex"])}
#: The class of every rule (metadata.class) and the CWE that names it, where one CWE does.
CANONICAL_CWE = {
    "sql-injection": "CWE-89", "command-injection": "CWE-78", "path-traversal": "CWE-22", "ssrf": "CWE-918",
    "open-redirect": "CWE-601", "ssti": "CWE-1336", "xxe": "CWE-611", "xpath-injection": "CWE-643",
    "ldap-injection": "CWE-90", "trust-boundary": "CWE-501", "deserialization": "CWE-502", "weak-hash": "CWE-328",
    "xml-entity-expansion": "CWE-776",
}
OWASP = re.compile(r"A(0[1-9]|10):2021 - \S")


def all_rules() -> list[tuple[Path, dict]]:
    return [(path, rule) for path in RULE_FILES for rule in yaml.safe_load(path.read_text())["rules"]]


def rule_id(value: object) -> str:
    return value["id"] if isinstance(value, dict) else Path(str(value)).name


def test_pack_is_not_empty_and_ids_are_unique() -> None:
    ids = [rule["id"] for _, rule in all_rules()]
    assert len(ids) >= 70
    assert len(ids) == len(set(ids))
    for path, rule in all_rules():
        prefix, _ = PACKS[path.parent.name]
        assert rule["id"].startswith(prefix)


@pytest.mark.parametrize(("path", "rule"), all_rules(), ids=rule_id)
def test_rule_has_required_metadata(path: Path, rule: dict) -> None:
    assert rule["severity"] in SEMGREP_SEVERITY
    assert rule["languages"] == PACKS[path.parent.name][1]
    assert len(rule["message"]) > 40
    meta = rule["metadata"]
    assert meta["confidence"] in ("HIGH", "MEDIUM", "LOW")
    assert meta["category"] == "security"
    assert meta["cwe"] and all(re.match(r"CWE-\d+: \S", c) for c in meta["cwe"])
    assert meta["owasp"] and all(OWASP.match(o) for o in meta["owasp"])
    assert meta["references"] and all(r.startswith("https://") for r in meta["references"])
    # Rule help for reports (SARIF's help.markdown): what to do instead.
    assert len(meta["help"].split()) >= 8
    canonical = CANONICAL_CWE.get(meta["class"])
    if canonical is not None:
        assert canonical in {c.split(":")[0] for c in meta["cwe"]}


def test_subsumed_by_names_rules_of_the_pack() -> None:
    ids = {rule["id"] for _, rule in all_rules()}
    for _, rule in all_rules():
        assert set(rule["metadata"].get("subsumed_by", [])) <= ids, rule["id"]


@pytest.mark.parametrize(("path", "rule"), all_rules(), ids=rule_id)
def test_rule_has_positive_and_negative_cases(path: Path, rule: dict) -> None:
    test_files = sorted((TESTS / path.parent.name).glob(path.stem + ".*"))
    assert test_files, f"no semgrep --test file for {path.name}"
    text = "\n".join(f.read_text("utf-8") for f in test_files)
    assert re.search(rf"(#|<!--)\s*ruleid:.*\b{re.escape(rule['id'])}\b", text), f"no positive case for {rule['id']}"
    assert re.search(rf"(#|<!--)\s*ok:.*\b{re.escape(rule['id'])}\b", text), f"no negative case for {rule['id']}"


@pytest.mark.slow
def test_semgrep_test_passes_for_every_rule() -> None:
    """semgrep's own test runner over the pack: every `ruleid:` line matches, no `ok:` line does."""
    semgrep = Path(sys.executable).parent / "semgrep"
    proc = subprocess.run(
        [str(semgrep), "--test", "--json", "--metrics=off", "--disable-version-check",
         "--config", str(BUILTIN_RULES), str(TESTS)],
        capture_output=True, text=True, timeout=600,
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
