"""Runner overhead and cache benefit (issue 2 acceptance).

Prints, in one process:
1. the runner's own overhead for N no-op checks (threads, timeouts, schema validation of
   every result), against the 50 ms budget, and the whole gate's for the same checks (plan,
   runner, policy input and Rego decision) for reference;
2. for the real checks on examples/webapp: the run's wall time minus its critical path
   (the longest check), i.e. what the runner adds, against the same budget;
3. the warm (cached) re-run of examples/webapp as a fraction of the cold run (target < 10%).

Usage: python bench/runner_overhead.py [--repeat 5] [--checks N ...]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gatecheck import config, hookimpl
from gatecheck.checks import CheckContext
from gatecheck.gate import GateOptions, plan, run_gate
from gatecheck.model import CheckResult, Tool
from gatecheck.plugin_manager import Plugins
from gatecheck.runner import RunSettings, run_checks

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "webapp"
BUDGET_MS = 50.0


class NoOp:
    version = "1"
    description = "does nothing"
    options_schema: dict[str, Any] = {"type": "object"}

    def __init__(self, name: str) -> None:
        self.name = name

    def inputs(self, ctx: CheckContext) -> list[Path]:
        return []

    def run(self, ctx: CheckContext) -> CheckResult:
        return CheckResult(tool=Tool("noop", "1"))


class NoOpPlugin:
    def __init__(self, n: int) -> None:
        self.checks = [NoOp(f"noop{i}") for i in range(n)]
        self.__name__ = f"noop-plugin-{n}"

    @hookimpl
    def gatecheck_checks(self) -> list[Any]:
        return list(self.checks)


def noop_overhead(n: int, repeat: int, root: Path) -> tuple[float, float]:
    """Median ms for the runner alone and for the whole gate, N no-op checks."""
    plugins = Plugins(load_entry_points=False, extra=[NoOpPlugin(n)])
    cfg = config.load(root)
    runs = plan(cfg, plugins, GateOptions(use_cache=False))
    runner_times, gate_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        results = run_checks(runs, RunSettings(root=root, jobs=4))
        runner_times.append((time.perf_counter() - start) * 1000)
        assert len(results) == n and all(r.status == "ok" for r in results)
        start = time.perf_counter()
        report = run_gate(cfg, plugins, GateOptions(use_cache=False))
        gate_times.append((time.perf_counter() - start) * 1000)
        assert len([r for r in report.results if r.check.startswith("noop")]) == n
    return statistics.median(runner_times), statistics.median(gate_times)


def real_runs(repeat: int) -> tuple[list[float], list[float], list[float], list[str]]:
    plugins = Plugins()
    colds, warms, overheads = [], [], []
    names: list[str] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp, "webapp")
            shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".gatecheck"))
            cfg = config.load(project)
            # A fresh cache (outside the project, as the gate requires) per repeat: the cache is
            # content-addressed, so a shared one would make every later "cold" run a hit.
            options = GateOptions(cache_dir=Path(tmp, "cache"))
            start = time.perf_counter()
            cold = run_gate(cfg, plugins, options)
            cold_ms = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            warm = run_gate(cfg, plugins, options)
            warm_ms = (time.perf_counter() - start) * 1000
            assert all(r.cached for r in warm.results if r.status == "ok"), "warm run missed the cache"
            critical = max((r.duration_ms for r in cold.results), default=0)
            colds.append(cold_ms)
            warms.append(warm_ms)
            overheads.append(cold_ms - critical)
            names = [f"{r.check}:{r.status}:{r.duration_ms}ms" for r in cold.results]
    return colds, warms, overheads, names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--checks", type=int, nargs="*", default=[1, 10, 50])
    parser.add_argument("--real-repeat", type=int, default=3)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.checks:
            runner_ms, gate_ms = noop_overhead(n, args.repeat, Path(tmp))
            ok &= runner_ms < BUDGET_MS
            print(f"no-op checks: {n:3d}  runner overhead {runner_ms:7.2f} ms  ratio to {BUDGET_MS:.0f} ms budget "
                  f"{runner_ms / BUDGET_MS:5.2f}   (whole gate incl. policy decision {gate_ms:7.2f} ms)")
    colds, warms, overheads, names = real_runs(args.real_repeat)
    cold, warm, overhead = statistics.median(colds), statistics.median(warms), statistics.median(overheads)
    print(f"real checks on examples/webapp: {', '.join(names)}")
    print(f"real checks: gate overhead incl. policy (wall - longest check) {overhead:7.2f} ms  "
          f"ratio to budget {overhead / BUDGET_MS:5.2f}")
    print(f"cold run {cold:8.1f} ms   warm (cached) run {warm:7.1f} ms   warm/cold ratio {warm / cold:6.3f} (target < 0.10)")
    ok &= overhead < BUDGET_MS and warm / cold < 0.10
    print("PASS" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
