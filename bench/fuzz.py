"""A long fuzz campaign over every parser the fuzz suite covers (tests/fuzz), with fresh random seeds.

The test suite runs each property for a bounded, derandomized number of inputs. This runs the same
properties in rounds of GATECHECK_FUZZ_EXAMPLES random inputs each until each parser's share of the
time budget is spent, and prints how many inputs each parser was given and what failed (a failure
prints hypothesis' minimal example; fix it and add a regression test).

Usage: python bench/fuzz.py [--minutes 30] [--round 2000] [-k NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUITE = REPO / "tests" / "fuzz"


def properties(selector: str | None) -> list[str]:
    """Node ids of the fuzz properties (tests decorated with @given)."""
    ids = []
    for path in sorted(SUITE.glob("test_*.py")):
        text = path.read_text()
        for match in re.finditer(r"@given\([^\n]*\)\ndef (test_\w+)", text):
            if selector is None or selector in match.group(1):
                ids.append(f"{path.relative_to(REPO)}::{match.group(1)}")
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0, help="Whole campaign, shared among the parsers.")
    parser.add_argument("--round", type=int, default=2000, help="Random inputs per pytest run.")
    parser.add_argument("-k", dest="selector", help="Only properties whose name contains this.")
    args = parser.parse_args()
    targets = properties(args.selector)
    if not targets:
        print("no fuzz properties found")
        return 1
    share = args.minutes * 60 / len(targets)
    failures: list[str] = []
    print(f"{len(targets)} properties, {share:.0f} s each, rounds of {args.round} random inputs", flush=True)
    for target in targets:
        tried = 0
        rounds = 0
        start = time.monotonic()
        while time.monotonic() - start < share:
            env = {**os.environ, "GATECHECK_FUZZ_EXAMPLES": str(args.round)}
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", target],
                                  cwd=REPO, env=env, capture_output=True, text=True, check=False)
            rounds += 1
            if done.returncode != 0:
                failures.append(f"{target}:\n{done.stdout[-4000:]}")
                break
            tried += args.round
        print(f"{target.split('::')[1]:40} {tried:9d} inputs in {rounds} round(s), "
              f"{time.monotonic() - start:6.0f} s  {'FAILED' if failures and target in failures[-1] else 'ok'}",
              flush=True)
    for failure in failures:
        print("\n" + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
