"""``gatecheck verify``: exit 0 only when an artifact has a valid, fresh, passing, signed verdict."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import click

from gatecheck.attest import DEFAULT_VERIFIER_ID
from gatecheck.attest.keys import PublicKey, load_public_key_file
from gatecheck.attest.subjects import resolve
from gatecheck.attest.verify import (
    DEFAULT_MAX_ENVELOPE_BYTES,
    VerificationResult,
    VerifyOptions,
    verify_bundles,
)
from gatecheck.attest.vsa import format_time, parse_time
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput

_DURATION_PART = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_POLICY_DIGEST = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")


def parse_duration(text: str, option: str) -> timedelta | None:
    """``90s``, ``30m``, ``24h``, ``7d``, ``1h30m``; ``none`` for no limit."""
    if text.strip().lower() == "none":
        return None
    parts = _DURATION_PART.findall(text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != text.strip().lower():
        raise BadInput(f"not a duration: {text!r} (examples: 90s, 30m, 24h, 7d, 1h30m, none)", key=option)
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


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
@click.argument("artifact")
@click.option("-b", "--bundle", "bundles", multiple=True, required=True, metavar="FILE",
              help="An attestation bundle (*.intoto.jsonl). Repeatable: every envelope of every bundle is evaluated.")
@click.option("-k", "--key", "keys", multiple=True, required=True, metavar="PUB",
              help="A trusted public key PEM (Ed25519 or ECDSA P-256). Repeatable.")
@click.option("--threshold", type=int, default=1, show_default=True,
              help="How many distinct trusted keys must have signed each envelope used.")
@click.option("--policy-digest", metavar="sha256:HEX", help="Require the verdict's policy to have this digest.")
@click.option("--max-age", default="24h", show_default=True, metavar="DURATION",
              help="Reject verdicts older than this (90s, 30m, 24h, 7d; 'none' for no limit).")
@click.option("--clock-skew", default="5m", show_default=True, metavar="DURATION",
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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(
    artifact: str,
    bundles: tuple[str, ...],
    keys: tuple[str, ...],
    threshold: int,
    policy_digest: str | None,
    max_age: str,
    clock_skew: str,
    stage: str | None,
    require_checks: tuple[str, ...],
    verifier_id: str,
    at: str | None,
    allow_no_inputs: bool,
    max_envelope_size: int,
    fmt: str,
) -> None:
    """Verify that ARTIFACT has a valid, fresh, passing, signed gatecheck verdict.

    ARTIFACT is a file (sha256 of its bytes), a directory (in-toto dirHash), an image as
    NAME@sha256:HEX, or sha256:HEX. Signatures are checked over the exact envelope bytes
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
    """
    public_keys: list[PublicKey] = [load_public_key_file(k) for k in keys]
    digest_match = None
    if policy_digest is not None:
        digest_match = _POLICY_DIGEST.fullmatch(policy_digest.strip())
        if not digest_match:
            raise BadInput(f"not a sha256 digest: {policy_digest!r} (expected sha256:HEX)", key="--policy-digest")
    now = None
    if at is not None:
        try:
            now = parse_time(at)
        except ValueError as exc:
            raise BadInput(str(exc), key="--at") from None
    skew = parse_duration(clock_skew, "--clock-skew")
    options = VerifyOptions(
        keys=public_keys,
        threshold=threshold,
        verifier_id=verifier_id,
        policy_digest=digest_match.group(1).lower() if digest_match else None,
        stage=stage,
        require_checks=list(require_checks),
        max_age=parse_duration(max_age, "--max-age"),
        clock_skew=skew if skew is not None else timedelta(0),
        now=now,
        max_envelope_bytes=max_envelope_size,
        allow_no_inputs=allow_no_inputs,
    )
    options.validate()
    subject = resolve(artifact)
    result = verify_bundles(subject.subject.digest, [Path(b) for b in bundles], options)
    if fmt == "json":
        doc = {"artifact": artifact, **result.to_dict()}
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(render_text(result, artifact), nl=False)
    raise click.exceptions.Exit(EXIT_PASS if result.ok else EXIT_DENIED)


COMMANDS = [verify]
