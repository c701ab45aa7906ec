"""The built-in pack against its labelled corpus (tests/secrets/corpus/): coverage of every rule and
family, recall and false alarms, no provider rule firing on another provider's credential, and every
match ending exactly at the end of its value. One engine serves every test in the module."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gatecheck_plugins.secrets.matcher import Engine
from gatecheck_plugins.secrets.rules import builtin_rules

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus" / "corpus.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]
EXAMPLES: list[dict[str, Any]] = tomllib.loads((HERE / "rule_examples.toml").read_text("utf-8"))["examples"]


def _quality() -> ModuleType:
    """bench/secrets_quality.py, whose evaluation the acceptance numbers come from."""
    spec = importlib.util.spec_from_file_location("secrets_quality", HERE.parents[1] / "bench" / "secrets_quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


QUALITY = _quality()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(builtin_rules(), "hyperscan")


def test_the_corpus_is_current_and_covers_every_rule_and_family() -> None:
    rules = builtin_rules().rules
    assert len(rules) >= 400
    positives = Counter(r["rule"] for r in ROWS if r["label"] == "positive")
    assert {r.id for r in rules} <= set(positives), "regenerate: python tests/secrets/corpus/generate.py"
    by_family: dict[str, Counter[str]] = {}
    for row in ROWS:
        by_family.setdefault(row["family"], Counter())[row["label"]] += 1
    for rule in rules:
        counts = by_family[rule.family]
        assert counts["positive"] >= 3 and counts["negative"] >= 3, rule.family
    hard = Counter(r["kind"] for r in ROWS if r["family"] == "hard-negative")
    for kind in ("placeholder", "fixture", "hash", "uuid", "base64", "public-key", "provider-id"):
        assert hard[kind] >= 3, kind


def test_recall_and_false_alarms_meet_the_target(engine: Engine) -> None:
    result = QUALITY.evaluate(engine, ROWS)
    families: dict[str, dict[str, int]] = result["families"]
    found = sum(f["found"] for f in families.values())
    positives = sum(f["pos"] for f in families.values())
    alarms = sum(f["alarms"] for f in families.values())
    negatives = sum(f["neg"] for f in families.values())
    assert found / positives >= 0.97, result["misses"][:20]
    assert alarms / negatives <= 0.05, result["alarms"][:20]
    # No family may be carried by the others: each finds most of its own credentials.
    weak = {name: f"{f['found']}/{f['pos']}" for name, f in families.items() if f["pos"] and f["found"] / f["pos"] < 0.75}
    assert weak == {}


def test_the_pure_python_path_finds_exactly_the_same(engine: Engine) -> None:
    """Without Hyperscan the keywords are the prefilter: every rule's keywords must cover every way
    its credentials are written, or the fallback would miss what the fast path finds."""
    fast = QUALITY.evaluate(engine, ROWS)
    slow = QUALITY.evaluate(Engine(builtin_rules(), "python"), ROWS)
    assert slow["misses"] == fast["misses"] and slow["alarms"] == fast["alarms"]


def test_no_provider_rule_fires_on_another_providers_credential(engine: Engine) -> None:
    """Every rule's own examples and every corpus positive, scanned with every rule (no de-duplication,
    so a rule cannot hide behind a better one): only rules of the credential's own family, or rules
    for a kind of value rather than a provider (private keys, JWTs, URLs, generic assignments), fire."""
    family = {r.id: r.family for r in builtin_rules().rules}
    samples = [(e["rule"], e.get("path", "src/app.py"), text) for e in EXAMPLES for text in e["tp"] if text]
    samples += [(r["rule"], r["path"], r["text"]) for r in ROWS if r["label"] == "positive" and r["text"]]
    crossed: set[tuple[str, str]] = set()
    for rule_id, path, text in samples:
        for match in engine.scan(path, text.encode(), dedupe=False):
            other = family[match.rule.id]
            if other != family[rule_id] and other not in QUALITY.FORMAT_FAMILIES:
                crossed.add((rule_id, match.rule.id))
    assert sorted(crossed) == []


def test_every_match_ends_at_the_end_of_its_value(engine: Engine) -> None:
    """A value followed by one more character of its own kind is a longer value: no rule may report
    the shorter one (a capture that stops early, or runs past the end, is a wrong secret). Values
    whose format closes them (base64 padding, a key block's armor) cannot be longer and are left out."""
    wrong = []
    for row in ROWS:
        value = row["value"]
        if row["label"] != "positive" or not value or "\n" in value or value.endswith(("=", "-")):
            continue
        longer = row["text"].replace(value, value + value[-1], 1)
        hits = [m.rule.id for m in engine.scan(row["path"], longer.encode(), dedupe=False) if m.secret == value.encode()]
        if hits:
            wrong.append((row["id"], hits))
    assert wrong == []
