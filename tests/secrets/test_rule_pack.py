"""Per-rule tests of the built-in pack: every rule fires on its true positives and stays silent on its
false positives, through the Hyperscan fast path and the pure-Python path alike."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from gatecheck_plugins.secrets.matcher import Engine, hyperscan_available
from gatecheck_plugins.secrets.rules import SEVERITIES, builtin_rules

EXAMPLES_FILE = Path(__file__).with_name("rule_examples.toml")
EXAMPLES: list[dict[str, Any]] = tomllib.loads(EXAMPLES_FILE.read_text("utf-8"))["examples"]
BY_RULE = {e["rule"]: e for e in EXAMPLES}


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    rules = builtin_rules()
    return {"hyperscan": Engine(rules, "hyperscan"), "python": Engine(rules, "python")}


def test_pack_has_at_least_150_rules_each_fully_described() -> None:
    rules = builtin_rules().rules
    assert len(rules) >= 150
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule.description and rule.description != rule.id, rule.id
        assert rule.severity in SEVERITIES, rule.id
        assert rule.confidence in ("high", "medium", "low"), rule.id
        if rule.regex is not None:
            assert rule.keywords, f"{rule.id} has no keywords"



def test_no_generic_rule_claims_high_confidence() -> None:
    """A rule that knows a value only by the name it is given (not by a provider's format) is not
    "high" confidence, which the default policy reads as live-looking: such a match denies even in
    test code (django-allauth's mocked Bitly "apiKey" did, through http-api-key-header)."""
    claims = [r.id for r in builtin_rules().rules if r.generic and r.confidence == "high"]
    assert claims == []

def test_every_rule_has_its_own_examples() -> None:
    rule_ids = {r.id for r in builtin_rules().rules}
    assert set(BY_RULE) == rule_ids
    for example in EXAMPLES:
        assert example["tp"], f"{example['rule']} has no true-positive example"
        assert example["fp"] or example.get("fp_paths"), f"{example['rule']} has no false-positive example"


def test_ci_uses_the_hyperscan_fast_path(engines: dict[str, Engine]) -> None:
    assert hyperscan_available()
    engine = engines["hyperscan"]
    assert engine.name == "hyperscan"
    assert engine.database is not None
    # Every built-in rule goes into the database exactly (no prefilter approximation, none left out).
    assert engine.prefiltered == []
    assert engine._always == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["rule"] for e in EXAMPLES])
def test_rule_examples(example: dict[str, Any], engines: dict[str, Engine]) -> None:
    rule_id = example["rule"]
    path = example.get("path", "src/app.py")
    for name, engine in engines.items():
        for text in example["tp"]:
            if text == "":  # a path-only rule: the file name is the finding
                assert rule_id in [r.id for r in engine.path_matches(path)], f"{name}: {rule_id} misses {path}"
                continue
            found = [m for m in engine.scan(path, text.encode(), dedupe=False) if m.rule.id == rule_id]
            assert found, f"{name}: {rule_id} misses {text[:80]!r}"
            assert all(m.secret in text.encode() and len(m.secret) >= 3 for m in found)
        for text in example["fp"]:
            hits = [m.rule.id for m in engine.scan(path, text.encode(), dedupe=False)]
            assert rule_id not in hits, f"{name}: {rule_id} fires on false positive {text[:80]!r}"
        for other in example.get("fp_paths", []):
            assert rule_id not in [r.id for r in engine.path_matches(other)], f"{name}: {rule_id} flags {other}"


def test_path_restricted_rules_do_not_fire_elsewhere(engines: dict[str, Engine]) -> None:
    example = BY_RULE["docker-config-auth"]
    text = example["tp"][0].encode()
    for engine in engines.values():
        assert "docker-config-auth" in [m.rule.id for m in engine.scan(".docker/config.json", text)]
        assert "docker-config-auth" not in [m.rule.id for m in engine.scan("src/fixtures.py", text)]


def test_generic_rule_gives_way_to_a_specific_rule(engines: dict[str, Engine]) -> None:
    text = BY_RULE["aws-secret-access-key"]["tp"][0].encode()
    for engine in engines.values():
        ids = [m.rule.id for m in engine.scan("settings.py", text)]
        assert ids == ["aws-secret-access-key"]


def test_lock_files_are_allowlisted_globally(engines: dict[str, Engine]) -> None:
    text = BY_RULE["generic-api-key-assignment"]["tp"][0].encode()
    for engine in engines.values():
        assert engine.scan("src/app.py", text)
        assert engine.scan("web/package-lock.json", text) == []


def test_one_finding_per_secret_when_several_rules_match_it(engines: dict[str, Engine]) -> None:
    npm = BY_RULE["npm-access-token"]["tp"][0].split('"')[1]
    cosmos = BY_RULE["azure-cosmosdb-key"]["tp"][0]
    for engine in engines.values():
        # both npm rules fire on an .npmrc line; the one with more context is reported
        line = f"//registry.npmjs.org/:_authToken={npm}\n".encode()
        assert {m.rule.id for m in engine.scan(".npmrc", line, dedupe=False)} == {"npm-access-token", "npmrc-auth-token"}
        assert [m.rule.id for m in engine.scan(".npmrc", line)] == ["npmrc-auth-token"]
        assert [m.rule.id for m in engine.scan("app.config", cosmos.encode())] == ["azure-cosmosdb-key"]
