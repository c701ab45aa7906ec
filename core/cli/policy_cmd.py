"""``gatecheck policy test`` and ``gatecheck policy eval``: work on a Rego policy bundle."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gatecheck import jsonpos
from gatecheck import waivers as waivers_mod
from gatecheck.errors import BadInput
from gatecheck.gate import enforce_expired
from gatecheck.policy import DEFAULT_ENGINE, EngineError, EngineSettings, PolicyEngine, create_engine, regotest
from gatecheck.policy import bundle as bundle_mod
from gatecheck.policy import decide as decide_mod
from gatecheck.policy.inputs import to_ns


@click.group("policy")
def policy() -> None:
    """Test and evaluate Rego policy bundles.

    \b
    Examples:
      gatecheck policy test                      # the bundled policy's unit tests
      gatecheck policy test ./policy -v
      gatecheck policy eval --input input.json   # print the decision for an input
    """


def _engine(name: str, timeout: float, opa_url: str | None) -> PolicyEngine:
    try:
        return create_engine(name, EngineSettings(timeout=timeout, opa_url=opa_url))
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc


@policy.command("test")
@click.argument("directory", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--engine", default=DEFAULT_ENGINE, show_default=True, help="Policy engine to run the tests on.")
@click.option("--opa-url", envvar="GATECHECK_OPA_URL", help="OPA server for --engine opa.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds one test may take.")
@click.option("-v", "--verbose", is_flag=True, help="Show passing tests too.")
def test_cmd(directory: Path | None, engine: str, opa_url: str | None, timeout: float, verbose: bool) -> None:
    """Run the Rego unit tests (test_ rules in *_test.rego files) of DIRECTORY.

    DIRECTORY is a policy bundle (a directory or .tar.gz); default: the bundled policy.
    Exits 1 when a test fails or when there are no tests at all.

    \b
    Examples:
      gatecheck policy test
      gatecheck policy test ./policy --verbose
    """
    bundle = bundle_mod.load(directory)
    runner = _engine(engine, timeout, opa_url)
    results = regotest.run(runner, bundle)
    if not results:
        click.echo(f"no test_ rules found in {bundle.source}", err=True)
        raise click.exceptions.Exit(1)
    failed = [r for r in results if not r.passed]
    for r in results:
        if verbose or not r.passed:
            mark = "PASS" if r.passed else "FAIL"
            click.echo(f"{mark} {r.query} ({r.file}, {r.duration_ms:.1f} ms)" + (f": {r.detail}" if r.detail else ""))
    click.echo(f"{len(results) - len(failed)}/{len(results)} passed ({bundle.source})")
    raise click.exceptions.Exit(1 if failed else 0)


@policy.command("eval")
@click.option("-i", "--input", "input_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The policy input document (JSON), as in schemas/policy-input.schema.json.")
@click.option("--policy", "policy_path", type=click.Path(exists=True, path_type=Path),
              help="Policy bundle (directory or .tar.gz); default: the bundled policy.")
@click.option("--engine", default=DEFAULT_ENGINE, show_default=True, help="Policy engine.")
@click.option("--opa-url", envvar="GATECHECK_OPA_URL", help="OPA server for --engine opa.")
@click.option("--entrypoint", default=bundle_mod.DEFAULT_ENTRYPOINT, show_default=True, help="Rule that returns the decision.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds the evaluation may take.")
def eval_cmd(input_path: Path, policy_path: Path | None, engine: str, opa_url: str | None, entrypoint: str,
             timeout: float) -> None:
    """Evaluate the policy on an input document and print the decision as JSON.

    The decision is the gate's: an undefined, malformed or failed evaluation prints a
    deny. Exits 0 when the decision allows, 1 when it denies.

    \b
    Examples:
      gatecheck policy eval --input input.json
      gatecheck policy eval -i input.json --policy ./policy --engine opa --opa-url http://127.0.0.1:8181
    """
    if not input_path.is_file():
        raise BadInput("input file not found", path=input_path)
    text = input_path.read_text("utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", path=input_path, line=exc.lineno) from exc
    if not isinstance(document, dict):
        raise BadInput("the policy input must be a JSON object", path=input_path, line=1)
    from gatecheck import validation

    errors = validation.errors("policy-input", document)
    if errors:
        err = errors[0]
        raise BadInput(err.message, path=input_path, line=jsonpos.locate(text, list(err.absolute_path)),
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
    click.echo(json.dumps(decision.to_dict(), indent=2))
    raise click.exceptions.Exit(0 if decision.allow else 1)


COMMANDS = [policy]
