"""Small checks used only by the core tests to drive the runner through every path.

They are real Check implementations (not mocks of the runner): each does what its name says.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult, Finding, Location, Tool, finding_id

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"severity": {"type": "string"}, "glob": {"type": "string"}}}


class BaseCheck:
    version = "1.0"
    description = "test check"
    options_schema = SCHEMA

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    def inputs(self, ctx: CheckContext) -> list[Path]:
        return sorted(ctx.root.glob(ctx.options.get("glob", "*.txt")))


class CountingCheck(BaseCheck):
    """One finding per line containing TODO in the input files; counts its runs."""

    def run(self, ctx: CheckContext) -> CheckResult:
        self.calls += 1
        findings = []
        for path in self.inputs(ctx):
            rel = ctx.relpath(path)
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if "TODO" in line:
                    findings.append(Finding(
                        id=finding_id(self.name, "todo", path=rel, key=line.strip()),
                        check=self.name, rule_id="todo", title="TODO left in file",
                        severity=ctx.options.get("severity", "low"), location=Location(rel, number, number),
                    ))
        return CheckResult(tool=Tool("counter", "1"), findings=findings, summary={"files": len(self.inputs(ctx))})


class SleepCheck(BaseCheck):
    def __init__(self, name: str, seconds: float) -> None:
        super().__init__(name)
        self.seconds = seconds

    def run(self, ctx: CheckContext) -> CheckResult:
        time.sleep(self.seconds)
        return CheckResult(tool=Tool("sleep", "1"))


class HangCheck(BaseCheck):
    """Never returns on its own (ignores cancellation): the runner must abandon it."""

    def run(self, ctx: CheckContext) -> CheckResult:
        threading.Event().wait()
        raise AssertionError("unreachable")


class SubprocessHangCheck(BaseCheck):
    """Runs a tool that never ends; ctx.run_command must kill it at the deadline."""

    def __init__(self, name: str, pidfile: Path) -> None:
        super().__init__(name)
        self.pidfile = pidfile

    def run(self, ctx: CheckContext) -> CheckResult:
        ctx.run_command(["sh", "-c", f"echo $$ > {self.pidfile}; exec sleep 60"])
        return CheckResult(tool=Tool("sh", "1"))


class RaisingCheck(BaseCheck):
    def run(self, ctx: CheckContext) -> CheckResult:
        raise KeyError("boom")


class FailingCheck(BaseCheck):
    def run(self, ctx: CheckContext) -> CheckResult:
        raise CheckFailed("scanner database missing")


class InvalidResultCheck(BaseCheck):
    def run(self, ctx: CheckContext) -> CheckResult:
        bad = Finding(id="not-a-fingerprint", check=self.name, rule_id="r", title="t", severity="bogus")  # type: ignore[arg-type]
        return CheckResult(tool=Tool("x", "1"), findings=[bad])


class WrongTypeCheck(BaseCheck):
    def run(self, ctx: CheckContext) -> Any:
        return ["not", "a", "result"]


class DictResultCheck(BaseCheck):
    """Returns a plain mapping, which the contract accepts when it fits the schema."""

    def run(self, ctx: CheckContext) -> Any:
        return {"status": "ok", "findings": [], "summary": {"from": "dict"}}


class AfterCheck(BaseCheck):
    """Runs after `first` and reports what it saw in ctx.results."""

    after = ("first",)

    def run(self, ctx: CheckContext) -> CheckResult:
        seen = {name: len(r.findings) for name, r in ctx.results.items()}
        return CheckResult(tool=Tool("after", "1"), summary={"seen": seen})
