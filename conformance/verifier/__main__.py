"""``python -m gatecheck_conformance.verifier --cmd "gatecheck verify"``: exit 0 if every vector gives its outcome."""

from __future__ import annotations

import argparse
import sys

from gatecheck_conformance.verifier.runner import VECTORS_DIR, run_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gatecheck_conformance.verifier",
        description="Check a DSSE / in-toto / SLSA VSA verifier command against gatecheck's test vectors.",
        epilog='Example: python -m gatecheck_conformance.verifier --cmd "gatecheck verify" --verbose',
    )
    parser.add_argument("--cmd", required=True,
                        help="the verifier command; called as CMD ARTIFACT --bundle B --key K.pub [ARGS] --at TIME")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this vector (repeatable)")
    parser.add_argument("--vectors", default=str(VECTORS_DIR), help="vector directory (default: the bundled one)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="run this many vectors at once")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the command output of failed vectors")
    args = parser.parse_args(argv)
    from pathlib import Path

    outcomes = run_all(args.cmd, args.only, Path(args.vectors), jobs=args.jobs)
    for o in outcomes:
        print(f"{'PASS' if o.passed else 'FAIL'} {o.name}: {o.detail}")
        if args.verbose and not o.passed:
            print("    " + o.output.strip().replace("\n", "\n    "))
    failed = sum(not o.passed for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed or not outcomes else 0


if __name__ == "__main__":
    sys.exit(main())
