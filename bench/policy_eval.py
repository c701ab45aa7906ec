"""Decision latency of the default policy at 10, 1,000 and 10,000 findings with 100 waivers.

Measures what the gate pays to decide: building the policy input (waiver matching
included), validating it, and evaluating data.gatecheck.decision on the embedded engine. The
results are first made what the runner hands the gate (locations classified, each result's
document built once when it is sealed); that share of the runner's work is printed last on each
row, outside the decision's time.
Each row also shows where the time goes (build; validate; evaluate, including handing the
input to regorus; reading the decision) and the ratio to the 200 ms budget. When regopy is
installed, the same policy and input are evaluated by regopy in the same run (in a child
process, because regopy can abort the interpreter) and the ratio printed.
The target is < 200 ms at 10,000 findings (regopy's 5-14 s is the anchor to beat).

    python bench/policy_eval.py            # 5 repetitions, median
    python bench/policy_eval.py --repeat 3 --no-regopy
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from gatecheck import waivers as waivers_mod
from gatecheck.locations import LocationKinds
from gatecheck.model import CheckResult, Finding, Location, Package, Tool, finding_id
from gatecheck.policy import decide as decide_mod
from gatecheck.policy import inputs as inputs_mod
from gatecheck.policy import policy_bundle as bundle_mod
from gatecheck.policy.embedded import EmbeddedEngine

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SEVERITIES = ["critical", "high", "medium", "low", "info"]


def results(n: int) -> list[CheckResult]:
    per_check: dict[str, list[Finding]] = {"sast": [], "sca": [], "secrets": []}
    for i in range(n):
        check = "sca" if i % 3 == 0 else "sast" if i % 50 else "secrets"
        rule = f"rule-{i % 40}"
        # Some in tests (judged differently by location kind), some sca findings with no location.
        path = f"tests/module{i % 25}/test_file{i}.py" if i % 7 == 0 else f"src/module{i % 25}/file{i}.py"
        pkg = Package(f"pkg{i % 60}", "1.0", f"pkg:pypi/pkg{i % 60}@1.0") if check == "sca" else None
        location = None if check == "sca" and i % 13 == 0 else Location(path, 1, 1)
        per_check[check].append(Finding(id=finding_id(check, rule, path=path, key=str(i)), check=check, rule_id=rule,
                                        title=f"finding {i}", severity=SEVERITIES[i % 5],  # type: ignore[arg-type]
                                        location=location, package=pkg))
    return [CheckResult(check=c, tool=Tool(c, "1"), findings=fs) for c, fs in per_check.items()]


def waivers(count: int = 100) -> list[waivers_mod.Waiver]:
    out = []
    for j in range(count):
        kind = j % 4
        match = ({"rule": f"rule-{j % 40}", "path": f"src/module{j % 25}/**"} if kind == 0 else
                 {"package": f"pkg:pypi/pkg{j % 60}"} if kind == 1 else
                 {"path": f"src/module{j % 25}/file{j}*.py"} if kind == 2 else
                 {"check": "sast", "rule": f"rule-{j % 40}"})
        expires = NOW + dt.timedelta(days=30 if j % 10 else -5)  # every tenth one has expired
        out.append(waivers_mod.Waiver(id=f"W{j}", match=match, reason="bench", owner="bench",
                                      expires=expires.isoformat(), expires_at=expires))
    return out


def sealed(rs: list[CheckResult]) -> float:
    """Do what the runner does to every result before the gate decides (classify each finding's
    location, then build the result's document once: :meth:`CheckResult.seal`); the seconds it took."""
    start = time.perf_counter()
    LocationKinds().classify(rs)
    for result in rs:
        result.seal()
    return time.perf_counter() - start


def decide_once(engine: EmbeddedEngine, bundle: bundle_mod.Bundle, rs: list[CheckResult],
                ws: list[waivers_mod.Waiver]) -> tuple[float, dict[str, Any], Any]:
    start = time.perf_counter()
    doc = inputs_mod.build(rs, stage="ci", now=NOW, waivers=ws)
    decision = decide_mod.decide(engine, bundle, doc)
    return time.perf_counter() - start, doc, decision


def phases(engine: EmbeddedEngine, bundle: bundle_mod.Bundle, rs: list[CheckResult],
           ws: list[waivers_mod.Waiver]) -> dict[str, float]:
    """The same steps as decide_once, timed one by one (seconds)."""
    from gatecheck.gcpause import paused

    out: dict[str, float] = {}
    with paused():  # as decide() and build() run
        t0 = time.perf_counter()
        doc = inputs_mod.build(rs, stage="ci", now=NOW, waivers=ws)
        t1 = time.perf_counter()
        assert decide_mod.input_problem(doc) is None
        t2 = time.perf_counter()
        result = engine.evaluate(bundle, bundle_mod.DEFAULT_ENTRYPOINT, doc)
        t3 = time.perf_counter()
        decide_mod.parse_decision(result.value, "embedded", bundle.digest)
        t4 = time.perf_counter()
    out["build"], out["validate"], out["evaluate"], out["parse"] = t1 - t0, t2 - t1, t3 - t2, t4 - t3
    return out


_REGOPY_CHILD = r"""
import json, sys, time
import regopy
job = json.loads(sys.stdin.read())
interp = regopy.Interpreter()
for name, text in job["modules"].items():
    interp.add_module(name, text)
interp.add_data_json(json.dumps(job["data"]))
interp.set_input(regopy.Input(job["input"]))
start = time.perf_counter()
out = interp.query("data.gatecheck.decision")
elapsed = time.perf_counter() - start
counts = None
if out.ok():
    value = json.loads(str(out))["expressions"][0]
    counts = [len(value["deny"]), len(value["warn"]), len(value["waived"])]
print(json.dumps({"seconds": elapsed, "ok": out.ok(), "counts": counts}))
"""


def regopy_once(bundle: bundle_mod.Bundle, doc: dict[str, Any], timeout: float, expected: list[int]) -> str:
    job = json.dumps({"modules": bundle.modules, "data": bundle.data, "input": doc})
    try:
        done = subprocess.run([sys.executable, "-c", _REGOPY_CHILD], input=job, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f}s (killed)"
    if done.returncode != 0:
        return f"crashed (exit {done.returncode})"
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if not answer["ok"]:
        return "error"
    same = "" if answer["counts"] == expected else " (differs)"
    return f"{answer['seconds'] * 1000:.0f}ms{same}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-regopy", action="store_true")
    parser.add_argument("--regopy-timeout", type=float, default=120.0)
    args = parser.parse_args()
    try:
        import regopy  # noqa: F401

        have_regopy = not args.no_regopy
    except ImportError:
        have_regopy = False
    bundle = bundle_mod.load()
    engine = EmbeddedEngine()
    ws = waivers()
    warmup = results(10)
    sealed(warmup)
    decide_once(engine, bundle, warmup, ws)  # compile the bundle and run the self-test once
    print("decision latency: build the policy input (waiver matching included), validate, evaluate, parse;")
    print("regopy: evaluation only (data.gatecheck.decision, same policy and input); ratio = regopy / embedded")
    print(f"{'findings':>9} {'embedded median':>16} {'/ 200ms':>8} {'deny':>6} {'waived':>7} {'regopy':>20} {'ratio':>8}"
          f"   median of build / validate / evaluate / parse; the runner's share")
    for n in (10, 1_000, 10_000):
        rs = results(n)
        runner_share = sealed(rs)
        times = []
        split: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            seconds, doc, decision = decide_once(engine, bundle, rs, ws)
            times.append(seconds)
            for name, value in phases(engine, bundle, rs, ws).items():
                split.setdefault(name, []).append(value)
        median = statistics.median(times)
        regopy_text, ratio = "-", "-"
        if have_regopy:
            expected = [len(decision.deny), len(decision.warn), len(decision.waived)]
            regopy_text = regopy_once(bundle, doc, args.regopy_timeout, expected)
            if regopy_text.endswith("ms"):
                ratio = f"{float(regopy_text[:-2]) / (median * 1000):.1f}x"
        parts = " / ".join(f"{statistics.median(v) * 1000:.1f}" for v in split.values())
        print(f"{n:>9} {median * 1000:>14.1f}ms {median / 0.200:>8.2f} {len(decision.deny):>6} {len(decision.waived):>7} "
              f"{regopy_text:>20} {ratio:>8}   {parts} ms; {runner_share * 1000:.1f} ms")
    if not have_regopy:
        print("regopy not installed: no ratio (pip install regopy to compare)")


if __name__ == "__main__":
    main()
