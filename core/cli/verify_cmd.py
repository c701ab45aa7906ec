"""``gatecheck verify``: exit 0 only when an artifact has a valid, fresh, passing, signed verdict."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import click

from gatecheck.attest import DEFAULT_VERIFIER_ID
from gatecheck.attest.subjects import resolve
from gatecheck.attest.verify import (
    DEFAULT_MAX_ENVELOPE_BYTES,
    VerificationResult,
    VerifyOptions,
    verify_entries,
)
from gatecheck.attest.vsa import format_time, parse_time
from gatecheck.cli import inputs
from gatecheck.cli.durations import Duration
from gatecheck.cli.output import Output, output_options
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput

_POLICY_DIGEST = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")

#: --max-age: "none" for no limit. --clock-skew: a duration only ("none" would read as "no limit").
MAX_AGE = Duration(none=True)
CLOCK_SKEW = Duration()


def policy_digest_hex(value: str | None) -> str | None:
    """The hex of ``--policy-digest sha256:HEX`` (or bare HEX); BadInput for anything else."""
    if value is None:
        return None
    match = _POLICY_DIGEST.fullmatch(value.strip())
    if not match:
        raise BadInput(f"not a sha256 digest: {value!r} (expected sha256:HEX)", key="--policy-digest")
    return match.group(1).lower()


def render_text(result: VerificationResult, artifact: str) -> str:
    lines: list[str] = []
    digest = ", ".join(f"{k}:{v}" for k, v in result.subject.items())
    if result.ok and result.chosen and result.chosen.verdict:
        v = result.chosen.verdict
        lines.append(f"PASS {artifact} ({digest})")
        lines.append(f"  verdict {v.result} by {v.verifier_id} at {format_time(v.time_verified)}"
                     f" [{result.chosen.record.source}]")
        policy = ", ".join(f"{k}:{h}" for k, h in v.policy_digest.items())
        lines.append(f"  policy {v.policy_uri} ({policy}); stage {v.stage or '-'}; "
                     f"{len(v.inputs)} input attestation(s) present and verified")
    else:
        lines.append(f"FAIL {artifact} ({digest}): {result.reason}")
        for reason in result.reasons:
            lines.append(f"  {reason}")
    for warning in result.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines) + "\n"


@click.command("verify")
@click.argument("artifact", type=inputs.InputFile(dir_okay=True, path_type=str))
@click.option("-b", "--bundle", "bundles", multiple=True, required=True, metavar="FILE", type=inputs.FILE,
              help="An attestation bundle (*.intoto.jsonl), - for stdin. Repeatable: every envelope of every bundle "
                   "is evaluated.")
@click.option("-k", "--key", "keys", multiple=True, required=True, metavar="PUB", type=inputs.FILE,
              help="A trusted public key PEM (Ed25519 or ECDSA P-256), - for stdin. Repeatable.")
@click.option("--threshold", type=int, default=1, show_default=True,
              help="How many distinct trusted keys must have signed each envelope used.")
@click.option("--policy-digest", metavar="sha256:HEX", help="Require the verdict's policy to have this digest.")
@click.option("--max-age", type=MAX_AGE, default="24h", show_default=True,
              help="Reject verdicts older than this (90s, 30m, 24h, 7d, 1h30m; 'none' for no limit).")
@click.option("--clock-skew", type=CLOCK_SKEW, default="5m", show_default=True,
              help="How far in the future timeVerified may be before it is rejected as FUTURE_DATED.")
@click.option("--stage", help="Require a verdict made for this gate stage (ci, deploy, admission).")
@click.option("--require-check", "require_checks", multiple=True, metavar="NAME",
              help="Require this check's result among the verdict's verified inputs, with status ok. Repeatable.")
@click.option("--verifier-id", default=DEFAULT_VERIFIER_ID, show_default=True,
              help="The verifier.id the verdict must carry.")
@click.option("--at", "at", metavar="TIMESTAMP",
              help="Judge age and clock skew as of this RFC 3339 time instead of now (audits, test vectors).")
@click.option("--allow-no-inputs", is_flag=True,
              help="Accept a verdict that lists no input attestation (refused by default as NO_INPUTS: it vouches "
                   "for no check). Example: gatecheck verify app.whl --bundle b.intoto.jsonl --key ci.pub "
                   "--allow-no-inputs")
@click.option("--max-envelope-size", type=click.IntRange(1), default=DEFAULT_MAX_ENVELOPE_BYTES, show_default=True,
              help="Reject envelopes larger than this many bytes (MALFORMED).")
@output_options()
def verify(
    artifact: str,
    bundles: tuple[Path, ...],
    keys: tuple[Path, ...],
    threshold: int,
    policy_digest: str | None,
    max_age: timedelta | None,
    clock_skew: timedelta,
    stage: str | None,
    require_checks: tuple[str, ...],
    verifier_id: str,
    at: str | None,
    allow_no_inputs: bool,
    max_envelope_size: int,
    out: Output,
) -> None:
    """Verify that ARTIFACT has a valid, fresh, passing, signed gatecheck verdict.

    ARTIFACT is a file (sha256 of its bytes; - for stdin), a directory (in-toto dirHash), an
    image as NAME@sha256:HEX, or sha256:HEX. Signatures are checked over the exact envelope bytes
    before anything inside is parsed; then the SLSA VSA about ARTIFACT must name the
    expected verifier, say PASSED, match --policy-digest and --stage when given, be no
    older than --max-age and not in the future, list at least one input attestation
    (unless --allow-no-inputs), and every input attestation it lists must be present and
    verify. The freshest passing verdict counts, unless a FAILED one for the same policy
    and stage (or naming no stage) was made at the same time or later.

    Exit codes: 0 verified; 1 not verified, with stable reason codes (SIGNATURE_INVALID,
    UNTRUSTED_KEY, THRESHOLD_NOT_MET, SUBJECT_MISMATCH, PREDICATE_TYPE_MISMATCH,
    RESULT_FAILED, POLICY_MISMATCH, EXPIRED, FUTURE_DATED, NO_INPUTS, INPUT_MISSING,
    MALFORMED, ...; see docs/attestations.md); 2 unreadable input (bundle, key or artifact)
    or bad options.

    \b
    Examples:
      gatecheck verify dist/app.whl --bundle gatecheck.intoto.jsonl --key gatecheck.pub
      gatecheck verify registry.example.com/app@sha256:9f86d0... --bundle a.intoto.jsonl \\
          --key ci.pub --key release.pub --threshold 2 --policy-digest sha256:5e1f... \\
          --max-age 24h --stage deploy --require-check sca --format json
      gatecheck verify sha256:9f86d0... --bundle hand-made.intoto.jsonl --key ci.pub --allow-no-inputs
      curl -s https://example.com/app.whl | gatecheck verify - --bundle app.intoto.jsonl --key ci.pub
    """
    public_keys = inputs.public_keys(keys)
    now = None
    if at is not None:
        try:
            now = parse_time(at)
        except ValueError as exc:
            raise BadInput(str(exc), key="--at") from None
    options = VerifyOptions(
        keys=public_keys,
        threshold=threshold,
        verifier_id=verifier_id,
        policy_digest=policy_digest_hex(policy_digest),
        stage=stage,
        require_checks=list(require_checks),
        max_age=max_age,
        clock_skew=clock_skew,
        now=now,
        max_envelope_bytes=max_envelope_size,
        allow_no_inputs=allow_no_inputs,
    )
    options.validate()
    subject = resolve("sha256:" + inputs.stdin_sha256(what="artifact")) if inputs.is_stdin(artifact) else resolve(artifact)
    result = verify_entries(subject.subject.digest, inputs.envelopes(bundles), options)
    out.emit({"artifact": artifact, **result.to_dict()}, lambda: render_text(result, inputs.display(artifact)))
    raise click.exceptions.Exit(EXIT_PASS if result.ok else EXIT_DENIED)


COMMANDS = [verify]
