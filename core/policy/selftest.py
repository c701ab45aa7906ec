"""The engine self-test: a few conformance cases run as canaries before an engine decides.

An engine that gets one of them wrong is not trusted to judge anything: the gate denies
with ``gatecheck.policy.engine_selftest``. The result is remembered per engine name and
version for the life of the process.
"""

from __future__ import annotations

import threading

from gatecheck.canonical import canonical_json
from gatecheck.policy import cases as cases_mod
from gatecheck.policy.engines import EngineError, PolicyEngine

_passed: set[tuple[str, str]] = set()
_lock = threading.Lock()


def canaries() -> list[cases_mod.Case]:
    """The cases marked ``canary: true``."""
    return [c for c in cases_mod.load() if c.canary]


def ensure(engine: PolicyEngine) -> None:
    """Run the canaries once per engine; raise :class:`EngineError` naming the first failure."""
    key = (engine.name, engine.version())
    with _lock:
        if key in _passed:
            return
    selected = canaries()
    if not selected:
        raise EngineError("no canary cases found: the engine self-test cannot run")
    for outcome in cases_mod.run_all(engine, selected):
        if not outcome.passed:
            case = outcome.case
            expected = "an error" if case.error else "undefined" if case.undefined else canonical_json(case.want).decode()
            raise EngineError(
                f"engine {engine.name} ({key[1]}) failed self-test case {case.id}: expected {expected}, got {outcome.got}"
            )
    with _lock:
        _passed.add(key)
