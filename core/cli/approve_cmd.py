"""``gatecheck approve``: a reviewer signs an approval of one artifact (an in-toto statement)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from gatecheck.approve import APPROVAL_PREDICATE_TYPE
from gatecheck.approve.statement import Approval, sign
from gatecheck.attest.bundle import write as write_bundle
from gatecheck.attest.signing import open_signer
from gatecheck.attest.subjects import resolve
from gatecheck.attest.verify import VerifyOptions
from gatecheck.cli import inputs
from gatecheck.cli.durations import parse as parse_duration
from gatecheck.cli.output import Output, notice, output_options
from gatecheck.digests import prefixed, sha256_hex
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput
from gatecheck.timestamps import format_micro, parse_iso8601, utc_now


def expiry(text: str | None, now: datetime) -> datetime | None:
    """``--expires``: a duration from now (``7d``, ``36h``) or an ISO 8601 date or time (UTC unless it says)."""
    if text is None:
        return None
    try:
        return now + parse_duration(text)
    except ValueError as duration_error:
        try:
            return parse_iso8601(text.strip())
        except ValueError:
            raise BadInput(f"{duration_error}; nor is it an ISO 8601 date such as 2026-10-08", key="--expires") from None


@click.command("approve")
@click.argument("artifact", type=inputs.InputFile(dir_okay=True, path_type=str))
@click.option("--key", "key_uri", required=True, metavar="SIGNER_URI",
              help="The reviewer's signing key: file:PATH, env:VAR, or a KMS/Vault URI (as for gatecheck run --key).")
@click.option("--reason", required=True, help="Why the artifact may be promoted (recorded and signed).")
@click.option("--ticket", help="A change ticket or review link the approval belongs to.")
@click.option("--expires", metavar="DURATION|DATE",
              help="When the approval stops counting: a duration from now (7d, 36h) or an ISO 8601 date.")
@click.option("--attest", "attest_path", type=click.Path(dir_okay=False, path_type=Path), metavar="BUNDLE.intoto.jsonl",
              help="Write the signed approval here (one DSSE envelope, JSON Lines).")
@click.option("--store", "store_url", metavar="URL",
              help="Also push the approval to this attestation store (sqlite:///PATH or postgresql://...).")
@output_options()
def approve(artifact: str, key_uri: str, reason: str, ticket: str | None, expires: str | None,
            attest_path: Path | None, store_url: str | None, out: Output) -> None:
    """Sign an approval of ARTIFACT with the reviewer's key: an in-toto statement (predicate type
    https://gatecheck.dev/attestation/approval/v1) naming the approver's keyid, the reason, the
    time, and an optional ticket and expiry, about the artifact's digest.

    ARTIFACT is a file (sha256 of its bytes; - for stdin), a directory (dirHash), NAME@sha256:HEX
    or sha256:HEX, as for gatecheck verify. A deploy-stage gate counts approvals with the
    approvals check (distinct keys of a named reviewer set; expired ones never count).
    Give --attest, --store, or both.

    \b
    Examples:
      gatecheck approve dist/app.whl --key file:alice.key --reason "load test passed" \\
          --ticket CHG-1042 --expires 7d --attest approvals/alice.intoto.jsonl
      gatecheck approve registry.example.com/shop@sha256:9f86d0... --key env:REVIEWER_KEY \\
          --reason "rollout plan reviewed" --store postgresql://gatecheck@db/attestations --format json
    """
    if attest_path is None and store_url is None:
        raise BadInput("nowhere to put the approval: give --attest BUNDLE, --store URL, or both", key="--attest")
    from gatecheck.plugin_manager import Plugins

    subject = resolve(prefixed(inputs.stdin_sha256(what="artifact"))) if inputs.is_stdin(artifact) else resolve(artifact)
    signer = open_signer(key_uri, Plugins())
    now = utc_now()
    approval = Approval(signer.keyid, reason, now, expiry(expires, now), ticket)
    line = sign([subject.subject], signer, approval)
    data: dict[str, Any] = {
        "artifact": artifact, "subject": subject.subject.to_dict(), "predicateType": APPROVAL_PREDICATE_TYPE,
        "approver": signer.keyid, "reason": reason, "ticket": ticket, "approvedAt": format_micro(now),
        "expires": format_micro(approval.expires) if approval.expires else None,
        "envelope": prefixed(sha256_hex(line)), "attest": str(attest_path) if attest_path else None,
        "stored": None,
    }
    code = EXIT_PASS
    if attest_path is not None:
        write_bundle(attest_path, [line])
    if store_url is not None:
        from gatecheck.cli.store_cmd import open_store

        with open_store(store_url) as st:
            result = st.push([("approval:1", line)], VerifyOptions(keys=[signer.public_key]))
        if result.stored:
            data["stored"] = result.stored[0].seq
        elif result.duplicates:
            data["stored"] = "already stored"
        else:
            code = EXIT_DENIED
            notice(f"gatecheck: the store refused the approval: {result.refused[0].code}: {result.refused[0].message}")

    def text() -> str:
        lines = [f"gatecheck: approved {inputs.display(artifact)} ("
                 + ", ".join(f"{k}:{v}" for k, v in subject.subject.digest.items()) + f") as key {signer.keyid}"]
        if approval.expires:
            lines.append(f"  expires {format_micro(approval.expires)} ({_left(approval.expires - now)})")
        if attest_path is not None:
            lines.append(f"  wrote {attest_path}")
        if data["stored"] is not None:
            lines.append(f"  stored in the store as record {data['stored']}")
        return "\n".join(lines) + "\n"

    out.emit(data, text)
    raise click.exceptions.Exit(code)


def _left(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"in {hours / 24:.1f} days" if hours >= 48 else f"in {hours:.1f} hours"


COMMANDS = [approve]
