"""``gatecheck audit``: re-verify the store against today's trust roots, and write audit reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

from gatecheck.attest.verify import VerifyOptions
from gatecheck.audit.facts import gather
from gatecheck.audit.render import FORMATS, render
from gatecheck.audit.reverify import Reverification, reverify
from gatecheck.cli import inputs
from gatecheck.cli.durations import Duration, Moment
from gatecheck.cli.output import Output, detail, output_options
from gatecheck.cli.store_cmd import load_keys, open_store, store_option, trust_options
from gatecheck.digests import prefixed
from gatecheck.errors import EXIT_DENIED, EXIT_PASS
from gatecheck.store.extras import require


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
@output_options()
def verify(store_url: str, keys: tuple[Path, ...], threshold: int, out: Output) -> None:
    """Re-verify every stored attestation against today's trusted keys; list the ones that fail.

    A verdict also fails when one of its input attestations is missing or no longer
    verifies. Exit 1 when anything fails, 0 when everything verifies.

    \b
    Examples:
      gatecheck audit verify --store postgresql://auditor@db/attestations --key ci-2026.pub
      gatecheck audit verify --key ci-2026.pub --format json -o reverify.json
    """
    require("store")  # before the keys: say what to install first
    options = VerifyOptions(keys=load_keys(keys), threshold=threshold)
    with open_store(store_url) as st:
        outcome = reverify(st, options)

    def text() -> str:
        lines = [f"gatecheck: {outcome.checked} attestation(s) checked, {len(outcome.failures)} no longer verify"]
        lines += [f"  {f.seq} {prefixed(f.digest[:16])}... {f.code}: {f.message} [{', '.join(f.subjects[:3])}]"
                  for f in outcome.failures]
        return "\n".join(lines) + "\n"

    out.emit(outcome.to_dict(), text)
    raise click.exceptions.Exit(EXIT_PASS if outcome.ok else EXIT_DENIED)


@audit.command("report")
@store_option
@click.option("--since", type=Moment(), default="30d", show_default=True,
              help="Start of the period: a duration ago (30d, 12h, 2w) or an ISO 8601 date.")
@output_options(FORMATS, default="html")
@click.option("-k", "--key", "keys", multiple=True, metavar="PUB.pem", type=inputs.FILE,
              help="Also re-verify everything against these trusted keys and list what fails (repeatable).")
@click.option("--expiring-within", type=Duration(bare_unit="d"), default="30d", show_default=True,
              help="Flag waivers that expire within this long (a duration; a plain number is days).")
def report(store_url: str, since: datetime, out: Output, keys: tuple[Path, ...], expiring_within: timedelta) -> None:
    """Write an audit report: verdicts over time (a chart), top denying rules, waivers used and
    expiring, and images deployed without a passing verdict.

    The HTML report is a single self-contained file (inline SVG chart, no scripts, no
    external resources); md and csv hold the same tables.

    \b
    Examples:
      gatecheck audit report --since 30d --format html -o audit.html
      gatecheck audit report --since 2026-10-01 --format csv -o audit.csv --key ci.pub
    """
    require("store")
    reverification: Reverification | None = None
    with open_store(store_url) as st:
        if keys:
            reverification = reverify(st, VerifyOptions(keys=load_keys(keys)))
        facts = gather(st, since, expiring_within=expiring_within, reverification=reverification)
    detail(f"gatecheck: {facts.verdicts} verdicts since {since:%Y-%m-%d}")
    out.write(render(facts, out.format))


COMMANDS = [audit]
