"""``python -m gatecheck_conformance.rego``: run the Rego conformance cases against engines.

\b
Examples:
  python -m gatecheck_conformance.rego                      # every available engine
  python -m gatecheck_conformance.rego --engine embedded -v # one engine, every case
  python -m gatecheck_conformance.rego --candidate regopy   # compare with regopy too
  GATECHECK_OPA_URL=http://127.0.0.1:8181 python -m gatecheck_conformance.rego --engine opa

Exit status: 0 when every case passes on every engine run (a case may list an engine under
`known_failure`, with the reason and the guard that keeps policies off it: reported as KNOWN,
not a failure), 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from gatecheck.errors import BadInput
from gatecheck.policy import cases as cases_mod
from gatecheck.policy import create_engine, providers
from gatecheck.policy.engines import EngineError, EngineSettings, PolicyEngine


def _engines(names: tuple[str, ...], candidates: tuple[str, ...]) -> list[tuple[str, PolicyEngine | None, str]]:
    settings = EngineSettings(timeout=30.0, opa_url=os.environ.get("GATECHECK_OPA_URL"))
    chosen = list(names) or sorted(providers())
    out: list[tuple[str, PolicyEngine | None, str]] = []
    for name in chosen:
        try:
            out.append((name, create_engine(name, settings), ""))
        except EngineError as exc:
            out.append((name, None, str(exc)))
    for name in candidates:
        if name != "regopy":
            raise BadInput(f"unknown candidate {name!r} (known: regopy)", key="--candidate")
        from gatecheck_conformance.rego.candidates import RegopyEngine, regopy_version

        if regopy_version() is None:
            out.append((name, None, "regopy is not installed"))
        else:
            out.append((name, RegopyEngine(), ""))
    return out


@click.command()
@click.option("--engine", "names", multiple=True, metavar="NAME", help="Engine to test (repeatable; default: all available).")
@click.option("--candidate", "candidates", multiple=True, metavar="NAME", help="Also run a non-gatecheck interpreter (regopy).")
@click.option("--cases", "case_dir", type=click.Path(file_okay=False, path_type=Path), help="Directory of case files.")
@click.option("-k", "pattern", help="Only cases whose id contains this text.")
@click.option("-v", "--verbose", is_flag=True, help="One line per case, passed ones too.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable results.")
def main(names: tuple[str, ...], candidates: tuple[str, ...], case_dir: Path | None, pattern: str | None,
         verbose: bool, as_json: bool) -> None:
    """Run the Rego conformance cases against every available policy engine."""
    selected = [c for c in cases_mod.load(case_dir) if not pattern or pattern in c.id]
    failed = False
    report: dict[str, object] = {}
    for name, engine, unavailable in _engines(names, candidates):
        if engine is None:
            report[name] = {"available": False, "reason": unavailable}
            if not as_json:
                click.echo(f"{name}: not available ({unavailable})")
            if name in names:
                failed = True
            continue
        outcomes = cases_mod.run_all(engine, selected)
        known = [o for o in outcomes if not o.passed and name in o.case.known_failure]
        bad = [o for o in outcomes if not o.passed and name not in o.case.known_failure]
        failed = failed or (bool(bad) and name not in candidates)
        passed = len(outcomes) - len(bad) - len(known)
        report[name] = {"available": True, "version": engine.version(), "passed": passed,
                        "known_failures": [{"id": o.case.id, "got": o.got, "reason": o.case.known_failure[name]} for o in known],
                        "failed": [{"id": o.case.id, "got": o.got} for o in bad]}
        if as_json:
            continue
        click.echo(f"{name} ({engine.version()}): {passed}/{len(outcomes)} passed, {len(known)} known failure(s), "
                   f"{len(bad)} failed")
        for o in outcomes:
            case = o.case
            if o.passed and not verbose:
                continue
            want = "error" if case.error else "undefined" if case.undefined else cases_mod.canonical_json(case.want)
            if o.passed:
                click.echo(f"  PASS {case.id}")
            elif name in case.known_failure:
                click.echo(f"  KNOWN {case.id}: {case.known_failure[name]}")
            else:
                click.echo(f"  FAIL {case.id}: want {want}, got {o.got}")
    if as_json:
        click.echo(json.dumps(report, indent=2))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main(standalone_mode=True)
    except BadInput as exc:
        click.echo(f"error: {exc.describe()}", err=True)
        sys.exit(2)
