"""``gatecheck audit``: re-verify the store against today's trust roots, and write audit reports."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gatecheck.attest.verify import VerifyOptions
from gatecheck.audit.facts import gather
from gatecheck.audit.render import FORMATS, render
from gatecheck.audit.reverify import Reverification, reverify
from gatecheck.cli.store_cmd import load_keys, store_option, trust_options
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput
from gatecheck.files import atomic_write
from gatecheck.store import Store
from gatecheck.store.records import parse_since


@click.group("audit")
def audit() -> None:
    """Audit the attestation store: re-verify it, and write reports for auditors.

    \b
    Examples:
      gatecheck audit verify --key ci-2026.pub
      gatecheck audit report --since 30d --format html -o audit.html
    """


@audit.command("verify")
@store_option
@trust_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(store_url: str, keys: tuple[str, ...], threshold: int, fmt: str) -> None:
    """Re-verify every stored attestation against today's trusted keys; list the ones that fail.

    A verdict also fails when one of its input attestations is missing or no longer
    verifies. Exit 1 when anything fails, 0 when everything verifies.

    \b
    Example:
      gatecheck audit verify --store postgresql://auditor@db/attestations --key ci-2026.pub
    """
    options = VerifyOptions(keys=load_keys(keys), threshold=threshold)
    with Store.open(store_url) as st:
        outcome = reverify(st, options)
    if fmt == "json":
        click.echo(json.dumps(outcome.to_dict(), indent=2))
    else:
        click.echo(f"gatecheck: {outcome.checked} attestation(s) checked, {len(outcome.failures)} no longer verify")
        for f in outcome.failures:
            subjects = ", ".join(f.subjects[:3])
            click.echo(f"  {f.seq} sha256:{f.digest[:16]}... {f.code}: {f.message} [{subjects}]")
    raise click.exceptions.Exit(EXIT_PASS if outcome.ok else EXIT_DENIED)


@audit.command("report")
@store_option
@click.option("--since", default="30d", show_default=True, metavar="WHEN",
              help="Start of the period: 30d, 12h, 2w, or an ISO 8601 date.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the report here (default: standard output).")
@click.option("-k", "--key", "keys", multiple=True, metavar="PUB.pem",
              help="Also re-verify everything against these trusted keys and list what fails (repeatable).")
@click.option("--expiring-within", default=30, show_default=True, type=click.IntRange(0), metavar="DAYS",
              help="Flag waivers that expire within this many days.")
def report(store_url: str, since: str, fmt: str, output: Path | None, keys: tuple[str, ...],
           expiring_within: int) -> None:
    """Write an audit report: verdicts over time (a chart), top denying rules, waivers used and
    expiring, and images deployed without a passing verdict.

    The HTML report is a single self-contained file (inline SVG chart, no scripts, no
    external resources); md and csv hold the same tables.

    \b
    Examples:
      gatecheck audit report --since 30d --format html -o audit.html
      gatecheck audit report --since 2026-10-01 --format csv -o audit.csv --key ci.pub
    """
    from datetime import timedelta

    start = parse_since(since)
    reverification: Reverification | None = None
    with Store.open(store_url) as st:
        if keys:
            reverification = reverify(st, VerifyOptions(keys=load_keys(keys)))
        facts = gather(st, start, expiring_within=timedelta(days=expiring_within), reverification=reverification)
    text = render(facts, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and output.is_dir():
        raise BadInput("is a directory", path=output)
    atomic_write(output, text)
    click.echo(f"gatecheck: wrote {fmt} audit report to {output} ({facts.verdicts} verdicts since {start:%Y-%m-%d})",
               err=True)


COMMANDS = [audit]
