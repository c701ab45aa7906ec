"""``gatecheck verify``: exit 0 only when an artifact's signed attestations satisfy what is required."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gatecheck.attest import (
    CHECK_RESULT_PREDICATE_TYPE,
    CYCLONEDX_PREDICATE_TYPE,
    DEFAULT_VERIFIER_ID,
    VSA_PREDICATE_TYPE,
)
from gatecheck.attest.provenance import PROVENANCE_PREDICATE_TYPE
from gatecheck.attest.sources import read_file, split
from gatecheck.attest.subjects import resolve
from gatecheck.attest.verify import (
    DEFAULT_MAX_ENVELOPE_BYTES,
    AbsentInput,
    VerificationResult,
    VerifyOptions,
    verify_entries,
)
from gatecheck.attest.vsa import SVR_PREDICATE_TYPE
from gatecheck.cli import inputs
from gatecheck.cli.durations import Duration
from gatecheck.cli.output import Output, output_options
from gatecheck.digests import bare_sha256, prefixed
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput
from gatecheck.timestamps import format_micro, parse_rfc3339

if TYPE_CHECKING:
    from gatecheck.attest.policy import VerifyPolicy

#: --max-age: "none" for no limit. --clock-skew: a duration only ("none" would read as "no limit").
MAX_AGE = Duration(none=True)
CLOCK_SKEW = Duration()

#: Short names ``--require-predicate`` takes for the predicate types people usually require.
PREDICATE_NAMES = {
    "vsa": VSA_PREDICATE_TYPE,
    "provenance": PROVENANCE_PREDICATE_TYPE,
    "cyclonedx": CYCLONEDX_PREDICATE_TYPE,
    "spdx": "https://spdx.dev/Document",
    "check-result": CHECK_RESULT_PREDICATE_TYPE,
    "svr": SVR_PREDICATE_TYPE,
}


def policy_digest_hex(value: str | None) -> str | None:
    """The hex of ``--policy-digest sha256:HEX`` (or bare HEX); BadInput for anything else."""
    if value is None:
        return None
    hexval = bare_sha256(value)
    if hexval is None:
        raise BadInput(f"not a sha256 digest: {value!r} (expected sha256:HEX)", key="--policy-digest")
    return hexval


def predicate_types(values: Sequence[str]) -> list[str] | None:
    """``--require-predicate`` values as predicate type URIs (None when none was given)."""
    if not values:
        return None
    types = []
    for value in values:
        if ":" in value:
            types.append(value)
        elif value in PREDICATE_NAMES:
            types.append(PREDICATE_NAMES[value])
        else:
            raise BadInput(f"unknown predicate type {value!r}: give a URI or one of {', '.join(PREDICATE_NAMES)}",
                           key="--require-predicate")
    return types


def absent_inputs(values: Sequence[str]) -> list[AbsentInput]:
    """``--allow-absent-input PATTERN=REASON`` values; BadInput when the reason is missing."""
    found = []
    for value in values:
        pattern, sep, reason = value.partition("=")
        if not sep or not pattern.strip() or not reason.strip():
            raise BadInput(f"expected PATTERN=REASON (a URI glob or sha256:HEX, and why it is elsewhere), got "
                           f"{value!r}", key="--allow-absent-input")
        found.append(AbsentInput(pattern.strip(), reason.strip()))
    return found


def read_attestations(values: Sequence[str | Path]) -> list[tuple[str, bytes]]:
    """The attestations of every file given (``-``: standard input), as ``(file:line, bytes)`` entries:
    JSON Lines of envelopes or Sigstore bundles, or one pretty-printed envelope or bundle."""
    entries: list[tuple[str, bytes]] = []
    for value in values:
        if inputs.is_stdin(value):
            entries.extend(split(inputs.read_bytes(value, what="bundle"), inputs.STDIN_NAME))
        else:
            entries.extend(read_file(value))
    return entries


def render_text(result: VerificationResult, artifact: str) -> str:
    lines: list[str] = []
    digest = ", ".join(f"{k}:{v}" for k, v in result.subject.items())
    if result.ok:
        lines.append(f"PASS {artifact} ({digest})")
        chosen = result.chosen
        if chosen is not None and chosen.verdict is not None and VSA_PREDICATE_TYPE in result.required:
            v = chosen.verdict
            lines.append(f"  verdict {v.result} by {v.verifier_id} at {format_micro(v.time_verified)}"
                         f" [{chosen.record.source}]")
            policy = ", ".join(f"{k}:{h}" for k, h in v.policy_digest.items())
            present = len(v.inputs) - len(chosen.absent)
            elsewhere = f", {len(chosen.absent)} declared absent" if chosen.absent else ""
            lines.append(f"  policy {v.policy_uri} ({policy}); stage {v.stage or '-'}; "
                         f"{present} input attestation(s) present and verified{elsewhere}")
            lines += [f"  input {e['uri'] or e['digest']} is elsewhere: {e['reason']}" for e in chosen.absent]
        if result.policy is not None:
            kinds = Counter(r.statement.predicate_type for r in result.statements if r.statement is not None)
            lines.append(f"  judged {sum(kinds.values())} verified statement(s): "
                         + ", ".join(f"{n} {ptype}" for ptype, n in sorted(kinds.items())))
        for ptype in result.required:
            if ptype != VSA_PREDICATE_TYPE:
                sources = [r.source for r in result.statements if r.statement and r.statement.predicate_type == ptype]
                lines.append(f"  {ptype}: {len(sources)} verified statement(s) [{', '.join(sources)}]")
    else:
        lines.append(f"FAIL {artifact} ({digest}): {result.reason}")
        lines += [f"  {reason}" for reason in result.reasons]
    if result.policy is not None:
        said = ("not evaluated (a malformed attestation)" if not result.policy["evaluated"]
                else "allowed" if result.policy["allow"] else "not allowed")
        lines.append(f"  verify policy {result.policy['source']} ({result.policy['digest']}, "
                     f"{result.policy['engine']}): {said}")
        lines += [f"  policy warning: {e['rule']}: {e['message']}" for e in result.policy.get("warn", [])]
    lines += [f"  warning: {warning}" for warning in result.warnings]
    return "\n".join(lines) + "\n"


@click.command("verify")
@click.argument("artifact", type=inputs.InputFile(dir_okay=True, path_type=str))
@click.option("-b", "--bundle", "bundles", multiple=True, required=True, metavar="FILE", type=inputs.FILE,
              help="Attestations: JSON Lines of DSSE envelopes (*.intoto.jsonl) or of Sigstore bundles "
                   "(*.sigstore.jsonl), or one pretty-printed envelope or Sigstore bundle (*.json); - for stdin. "
                   "Repeatable: every attestation of every file is evaluated.")
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
              help="The verifier.id the verdict must carry (another tool's, to verify its VSAs).")
@click.option("--at", "at", metavar="TIMESTAMP",
              help="Judge age and clock skew as of this RFC 3339 time instead of now (audits, test vectors).")
@click.option("--allow-no-inputs", is_flag=True,
              help="Accept a verdict that lists no input attestation (refused by default as NO_INPUTS: it vouches "
                   "for no check). Example: gatecheck verify app.whl --bundle b.intoto.jsonl --key ci.pub "
                   "--allow-no-inputs")
@click.option("--require-predicate", "require_predicates", multiple=True, metavar="TYPE",
              help="Require a verified statement about ARTIFACT of this predicate type (a URI, or vsa, provenance, "
                   "cyclonedx, spdx, check-result, svr); repeatable. Replaces the default, a passing VSA; vsa keeps "
                   "its rules when listed. Example: --require-predicate provenance --require-predicate vsa")
@click.option("--allow-absent-input", "absent", multiple=True, metavar="PATTERN=REASON",
              help="A verdict may list input attestations matching PATTERN (a URI glob, or sha256:HEX) without "
                   "their being given; REASON is recorded in the result. Repeatable. Example: "
                   "--allow-absent-input 'https://builds.example.com/*=kept by the build service'")
@click.option("--resource-uri", metavar="URI",
              help="Require the verdict's resourceUri to be this (SLSA's VSA verification procedure). Example: "
                   "--resource-uri 'pkg:oci/app@sha256:9f86d0...?repository_url=registry.example.com/team/app'")
@click.option("--policy", "policy_path", metavar="DIR",
              help="Judge every verified statement about ARTIFACT with this Rego policy (a directory or an OPA "
                   ".tar.gz bundle; entrypoint data.gatecheck.verify.decision; input: "
                   "schemas/verify-policy-input.schema.json). It replaces the default requirement unless "
                   "--require-predicate is given too. Example: --policy docs/examples/verify-policy")
@click.option("--engine", default="embedded", show_default=True, metavar="NAME",
              help="Policy engine for --policy: embedded, or opa (the server at $GATECHECK_OPA_URL, or a local "
                   "opa on PATH). Example: --policy ./verify-policy --engine opa")
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
    require_predicates: tuple[str, ...],
    absent: tuple[str, ...],
    resource_uri: str | None,
    policy_path: str | None,
    engine: str,
    max_envelope_size: int,
    out: Output,
) -> None:
    """Verify that ARTIFACT has valid, fresh, signed attestations: by default a passing gatecheck verdict.

    ARTIFACT is a file (sha256 of its bytes; - for stdin), a directory (in-toto dirHash), an
    image as NAME@sha256:HEX, or sha256:HEX. Attestations are DSSE envelopes or Sigstore
    bundles (v0.3, public-key material; no transparency log is needed or checked). Signatures
    are checked over the exact envelope bytes before anything inside is parsed; then the SLSA
    VSA about ARTIFACT must name the expected verifier, say PASSED, match --policy-digest,
    --stage and --resource-uri when given, be no older than --max-age and not in the future,
    list at least one input attestation (unless --allow-no-inputs), and every input
    attestation it lists must be present and verify (or be declared absent). The freshest
    passing verdict counts, unless a FAILED one for the same policy and stage (or naming no
    stage) was made at the same time or later. --require-predicate and --policy replace or
    extend that rule for other tools' attestations (SLSA provenance, SBOMs, other VSAs).

    Exit codes: 0 verified; 1 not verified, with stable reason codes (SIGNATURE_INVALID,
    UNTRUSTED_KEY, THRESHOLD_NOT_MET, SUBJECT_MISMATCH, PREDICATE_TYPE_MISMATCH,
    RESULT_FAILED, POLICY_MISMATCH, EXPIRED, FUTURE_DATED, NO_INPUTS, INPUT_MISSING,
    BUNDLE_UNSUPPORTED, POLICY_DENIED, MALFORMED, ...; see docs/attestations.md); 2
    unreadable input (bundle, key, artifact or policy) or bad options.

    \b
    Examples:
      gatecheck verify dist/app.whl --bundle gatecheck.intoto.jsonl --key gatecheck.pub
      gatecheck verify dist/app.whl --bundle gatecheck.sigstore.jsonl --key gatecheck.pub
      gatecheck verify registry.example.com/app@sha256:9f86d0... --bundle a.intoto.jsonl \\
          --key ci.pub --key release.pub --threshold 2 --policy-digest sha256:5e1f... \\
          --max-age 24h --stage deploy --require-check sca --format json
      gatecheck verify dist/app.whl --bundle provenance.sigstore.json --bundle gate.intoto.jsonl \\
          --key builder.pub --key ci.pub --policy docs/examples/verify-policy
      gatecheck verify sha256:9f86d0... --bundle hand-made.intoto.jsonl --key ci.pub --allow-no-inputs
      curl -s https://example.com/app.whl | gatecheck verify - --bundle app.intoto.jsonl --key ci.pub
    """
    public_keys = inputs.public_keys(keys)
    now = None
    if at is not None:
        try:
            now = parse_rfc3339(at)
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
        require_predicates=predicate_types(require_predicates),
        absent_inputs=absent_inputs(absent),
        resource_uri=resource_uri,
        policy=load_policy(policy_path, engine),
    )
    options.validate()
    subject = resolve(prefixed(inputs.stdin_sha256(what="artifact"))) if inputs.is_stdin(artifact) else resolve(artifact)
    result = verify_entries(subject.subject.digest, read_attestations(bundles), options)
    out.emit({"artifact": artifact, **result.to_dict()}, lambda: render_text(result, inputs.display(artifact)))
    raise click.exceptions.Exit(EXIT_PASS if result.ok else EXIT_DENIED)


def load_policy(path: str | None, engine: str) -> VerifyPolicy | None:
    """The ``--policy`` bundle with its ``--engine`` (None without ``--policy``); BadInput when unusable."""
    if path is None:
        return None
    from gatecheck.attest.policy import VerifyPolicy
    from gatecheck.policy.engines import EngineSettings

    return VerifyPolicy.load(path, engine=engine, settings=EngineSettings(opa_url=os.environ.get("GATECHECK_OPA_URL")))


COMMANDS = [verify]
