"""SAST quality benchmark (issue 19): how well the `sast` check separates vulnerable code from safe look-alikes.

The cases are gatecheck's own, in tests/sast/quality/ (written for this benchmark, in the style of
Flask, Django and FastAPI handlers):

- ``web/<class>.py``: one file per vulnerability class, holding top-level cases named ``vuln_*``
  (the class's vulnerability is there) and ``safe_*`` (a look-alike that is not vulnerable: a
  sanitiser, a bound parameter, an allow-list, a constant, a safe API). A case is *reported* when
  a finding of a rule of that class (``metadata.class``) starts inside it.
- ``web/<class>/*.html``: template cases, one per file, named the same way.
- ``bandit/*.py``: code for each class of check bandit has; every line bandit would report ends in
  ``# expect: B<id>``, and counts as recalled when a finding of a rule that declares that id
  (``metadata.bandit``) starts on it.

Per class it prints the true-positive rate (vulnerable cases reported), the false-positive rate
(safe cases reported) and the score TPR - FPR; the overall score is the mean over classes. It then
prints the recall on bandit's check classes. The check runs once over the whole directory (one
semgrep run), through the same code as `gatecheck run`.

Both the cases and the rules are written by the same people, so the numbers are an upper bound
of what to expect on code nobody tuned for: read them with the real-code precision run
(bench/realworld.py) beside them.

Usage: python bench/sast_quality.py [--cases DIR] [--json] [--verbose]
Exit status 1 when the overall score is below 0.50 or bandit-class recall below 0.85.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.sast.check import SastCheck
from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, load_pack

CASES = Path(__file__).resolve().parent.parent / "tests" / "sast" / "quality"
SCORE_TARGET = 0.50
RECALL_TARGET = 0.85
_EXPECT = re.compile(r"#\s*expect:\s*(B\d{3}(?:\s*,\s*B\d{3})*)")


@dataclass
class Case:
    """One labelled piece of code: a function or class of a class file, or a template file."""

    cls: str
    name: str
    path: str
    start: int
    end: int

    @property
    def vulnerable(self) -> bool:
        return self.name.startswith("vuln")


@dataclass
class ClassScore:
    vulnerable: int = 0
    safe: int = 0
    true_positives: int = 0
    false_positives: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def tpr(self) -> float:
        return self.true_positives / self.vulnerable if self.vulnerable else 0.0

    @property
    def fpr(self) -> float:
        return self.false_positives / self.safe if self.safe else 0.0

    @property
    def score(self) -> float:
        return self.tpr - self.fpr


def web_cases(root: Path) -> list[Case]:
    """The labelled cases under ``root/web``."""
    cases: list[Case] = []
    for path in sorted((root / "web").glob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                    and node.name.startswith(("vuln_", "safe_")):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                cases.append(Case(path.stem, node.name, rel, start, node.end_lineno or node.lineno))
    for path in sorted((root / "web").glob("*/*.html")):
        if path.name.startswith(("vuln_", "safe_")):
            lines = path.read_text("utf-8").count("\n") + 1
            cases.append(Case(path.parent.name, path.stem, path.relative_to(root).as_posix(), 1, lines))
    return cases


def expected_bandit(root: Path) -> list[tuple[str, int, str]]:
    """(path, line, bandit id) for every ``# expect:`` line under ``root/bandit``."""
    expected: list[tuple[str, int, str]] = []
    for path in sorted((root / "bandit").glob("*.py")):
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            match = _EXPECT.search(line)
            if match:
                expected += [(rel, number, b.strip()) for b in match.group(1).split(",")]
    return expected


def scan(root: Path) -> CheckResult:
    """The sast check over ``root`` with its defaults: one semgrep run over every case."""
    with tempfile.TemporaryDirectory(prefix="sast-quality-") as work:
        ctx = CheckContext(root=root, options={}, work_dir=Path(work), timeout=1800.0)
        return SastCheck().run(ctx)


def evaluate(root: Path) -> dict[str, Any]:
    """Run the check over the cases under ``root`` and score it."""
    result = scan(root)
    if result.status != "ok":
        raise SystemExit(f"sast check ended {result.status}: {result.error}")
    pack = load_pack([(BUILTIN_RULES, True)], str)
    bandit_ids = {rid: set(rule.metadata.get("bandit", [])) for rid, rule in pack.rules.items()}
    by_path: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for finding in result.findings:
        if finding.location and finding.location.start_line:
            cls = str(finding.metadata.get("class") or "")
            by_path[finding.location.path].append((finding.location.start_line, cls, finding.rule_id))

    scores: dict[str, ClassScore] = defaultdict(ClassScore)
    for case in web_cases(root):
        # Template cases count the rules of the class they stand for (xss).
        rule_class = case.cls.removesuffix("-templates")
        hit = [rid for line, cls, rid in by_path[case.path] if cls == rule_class and case.start <= line <= case.end]
        score = scores[case.cls]
        label = f"{case.path}:{case.start} {case.name}"
        if case.vulnerable:
            score.vulnerable += 1
            score.true_positives += bool(hit)
            if not hit:
                score.missed.append(label)
        else:
            score.safe += 1
            score.false_positives += bool(hit)
            if hit:
                score.false_alarms.append(f"{label} ({', '.join(sorted(set(hit)))})")

    recalled: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    bandit_missed: list[str] = []
    for path, line, bandit in expected_bandit(root):
        hit = any(f_line == line and bandit in bandit_ids.get(rid, set()) for f_line, _, rid in by_path[path])
        recalled[bandit][0] += hit
        recalled[bandit][1] += 1
        if not hit:
            bandit_missed.append(f"{path}:{line} {bandit}")
    total_hit = sum(h for h, _ in recalled.values())
    total = sum(n for _, n in recalled.values())
    overall = sum(s.score for s in scores.values()) / len(scores) if scores else 0.0
    return {
        "classes": {cls: {"vulnerable": s.vulnerable, "safe": s.safe, "tpr": round(s.tpr, 3), "fpr": round(s.fpr, 3),
                          "score": round(s.score, 3), "missed": s.missed, "false_alarms": s.false_alarms}
                    for cls, s in sorted(scores.items())},
        "score": round(overall, 3),
        "bandit": {"checks": len(recalled), "expected": total, "recalled": total_hit,
                   "recall": round(total_hit / total, 3) if total else 0.0,
                   "by_check": {b: {"recalled": h, "expected": n} for b, (h, n) in sorted(recalled.items())},
                   "missed": bandit_missed},
        "files_scanned": result.summary.get("files_scanned"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=CASES, help="directory holding web/ and bandit/")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--verbose", action="store_true", help="list every missed case and false alarm")
    args = parser.parse_args()
    report = evaluate(args.cases.resolve())
    ok = report["score"] >= SCORE_TARGET and report["bandit"]["recall"] >= RECALL_TARGET
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if ok else 1
    print(f"{'class':<22} {'vuln':>4} {'safe':>4} {'TPR':>6} {'FPR':>6} {'score':>6}")
    for cls, row in report["classes"].items():
        print(f"{cls:<22} {row['vulnerable']:>4} {row['safe']:>4} {row['tpr']:>6.2f} {row['fpr']:>6.2f} {row['score']:>6.2f}")
        if args.verbose:
            for item in row["missed"]:
                print(f"    missed      {item}")
            for item in row["false_alarms"]:
                print(f"    false alarm {item}")
    bandit = report["bandit"]
    print(f"overall score (mean TPR - FPR over {len(report['classes'])} classes): {report['score']:.3f} "
          f"(target {SCORE_TARGET:.2f})")
    print(f"bandit check classes: {bandit['recalled']}/{bandit['expected']} expected issues over {bandit['checks']} "
          f"check ids recalled = {bandit['recall']:.3f} (target {RECALL_TARGET:.2f})")
    if args.verbose:
        for item in bandit["missed"]:
            print(f"    missed      {item}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
