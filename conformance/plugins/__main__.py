"""``python -m gatecheck_conformance.plugins TARGET [--project DIR]``: check a plugin, exit 0 if it conforms."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gatecheck_conformance.plugins import check_plugin, load_plugin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gatecheck_conformance.plugins",
        description="Check a gatecheck plugin against the plugin contract.",
        epilog="Example: python -m gatecheck_conformance.plugins gatecheck_plugins.sarif --project examples/webapp",
    )
    parser.add_argument("target", help="module name of the plugin, or the name of its `gatecheck` entry point")
    parser.add_argument("--project", type=Path, help="a sample project to run the plugin's checks on")
    parser.add_argument("--timeout", type=float, default=600.0, help="per-check timeout for the full runs (s)")
    args = parser.parse_args(argv)
    try:
        plugin = load_plugin(args.target)
    except Exception as exc:
        print(f"cannot load {args.target!r}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    report = check_plugin(plugin, args.project, timeout=args.timeout)
    provided = ", ".join([f"check:{c}" for c in report.checks] + [f"format:{r}" for r in report.reporters]
                         + report.others)
    print(f"{report.plugin}: {provided or 'nothing'}")
    for problem in report.problems:
        print(f"  FAIL {problem}")
    print(f"{'conforms' if report.ok else 'does not conform'}: {len(report.problems)} problem(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
