"""``gatecheck policy test`` and ``gatecheck policy eval``: work on a Rego policy bundle."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from gatecheck import positions
from gatecheck import waivers as waivers_mod
from gatecheck.cli import inputs
from gatecheck.cli.durations import Duration
from gatecheck.cli.output import VERBOSE, Output, notice, output_options, verbosity
from gatecheck.errors import BadInput
from gatecheck.model import Decision
from gatecheck.policy import DEFAULT_ENGINE, EngineError, EngineSettings, PolicyEngine, create_engine, regotest
from gatecheck.policy import decide as decide_mod
from gatecheck.policy import policy_bundle as bundle_mod
from gatecheck.policy.inputs import to_ns
from gatecheck.waivers import enforce_expired


@click.group("policy")
def policy() -> None:
    """Test and evaluate Rego policy bundles.

    \b
    Examples:
      gatecheck policy test                      # the bundled policy's unit tests
      gatecheck policy test ./policy -v
      gatecheck policy eval --input input.json   # print the decision for an input
    """


def _engine(name: str, timeout: timedelta, opa_url: str | None) -> PolicyEngine:
    try:
        return create_engine(name, EngineSettings(timeout=timeout.total_seconds(), opa_url=opa_url))
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc


@policy.command("test")
@click.argument("directory", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--engine", default=DEFAULT_ENGINE, show_default=True, help="Policy engine to run the tests on.")
@click.option("--opa-url", envvar="GATECHECK_OPA_URL", help="OPA server for --engine opa.")
@click.option("--timeout", type=Duration(bare_unit="s", positive=True), default="30s", show_default=True,
              help="How long one test may take (a duration; a plain number is seconds).")
@output_options()
def test_cmd(directory: Path | None, engine: str, opa_url: str | None, timeout: timedelta, out: Output) -> None:
    """Run the Rego unit tests (test_ rules in *_test.rego files) of DIRECTORY.

    DIRECTORY is a policy bundle (a directory or .tar.gz); default: the bundled policy.
    Failing tests are listed, passing ones too with -v. Exits 1 when a test fails or when
    there are no tests at all.

    \b
    Examples:
      gatecheck policy test
      gatecheck policy test ./policy --verbose
      gatecheck policy test --format json
    """
    bundle = bundle_mod.load(directory)
    runner = _engine(engine, timeout, opa_url)
    results = regotest.run(runner, bundle)
    failed = [r for r in results if not r.passed]
    if not results:
        notice(f"gatecheck: no test_ rules found in {bundle.source}")
    verbose = verbosity() == VERBOSE

    def text() -> str:
        lines = [f"{'PASS' if r.passed else 'FAIL'} {r.query} ({r.file}, {r.duration_ms:.1f} ms)"
                 + (f": {r.detail}" if r.detail else "") for r in results if verbose or not r.passed]
        if results:
            lines.append(f"{len(results) - len(failed)}/{len(results)} passed ({bundle.source})")
        return "".join(line + "\n" for line in lines)

    out.emit({"source": str(bundle.source), "passed": len(results) - len(failed), "failed": len(failed),
              "tests": [{"query": r.query, "file": r.file, "passed": r.passed, "detail": r.detail,
                         "duration_ms": round(r.duration_ms, 3)} for r in results]}, text)
    raise click.exceptions.Exit(1 if failed or not results else 0)


@policy.command("eval")
@click.option("-i", "--input", "input_path", required=True,
              type=inputs.FILE,
              help="The policy input document (JSON), as in schemas/policy-input.schema.json; - for stdin.")
@click.option("--policy", "policy_path", type=click.Path(exists=True, path_type=Path),
              help="Policy bundle (directory or .tar.gz); default: the bundled policy.")
@click.option("--engine", default=DEFAULT_ENGINE, show_default=True, help="Policy engine.")
@click.option("--opa-url", envvar="GATECHECK_OPA_URL", help="OPA server for --engine opa.")
@click.option("--entrypoint", default=bundle_mod.DEFAULT_ENTRYPOINT, show_default=True, help="Rule that returns the decision.")
@click.option("--timeout", type=Duration(bare_unit="s", positive=True), default="10s", show_default=True,
              help="How long the evaluation may take (a duration; a plain number is seconds).")
@output_options(("json", "text"), default="json")
def eval_cmd(input_path: Path, policy_path: Path | None, engine: str, opa_url: str | None, entrypoint: str,
             timeout: timedelta, out: Output) -> None:
    """Evaluate the policy on an input document and print the decision (JSON unless --format text).

    The decision is the gate's: an undefined, malformed or failed evaluation prints a
    deny. Exits 0 when the decision allows, 1 when it denies.

    \b
    Examples:
      gatecheck policy eval --input input.json
      gatecheck policy eval -i - --format text < input.json
      gatecheck policy eval -i input.json --policy ./policy --engine opa --opa-url http://127.0.0.1:8181
    """
    if not inputs.is_stdin(input_path) and not input_path.is_file():
        raise BadInput("input file not found", path=input_path)
    shown = inputs.display(input_path)
    text = inputs.read_text(input_path, what="policy input")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", path=shown, line=exc.lineno) from exc
    if not isinstance(document, dict):
        raise BadInput("the policy input must be a JSON object", path=shown, line=1)
    from gatecheck import validation

    errors = validation.errors("policy-input", document)
    if errors:
        err = errors[0]
        raise BadInput(err.message, path=shown, line=positions.locate(text, list(err.absolute_path)),
                       key=validation.key_path(err))
    # Whether a waiver has run out is decided here, from its `expires` and the clock, never
    # taken from the document: an input cannot keep an expired waiver alive.
    now = waivers_mod.now_utc()
    document["waivers"] = waivers_mod.recompute_expiry(document["waivers"], now)
    bundle = bundle_mod.load(policy_path)
    runner = _engine(engine, timeout, opa_url)
    decision = decide_mod.decide(runner, bundle, document, entrypoint=entrypoint)
    day_ns = 86_400 * waivers_mod.NS_PER_SECOND
    decision = enforce_expired(decision, {
        str(w["id"]): max(0, (to_ns(now) - w["expires_ns"]) // day_ns) if isinstance(w.get("expires_ns"), int) else None
        for w in document["waivers"] if isinstance(w, dict) and w.get("expired")
    })
    out.emit(decision.to_dict(), lambda: render_decision(decision))
    raise click.exceptions.Exit(0 if decision.allow else 1)


def render_decision(decision: Decision) -> str:
    """A decision for a person: the verdict, then one line per deny, warn and waived entry."""
    lines = [f"{'ALLOWED' if decision.allow else 'DENIED'} by {decision.policy_digest or 'the policy'} "
             f"on {decision.engine}"]
    for kind, entries in (("deny", decision.deny), ("warn", decision.warn), ("waived", decision.waived)):
        for e in entries:
            about = e.finding_id or e.check or ""
            lines.append(f"  {kind:<6} {e.rule}: {e.message}" + (f" [{about}]" if about else ""))
    return "\n".join(lines) + "\n"


COMMANDS = [policy]
