"""Runs a bundle's Rego unit tests: every ``test_`` rule in a ``*_test.rego`` module.

A test passes when its rule evaluates to ``true``; undefined, ``false``, any other value or
an evaluation error is a failure, as with ``opa test``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from gatecheck.errors import GatecheckError
from gatecheck.policy.engines import PolicyEngine
from gatecheck.policy.policy_bundle import Bundle

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][A-Za-z0-9_.]*)", re.MULTILINE)
_TEST_RULE = re.compile(r"^(test_[A-Za-z0-9_]*)\b", re.MULTILINE)


@dataclass(frozen=True)
class TestResult:
    """One test rule's outcome."""

    file: str
    query: str
    passed: bool
    detail: str
    duration_ms: float


def discover(bundle: Bundle) -> list[tuple[str, str]]:
    """``(file, data.pkg.test_name)`` for every test rule, in file order, each once."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, text in sorted(bundle.tests.items()):
        package = _PACKAGE.search(text)
        if not package:
            continue
        for rule in _TEST_RULE.findall(text):
            query = f"data.{package.group(1)}.{rule}"
            if query not in seen:
                seen.add(query)
                found.append((name, query))
    return found


def run(engine: PolicyEngine, bundle: Bundle) -> list[TestResult]:
    """Evaluate every test rule of ``bundle`` on ``engine``."""
    with_tests = bundle.with_tests()
    results: list[TestResult] = []
    for file, query in discover(bundle):
        start = time.perf_counter()
        try:
            outcome = engine.evaluate(with_tests, query, None)
        except GatecheckError as exc:
            results.append(TestResult(file, query, False, f"error: {exc}", (time.perf_counter() - start) * 1000))
            continue
        elapsed = (time.perf_counter() - start) * 1000
        if not outcome.defined:
            results.append(TestResult(file, query, False, "undefined (a condition did not hold)", elapsed))
        elif outcome.value is True:
            results.append(TestResult(file, query, True, "", elapsed))
        else:
            results.append(TestResult(file, query, False, f"evaluated to {outcome.value!r}, not true", elapsed))
    return results
