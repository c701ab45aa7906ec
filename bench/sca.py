"""Benchmark: auditing a 100-line pinned requirements file offline, against pip-audit over OSV's API.

Target (issue 5): under 0.5 s warm for gatecheck's sca check on the offline database
(tests/data/osv-pypi). The anchor is ``pip-audit -r FILE --no-deps --disable-pip -s osv
--osv-url URL`` where URL is a loopback server that serves OSV's ``/v1/query`` API from the
same data (the test double in tests/sca/osv_api_double.py), run in the same process run
so the ratio is comparable on a loaded machine.

Printed, each the median of ``--runs``:

- ``check``: ``ScaCheck().run`` in this process with a warm index (the audit itself), wall
  clock and CPU time (on a machine shared with other work the wall clock includes waiting);
- ``cli``: ``gatecheck run DIR --check sca --no-cache`` as a fresh process (what a CI step
  pays: interpreter start, plugin loading, the audit, the report);
- ``gatecheck version``: the CLI's own start-up, for scale (not part of the audit);
- ``pip-audit``: the anchor, as a fresh process.

    python bench/sca.py
    python bench/sca.py --runs 7
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "osv-pypi"
sys.path.insert(0, str(REPO / "tests" / "sca"))

from osv_api_double import load_records, reference_affected, serving  # noqa: E402

from gatecheck.checks import CheckContext  # noqa: E402
from gatecheck.trust import DirectorySource  # noqa: E402
from gatecheck_plugins.sca import ScaCheck  # noqa: E402


def requirements(records: list[dict], lines: int = 100) -> list[tuple[str, str]]:
    """One pin per package the data covers (a version with advisories where one exists), then
    real packages of this environment up to ``lines``."""
    pins: dict[str, str] = {}
    for record in sorted(records, key=lambda r: r["id"]):
        for affected in record.get("affected", []):
            name = affected["package"]["name"].lower()
            if name in pins:
                continue
            for version in reversed(affected.get("versions", [])):
                if reference_affected(record, name, version):
                    pins[name] = version
                    break
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        if len(pins) >= lines:
            break
        name = dist.metadata["Name"].lower()
        if name not in pins and name != "gatecheck":
            pins[name] = dist.version
    return sorted(pins.items())[:lines]


def median_time(fn, runs: int) -> tuple[float, object]:
    times, last = [], None
    for _ in range(runs):
        start = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    records = load_records(DATA)
    pins = requirements(records)
    work = Path(tempfile.mkdtemp(prefix="gatecheck-sca-bench-"))
    try:
        project = work / "project"
        project.mkdir()
        req = project / "requirements.txt"
        req.write_text("".join(f"{n}=={v}\n" for n, v in pins))
        # The database is the operator's: named in a configuration outside the project.
        operator = work / "operator"
        operator.mkdir()
        (operator / "gatecheck.toml").write_text(f'version = 1\n[checks.sca]\ndatabase = "{DATA}"\n')
        print(f"requirements: {len(pins)} pinned lines ({req})")

        check = ScaCheck()

        def ours():
            ctx = CheckContext(root=project, options={"database": str(DATA)}, work_dir=work / "work",
                               config_source=DirectorySource(operator))
            return check.run(ctx)

        cold, _ = median_time(ours, 1)  # builds the index
        warm, result = median_time(ours, args.runs)
        cpu_times = []
        for _ in range(args.runs):
            start = time.process_time()
            ours()
            cpu_times.append(time.process_time() - start)
        warm_cpu = statistics.median(cpu_times)
        advisories = result.summary["advisories"]

        gatecheck = str(Path(sys.executable).with_name("gatecheck"))

        def cli():
            proc = subprocess.run([gatecheck, "run", str(project), "-c", str(operator / "gatecheck.toml"),
                                   "--check", "sca", "--no-cache", "-f", "json",
                                   "-o", str(work / "report.json")], capture_output=True, text=True, check=False)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"gatecheck failed ({proc.returncode}): {proc.stderr}")

        cli_time, _ = median_time(cli, args.runs)

        def startup():
            subprocess.run([gatecheck, "version"], capture_output=True, check=True)

        startup_time, _ = median_time(startup, args.runs)

        with serving(records) as server:
            pip_audit = str(Path(sys.executable).with_name("pip-audit"))
            argv = [pip_audit, "-r", str(req), "--no-deps", "--disable-pip", "-s", "osv",
                    "--osv-url", server.url + "/v1/query", "--progress-spinner", "off",
                    "--cache-dir", str(work / "pip-audit-cache"), "-f", "json", "-o", str(work / "pip-audit.json")]

            def anchor():
                proc = subprocess.run(argv, capture_output=True, text=True, check=False)
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"pip-audit failed ({proc.returncode}): {proc.stderr}")

            anchor_time, _ = median_time(anchor, args.runs)
            queries = sum(1 for r in server.requests if r["method"] == "POST")

        import json

        theirs = json.loads((work / "pip-audit.json").read_text())
        their_count = sum(len(d.get("vulns", [])) for d in theirs["dependencies"])
        print(f"advisories found: gatecheck {advisories}, pip-audit {their_count} "
              f"(pip-audit made {queries // args.runs} OSV queries per run)")
        print(f"gatecheck sca, index build (cold, once): {cold * 1000:8.1f} ms")
        print(f"gatecheck sca check, warm (in process):  {warm * 1000:8.1f} ms   target < 500 ms: "
              f"{'OK' if warm < 0.5 else 'MISSED'}")
        print(f"  the same, CPU time of this process:    {warm_cpu * 1000:8.1f} ms (what a busy machine does not inflate)")
        print(f"gatecheck run --check sca (process):     {cli_time * 1000:8.1f} ms")
        print(f"  of which `gatecheck version` startup:  {startup_time * 1000:8.1f} ms (the CLI itself, not sca)")
        print(f"pip-audit over loopback OSV (process):   {anchor_time * 1000:8.1f} ms")
        print(f"ratio check/pip-audit: {warm / anchor_time:.3f}   ratio cli/pip-audit: {cli_time / anchor_time:.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
