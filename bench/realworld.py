"""Real projects with the defaults: how many denials per check, and how long against the slowest tool.

Fetches released sdists of well-kept open-source Python projects from PyPI (libraries and an
application, 10k to 300k lines), gates each with `gatecheck run` and the default configuration,
and runs the single tools gatecheck wraps on the same tree: semgrep with gatecheck's own rule pack,
and detect-secrets when it is installed (a bench-only tool: `pip install detect-secrets`). It prints
per project the lines of Python, the gate's wall time, the slowest single tool's wall time and
the ratio (goal: at most 1.1), and the denials per check (goal: at most 3 per check, each true).
Every denial is written to DIR/denials.md for a person to judge (secret values appear there only
in their redacted preview).

Usage: python bench/realworld.py [--dir /tmp/gatecheck-realworld] [--only flask django] [--jobs 4]

Needs network access to PyPI the first time (sdists are kept in DIR/sdists).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

PROJECTS = {
    # name: (version, shape)
    "requests": ("2.32.3", "library"),
    "flask": ("3.0.3", "library"),
    "httpx": ("0.27.2", "library"),
    "ansible-core": ("2.17.7", "library/application"),
    "django": ("5.1.4", "library (large)"),
    "pretix": ("2026.8.0", "application (Django)"),
}
BIN = Path(sys.executable).parent


def fetch(name: str, version: str, store: Path) -> Path:
    """The project's sdist from PyPI's JSON API (kept in ``store``)."""
    store.mkdir(parents=True, exist_ok=True)
    index = f"https://pypi.org/pypi/{name}/json"
    with urllib.request.urlopen(index, timeout=60) as answer:
        info = json.load(answer)
    [sdist] = [u for u in info["releases"][version] if u["packagetype"] == "sdist"]
    target = store / sdist["filename"]
    if not target.is_file():
        # A mirror may answer with a URL relative to the JSON document.
        with urllib.request.urlopen(urllib.parse.urljoin(index, sdist["url"]), timeout=300) as answer, open(target, "wb") as fh:
            shutil.copyfileobj(answer, fh)
    return target


def unpack(archive: Path, into: Path) -> Path:
    if into.is_dir():
        return into
    with tempfile.TemporaryDirectory(dir=into.parent) as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        [top] = list(Path(tmp).iterdir())
        top.rename(into)
    return into


def python_lines(root: Path) -> int:
    total = 0
    for path in root.rglob("*.py"):
        try:
            total += path.read_bytes().count(b"\n")
        except OSError:
            continue
    return total


def timed(argv: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    return time.perf_counter() - start, done


REPO = Path(__file__).resolve().parent.parent
#: The OSV extract that ships with the tests (36 packages, CC-BY-4.0), used when no full database
#: was downloaded with `gatecheck db update` (which needs osv.dev's storage to be reachable).
EXTRACT = REPO / "tests" / "data" / "osv-pypi"


def osv_environment() -> tuple[dict[str, str], str]:
    from gatecheck_plugins.sca.database import DATABASE_ENV, default_database_path

    if os.environ.get(DATABASE_ENV) or default_database_path().exists():
        return dict(os.environ), f"OSV database: {os.environ.get(DATABASE_ENV) or default_database_path()}"
    return ({**os.environ, DATABASE_ENV: str(EXTRACT)},
            f"OSV database: the 36-package test extract {EXTRACT} (run `gatecheck db update` for all of PyPI)")


def gate(tree: Path, out: Path, jobs: int, env: dict[str, str]) -> tuple[float, dict[str, Any], str]:
    cache = tempfile.mkdtemp(prefix="gatecheck-rw-cache-")
    try:
        seconds, done = timed([str(BIN / "gatecheck"), "run", str(tree), "-q", "--cache-dir", cache, "-j", str(jobs),
                               "-f", f"json:{out}"], env=env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    report = json.loads(out.read_text()) if out.is_file() else {}
    return seconds, report, done.stderr[-2000:] if done.returncode not in (0, 1) else ""


def anchors(tree: Path) -> dict[str, float]:
    from gatecheck_plugins.sast.rulepack import BUILTIN_RULES

    times: dict[str, float] = {}
    semgrep = BIN / "semgrep"
    # --x-ignore-semgrepignore-files: left to its defaults semgrep skips tests/ and docs/, which the
    # gate scans (findings there are reported, not denied); both must scan the same files.
    seconds, done = timed([str(semgrep), "scan", "--config", str(BUILTIN_RULES), "--metrics=off", "--disable-version-check",
                           "--x-ignore-semgrepignore-files", "--quiet", "--json", "--output", os.devnull, str(tree)],
                          env={**os.environ, "SEMGREP_SEND_METRICS": "off"})
    if done.returncode in (0, 1):
        times["semgrep"] = seconds
    detect = shutil.which("detect-secrets") or (str(BIN / "detect-secrets") if (BIN / "detect-secrets").exists() else None)
    if detect:
        seconds, done = timed([detect, "scan", "--all-files", str(tree)], cwd=tree)
        if done.returncode == 0:
            times["detect-secrets"] = seconds
    return times


def denials_by_check(report: dict[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for entry in report.get("decision", {}).get("deny", []):
        counts[entry.get("check") or entry.get("rule", "?")] += 1
    return counts


def describe_denials(name: str, report: dict[str, Any]) -> list[str]:
    findings = {f["id"]: f for r in report.get("results", []) for f in r.get("findings", [])}
    lines = [f"## {name}", ""]
    for entry in report.get("decision", {}).get("deny", []):
        f = findings.get(entry.get("finding_id") or "")
        where = ""
        if f and f.get("location"):
            loc = f["location"]
            where = f"{loc['path']}:{loc.get('start_line') or ''} ({loc.get('kind', '?')})"
        lines.append(f"- [ ] {entry.get('check', '')} `{entry['rule']}` {where}: {entry['message'][:300]}")
    for result in report.get("results", []):
        if result.get("status") in ("error", "timeout"):
            lines.append(f"- check {result['check']} {result['status']}: {(result.get('error') or '')[:300]}")
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "gatecheck-realworld")
    parser.add_argument("--only", nargs="*", help="Project names to run (default: all).")
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    work: Path = args.dir
    (work / "trees").mkdir(parents=True, exist_ok=True)
    chosen = {k: v for k, v in PROJECTS.items() if not args.only or k in args.only}
    notes: list[str] = ["# Denials on real projects (judge each: true or false)", ""]
    rows = []
    env, database = osv_environment()
    print(database, flush=True)
    for name, (version, shape) in chosen.items():
        archive = fetch(name, version, work / "sdists")
        tree = unpack(archive, work / "trees" / f"{name}-{version}")
        seconds, report, problem = gate(tree, work / f"{name}.json", args.jobs, env)
        tools = anchors(tree)
        slowest_name, slowest = max(tools.items(), key=lambda kv: kv[1], default=("-", 0.0))
        counts = denials_by_check(report)
        statuses = {r["check"]: r["status"] for r in report.get("results", [])}
        rows.append((name, version, shape, python_lines(tree), seconds, slowest_name, slowest, counts, statuses,
                     report.get("exit_code"), problem))
        notes += describe_denials(f"{name} {version}", report)
        print(f"{name} {version}: gate {seconds:.1f}s, {slowest_name} {slowest:.1f}s, exit {report.get('exit_code')}",
              flush=True)
    print()
    print(f"{'project':24} {'shape':22} {'py lines':>9} {'gate s':>7} {'slowest tool':>20} {'ratio':>6}  denials per check")
    for name, version, shape, lines, seconds, tool, slowest, counts, statuses, code, problem in rows:
        ratio = seconds / slowest if slowest else float("nan")
        per_check = ", ".join(f"{c}={n}" for c, n in sorted(counts.items())) or "none"
        odd = ", ".join(f"{c}:{s}" for c, s in sorted(statuses.items()) if s not in ("ok",))
        print(f"{name + ' ' + version:24} {shape:22} {lines:9d} {seconds:7.1f} {tool + f' {slowest:.1f}s':>20} "
              f"{ratio:6.2f}  {per_check} (exit {code}{'; ' + odd if odd else ''})")
        if problem:
            print(f"    {problem.strip().splitlines()[-1]}")
    (work / "denials.md").write_text("\n".join(notes))
    print(f"\nevery denial, to judge: {work / 'denials.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
