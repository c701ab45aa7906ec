"""`unknown` severity (an advisory nobody rated) ranks with high by default, and the operator can
rank it elsewhere through policy data (docs/policies.md, "Severity nobody rated")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gatecheck.model import CheckResult, Finding, Location, Package, Tool
from gatecheck.policy import inputs
from gatecheck.policy import policy_bundle as bundle_mod
from gatecheck.policy.decide import decide
from gatecheck.policy.embedded import EmbeddedEngine


def _input(severity: str) -> dict[str, Any]:
    finding = Finding(id="0" * 32, check="sca", rule_id="PYSEC-2099-1", title="unrated advisory", severity=severity,
                      package=Package("flask", "2.2.2"), location=Location("requirements.txt", 3))
    return inputs.build([CheckResult(check="sca", tool=Tool("pip-audit", "2.9.0"), findings=[finding])], stage="ci",
                        now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


@pytest.mark.parametrize(("overrides", "allowed", "warned"), [
    ({}, False, 0),                                      # the default: ranks with high, denies
    ({"severity_rank": {"unknown": 3}}, True, 1),         # ranked with medium: warns
    ({"severity_rank": {"unknown": 1}}, True, 0),         # ranked with info: neither
])
def test_unknown_severity_ranks_as_the_policy_data_says(overrides: dict[str, Any], allowed: bool, warned: int) -> None:
    bundle = bundle_mod.load(None).with_data(overrides)
    decision = decide(EmbeddedEngine(), bundle, _input("unknown"))
    assert decision.allow is allowed
    rules = [e.rule for e in decision.warn if e.rule == "gatecheck.severity"]
    assert len(rules) == warned
    if not allowed:
        assert [e.rule for e in decision.deny] == ["gatecheck.severity"]
