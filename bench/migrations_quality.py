"""Migration-check quality on the labelled case set (issue 20): exact-match recall and false alarms per class.

Reads ``tests/migrations/cases/<rule>.sql`` (format in that directory's README): every case is a
few migration files; only findings in the last one count. For each class (rule):

- recall: the share of its violating cases on which that very rule fires (exact match; another
  rule firing does not count);
- own false alarms: clean cases of the class on which the class's rule fires;
- flagged: clean cases on which any rule fires at all (what a user sees as a false alarm), and
  of those, the ones with a hazard (not only advice).

Prints a table, the totals, and every miss and every flagged clean case with the rules that fired.
Exits 1 when a violating case is missed or a clean case is flagged, so CI can hold the line.

Usage: python bench/migrations_quality.py [--cases tests/migrations/cases] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext
from gatecheck_plugins.migrations.check import MigrationsCheck
from gatecheck_plugins.migrations.rules import RULES

CASES = Path(__file__).resolve().parents[1] / "tests" / "migrations" / "cases"
HEADER = re.compile(r"^-- case (violating|clean): (.*)$", re.M)
OPTIONS = re.compile(r"^-- options: (.*)$", re.M)
NEXT_FILE = re.compile(r"^-- next-file$", re.M)


@dataclass
class Case:
    """One labelled case: its class, whether it should be flagged, and its migration files."""

    rule: str
    violating: bool
    description: str
    files: list[str]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    case: Case
    rules: set[str]
    kinds: set[str]


def load(directory: Path = CASES) -> list[Case]:
    """Every case of every ``<rule>.sql`` file in ``directory``."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.sql")):
        text = path.read_text()
        heads = list(HEADER.finditer(text))
        for number, head in enumerate(heads):
            body = text[head.end():heads[number + 1].start() if number + 1 < len(heads) else len(text)]
            options: dict[str, Any] = {}
            if match := OPTIONS.search(body):
                options = json.loads(match.group(1))
                body = body[:match.start()] + body[match.end():]
            files = [part.strip() + "\n" for part in NEXT_FILE.split(body)]
            cases.append(Case(path.stem, head.group(1) == "violating", head.group(2).strip(), files, options))
    return cases


def judge(case: Case) -> Outcome:
    """Run the real check on the case's files; the rules (and their kinds) found in the last file."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "migrations").mkdir()
        for number, sql in enumerate(case.files, start=1):
            (root / "migrations" / f"{number:04d}_case.sql").write_text(sql)
        result = MigrationsCheck().run(CheckContext(root=root, options={"python": False, **case.options}))
    assert result.status == "ok", (case.rule, case.description, result.error)
    last = f"migrations/{len(case.files):04d}_case.sql"
    found = [f for f in result.findings if f.location and f.location.path == last]
    return Outcome(case, {f.rule_id for f in found}, {str(f.metadata.get("kind")) for f in found})


def score(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Per class: violating, hits, clean, own false alarms, flagged (any rule), flagged with a hazard."""
    table: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        row = table.setdefault(outcome.case.rule, dict.fromkeys(
            ("violating", "hits", "clean", "own", "flagged", "hazard"), 0))
        if outcome.case.violating:
            row["violating"] += 1
            row["hits"] += outcome.case.rule in outcome.rules
        else:
            row["clean"] += 1
            row["own"] += outcome.case.rule in outcome.rules
            row["flagged"] += bool(outcome.rules)
            row["hazard"] += "hazard" in outcome.kinds
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--quiet", action="store_true", help="only the totals and the failures")
    args = parser.parse_args()
    outcomes = [judge(case) for case in load(args.cases)]
    table = score(outcomes)
    if not args.quiet:
        print(f"{'class':<36} {'kind':<7} {'viol':>4} {'recall':>6} {'clean':>5} {'own FA':>6} {'flagged':>7}")
        for rule, row in sorted(table.items()):
            recall = row["hits"] / row["violating"] if row["violating"] else float("nan")
            kind = RULES[rule].kind if rule in RULES else "?"
            print(f"{rule:<36} {kind:<7} {row['violating']:>4} {recall:>6.2f} {row['clean']:>5} {row['own']:>6} "
                  f"{row['flagged']:>7}")
    violating = sum(r["violating"] for r in table.values())
    hits = sum(r["hits"] for r in table.values())
    clean = sum(r["clean"] for r in table.values())
    flagged = sum(r["flagged"] for r in table.values())
    print(f"\n{len(table)} classes, {violating} violating and {clean} clean cases")
    print(f"exact-match recall: {hits}/{violating} = {hits / violating:.3f}")
    print(f"clean cases flagged: own class {sum(r['own'] for r in table.values())}, any rule {flagged}, "
          f"with a hazard {sum(r['hazard'] for r in table.values())}")
    thin = sorted(rule for rule, row in table.items() if row["violating"] < 3 or row["clean"] < 3)
    missing = sorted(set(RULES) - set(table))
    if thin or missing:
        print(f"classes with fewer than 3 + 3 cases: {thin}; rules without cases: {missing}")
    failures = 0
    for outcome in outcomes:
        case = outcome.case
        if case.violating and case.rule not in outcome.rules:
            failures += 1
            print(f"MISSED  {case.rule}: {case.description} (found {sorted(outcome.rules)})")
        elif not case.violating and outcome.rules:
            failures += 1
            print(f"FLAGGED {case.rule}: {case.description} ({sorted(outcome.rules)})")
    return 1 if failures or thin or missing else 0


if __name__ == "__main__":
    sys.exit(main())
