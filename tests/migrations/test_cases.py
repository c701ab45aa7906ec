"""The labelled case set (tests/migrations/cases/): every class has at least three violating and three
clean cases, the class's own rule fires on every violating case, and no rule at all fires on a clean one.

bench/migrations_quality.py prints the same as a table, with recall and false alarms per class.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gatecheck_plugins.migrations.rules import RULES

BENCH = Path(__file__).resolve().parents[2] / "bench" / "migrations_quality.py"


def quality() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migrations_quality", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


QUALITY = quality()
CASES = QUALITY.load()


def test_every_class_has_three_violating_and_three_clean_cases() -> None:
    table = {rule: [sum(1 for c in CASES if c.rule == rule and c.violating),
                    sum(1 for c in CASES if c.rule == rule and not c.violating)] for rule in RULES}
    assert {rule: counts for rule, counts in table.items() if min(counts) < 3} == {}
    assert {c.rule for c in CASES} == set(RULES)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}/{'v' if c.violating else 'c'}/{c.description}" for c in CASES])
def test_case(case: object) -> None:
    outcome = QUALITY.judge(case)
    if outcome.case.violating:
        assert outcome.case.rule in outcome.rules, sorted(outcome.rules)
    else:
        assert outcome.rules == set()
