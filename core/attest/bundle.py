"""Attestation bundles, written from a gate report: JSON Lines of DSSE envelopes (``*.intoto.jsonl``),
JSON Lines of Sigstore bundles (``*.sigstore.jsonl``), or both.

A bundle holds, one attestation per line and in this order:

1. one statement per check result (predicate type :data:`CHECK_RESULT_PREDICATE_TYPE`; the
   predicate is the check result document, with inline artifact content replaced by its digest);
2. one statement per CycloneDX SBOM a check produced (predicate type ``https://cyclonedx.org/bom``,
   the SBOM itself as predicate);
3. the closing SLSA VSA v1, whose ``inputAttestations`` list the sha256 of every line above
   (the digest of the envelope's compact JSON line, without the newline; a Sigstore bundle
   carries the same envelope, see :mod:`gatecheck.attest.sigstore`), each with a resolvable
   ``uri`` (the bundle's absolute ``file:`` URI and ``#LINE``) and a ``name``;
4. on request, an in-toto Simple Verification Result (:data:`gatecheck.attest.vsa.SVR_PREDICATE_TYPE`)
   saying the same verdict as properties.

Both formats hold the same signed envelopes, so ``--attest-format both`` signs once and one
verdict's inputs resolve in either file.

Every statement has the same subjects. Until the Rego policy engine records a policy digest,
the VSA carries the digest of an empty policy listing: sha256 of zero bytes,
:data:`EMPTY_POLICY_DIGEST`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gatecheck import __version__
from gatecheck.attest import (
    CHECK_RESULT_PREDICATE_TYPE,
    CYCLONEDX_PREDICATE_TYPE,
    DEFAULT_VERIFIER_ID,
    PAYLOAD_TYPE,
    VSA_PREDICATE_TYPE,
    dsse,
    sigstore,
    vsa,
)
from gatecheck.attest.signing import Signer
from gatecheck.attest.statement import Statement
from gatecheck.attest.subjects import ResolvedSubject
from gatecheck.canonical import canonical_json
from gatecheck.digests import PREFIX, sha256_hex
from gatecheck.errors import BadInput
from gatecheck.files import atomic_write
from gatecheck.reports import Report
from gatecheck.timestamps import utc_now

if TYPE_CHECKING:
    from gatecheck.plugin_manager import Plugins

CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json"
#: What ``--attest-format`` takes: DSSE JSON Lines, Sigstore bundle JSON Lines, or both.
FORMATS = ("jsonl", "sigstore", "both")
#: sha256 of an empty policy listing (zero bytes): the policy digest recorded while no policy engine gives one.
EMPTY_POLICY_DIGEST = sha256_hex(b"")


def policy_digest_hex(report: Report) -> str:
    """The report's policy digest as lowercase hex, or :data:`EMPTY_POLICY_DIGEST` when it has none."""
    digest = report.decision.policy_digest
    if not digest:
        return EMPTY_POLICY_DIGEST
    return digest.removeprefix(PREFIX).lower()


def _check_predicate(result_doc: dict[str, Any], stage: str) -> dict[str, Any]:
    doc = dict(result_doc)
    artifacts = []
    for art in doc.get("artifacts", []):
        entry = {k: v for k, v in art.items() if k != "content"}
        if art.get("content") is not None:
            entry["digest"] = {"sha256": sha256_hex(canonical_json(art["content"], ascii_only=True))}
        artifacts.append(entry)
    doc["artifacts"] = artifacts
    doc["stage"] = stage
    return doc


def _sbom_documents(report: Report) -> list[dict[str, Any]]:
    sboms: list[dict[str, Any]] = []
    for result in report.results:
        for art in result.artifacts:
            if art.media_type != CYCLONEDX_MEDIA_TYPE:
                continue
            content = art.content
            if content is None and art.path:
                path = Path(art.path) if Path(art.path).is_absolute() else report.root / art.path
                try:
                    content = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise BadInput(f"cannot read the SBOM check {result.check!r} produced: {exc}", path=path) from None
            if isinstance(content, str):
                try:
                    content = json.loads(content)
                except ValueError as exc:
                    raise BadInput(f"the SBOM check {result.check!r} produced is not JSON: {exc}") from None
            if not isinstance(content, dict):
                raise BadInput(f"the SBOM check {result.check!r} produced is not a JSON object")
            sboms.append(content)
    return sboms


#: Most entries per decision list carried in the verdict; the full decision is in the reports.
MAX_DECISION_ENTRIES = 1000


def _decision_summary(report: Report) -> dict[str, Any]:
    """The decision as the verdict carries it: every list capped, with the true counts."""
    doc = report.decision.to_dict()
    for kind in ("deny", "warn", "waived"):
        doc[f"{kind}_count"] = len(doc[kind])
        doc[kind] = doc[kind][:MAX_DECISION_ENTRIES]
    return doc


def _svr(report: Report, verdict: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The Simple Verification Result beside the VSA: the gate and each completed check as properties."""
    passed = verdict["verificationResult"] == "PASSED"
    properties = ["GATECHECK_GATE_PASSED", f"GATECHECK_STAGE_{report.stage.upper()}"] if passed else []
    properties += sorted(f"GATECHECK_CHECK_{r.check.upper().replace('-', '_')}_COMPLETED" for r in report.results
                         if r.status == "ok")
    return vsa.svr_predicate(verifier_id=verdict["verifier"]["id"], time_created=now, properties=properties,
                             policy_uri=verdict["policy"]["uri"], policy_digest=verdict["policy"]["digest"]["sha256"])


def build(
    report: Report,
    subjects: Sequence[ResolvedSubject],
    signer: Signer | Sequence[Signer],
    *,
    bundle_name: str = "gatecheck.intoto.jsonl",
    verifier_id: str = DEFAULT_VERIFIER_ID,
    now: datetime | None = None,
    bundle_uri: str | None = None,
    svr: bool = False,
) -> list[bytes]:
    """Sign every statement of the bundle for ``report`` (by each signer) and return the envelope lines
    (compact DSSE JSON, without newlines).

    Input attestations are named ``BUNDLE_URI#LINE`` (``bundle_uri``: where the bundle is
    written, an absolute ``file:`` URI) or, without it, ``BUNDLE_NAME#LINE``. ``svr`` adds the
    Simple Verification Result after the VSA.
    """
    signers = list(signer) if isinstance(signer, Sequence) else [signer]
    if not signers:
        raise BadInput("an attestation needs at least one --key", key="--key")
    if not subjects:
        raise BadInput("an attestation needs at least one --subject", key="--subject")
    moment = now or utc_now()
    subject_list = tuple(s.subject for s in subjects)
    statements = [
        Statement(subject_list, CHECK_RESULT_PREDICATE_TYPE, _check_predicate(r.to_dict(), report.stage))
        for r in report.results
    ]
    names = [f"check-result {r.check}" for r in report.results]
    sboms = _sbom_documents(report)
    statements += [Statement(subject_list, CYCLONEDX_PREDICATE_TYPE, doc) for doc in sboms]
    names += ["sbom"] * len(sboms)
    lines = [dsse.sign(PAYLOAD_TYPE, st.to_json(), signers).to_json() for st in statements]
    base = bundle_uri or bundle_name
    inputs = [(f"{base}#{i}", sha256_hex(line)) for i, line in enumerate(lines, start=1)]
    # The engine label may carry a version in parentheses ("embedded (regorus 0.9.1)"): keep the URI a URI.
    engine = quote((report.decision.engine or "none").split(" ")[0], safe="")
    verdict = vsa.predicate(
        verifier_id=verifier_id,
        verifier_version=__version__,
        time_verified=moment,
        resource_uri=subjects[0].resource_uri,
        policy_uri=f"https://gatecheck.dev/policy/{engine}",
        policy_digest=policy_digest_hex(report),
        input_digests=inputs,
        input_names=names,
        passed=report.passed,
        stage=report.stage,
        extensions={vsa.DECISION_FIELD: _decision_summary(report), vsa.WAIVERS_FIELD: report.applied_waivers,
                    vsa.CONFIG_SOURCE_FIELD: report.config_source},
    )
    closing = Statement(subject_list, VSA_PREDICATE_TYPE, verdict)
    lines.append(dsse.sign(PAYLOAD_TYPE, closing.to_json(), signers).to_json())
    if svr:
        summary = Statement(subject_list, vsa.SVR_PREDICATE_TYPE, _svr(report, verdict, moment))
        lines.append(dsse.sign(PAYLOAD_TYPE, summary.to_json(), signers).to_json())
    return lines


def sigstore_lines(lines: Sequence[bytes], signer: Signer) -> list[bytes]:
    """The same envelopes, each as a one-line Sigstore bundle whose key hint is ``signer``'s keyid."""
    return [sigstore.bundle_json(dsse.parse_envelope(line), signer.keyid) for line in lines]


def sigstore_path(path: Path) -> Path:
    """Where ``--attest-format both`` writes the Sigstore bundles: ``X.intoto.jsonl`` -> ``X.sigstore.jsonl``."""
    name = path.name
    for suffix in (".intoto.jsonl", ".jsonl", ".json"):
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return path.with_name(f"{name}.sigstore.jsonl")


def write(path: Path, lines: Sequence[bytes]) -> None:
    """Write a bundle atomically (a reader never sees half of one), one envelope per line."""
    atomic_write(path, b"".join(line + b"\n" for line in lines))


class RunAttestation:
    """What ``gatecheck run --attest`` needs, opened before the checks run so a bad key or
    subject stops the run early (exit 2) instead of after minutes of scanning."""

    def __init__(self, path: Path, subjects: Sequence[ResolvedSubject], signers: Signer | Sequence[Signer], *,
                 verifier_id: str, attest_failed: bool, attest_format: str = "jsonl", svr: bool = False) -> None:
        self.path = path
        self.subjects = list(subjects)
        self.signers = list(signers) if isinstance(signers, Sequence) else [signers]
        self.verifier_id = verifier_id
        self.attest_failed = attest_failed
        self.attest_format = attest_format
        self.svr = svr

    @property
    def signer(self) -> Signer:
        """The first (primary) signer: the one whose public key identifies the bundle to a store."""
        return self.signers[0]

    @property
    def paths(self) -> list[Path]:
        """The files written: the DSSE JSON Lines bundle and/or the Sigstore bundles."""
        return {"jsonl": [self.path], "sigstore": [self.path],
                "both": [self.path, sigstore_path(self.path)]}[self.attest_format]

    @classmethod
    def prepare(cls, path: Path | None, subjects: Sequence[str], keys: Sequence[str], *, verifier_id: str,
                attest_failed: bool, plugins: Plugins, attest_format: str = "jsonl",
                svr: bool = False) -> RunAttestation | None:
        """Check the ``--attest`` options and open the signer; None when no bundle was asked for."""
        from gatecheck.attest.signing import open_signer
        from gatecheck.attest.subjects import resolve

        if path is None:
            if subjects or keys:
                raise BadInput("--subject and --key only make sense with --attest BUNDLE", key="--attest")
            return None
        if not subjects:
            raise BadInput("--attest needs at least one --subject (PATH, sha256:HEX or NAME@sha256:HEX)",
                           key="--subject")
        if not keys:
            raise BadInput("--attest needs --key SIGNER_URI (for example file:gatecheck.key or env:GATECHECK_KEY)",
                           key="--key")
        if attest_format not in FORMATS:
            raise BadInput(f"unknown attestation format {attest_format!r} (one of {', '.join(FORMATS)})",
                           key="--attest-format")
        if attest_format != "jsonl" and len(keys) > 1:
            raise BadInput("a Sigstore bundle carries exactly one signature: sign with one --key, or use "
                           "--attest-format jsonl for several keys and a verify --threshold", key="--attest-format")
        resolved = [resolve(s) for s in subjects]
        signers = [open_signer(key, plugins) for key in keys]
        if len({s.keyid for s in signers}) != len(signers):
            raise BadInput("the same key is given twice: a second signature by one key adds nothing", key="--key")
        return cls(path, resolved, signers, verifier_id=verifier_id, attest_failed=attest_failed,
                   attest_format=attest_format, svr=svr)

    def write(self, report: Report) -> str:
        """Write the bundle(s) for ``report`` (or skip a denied run unless asked); returns what happened."""
        passed = report.passed
        if not passed and not self.attest_failed:
            return f"gatecheck: the run did not pass; no attestation written to {self.path} (use --attest-failed)"
        # Inputs are named where the DSSE lines are written (the Sigstore file holds the same envelopes).
        lines = build(report, self.subjects, self.signers, bundle_name=self.path.name, verifier_id=self.verifier_id,
                      bundle_uri=self.path.resolve().as_uri(), svr=self.svr)
        if self.attest_format in ("jsonl", "both"):
            write(self.path, lines)
        if self.attest_format != "jsonl":
            write(self.paths[-1], sigstore_lines(lines, self.signer))
        verdict = "PASSED" if passed else "FAILED"
        where = " and ".join(str(p) for p in self.paths)
        return (f"gatecheck: wrote {len(lines)} signed attestation(s), verdict {verdict}, to {where} "
                f"(keyid {', '.join(s.keyid for s in self.signers)})")
