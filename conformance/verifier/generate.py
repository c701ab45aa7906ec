"""Regenerate the verifier test vectors from the fixed test keys.

Usage (from the repository root)::

    python -m gatecheck_conformance.verifier.generate            # rewrite vectors/
    python -m gatecheck_conformance.verifier.generate --check    # exit 1 if vectors/ is stale

The keys in ``keys/`` are fixed, public and for testing only (never trust them anywhere).
Ed25519 and deterministic ECDSA (RFC 6979) signatures and compact JSON make the output
byte-for-byte reproducible, so ``--check`` proves the committed vectors come from this
script. ``--new-keys`` makes a fresh set of test keys (only ever needed once).

Each vector is a directory ``vectors/NAME/`` with its bundle(s) (and an artifact file where
the vector verifies a file or a directory), described in ``vectors/manifest.json``:
the artifact, bundles and trusted keys to pass, the options, the time to judge at, and
the expected exit code and reason code.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from gatecheck.attest import VSA_PREDICATE_TYPE, vsa
from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.subjects import dir_hash
from gatecheck_conformance.verifier import foreign

# The building blocks live in bundles.py; they are re-exported here, where the benchmark and the
# tests have always imported them from.
from gatecheck_conformance.verifier.bundles import (
    ARTIFACT,
    ARTIFACT_BYTES,
    BASE_TIME,
    CHECKS,
    HUGE_PAYLOAD_BYTES,
    JUDGE_AT,
    KEY_NAMES,
    KEYS_DIR,
    OTHER_ARTIFACT,
    OTHER_POLICY,
    POLICY,
    VECTORS_DIR,
    VERIFIER_ID,
    Spec,
    Vector,
    bundle_lines,
    edit_envelope,
    envelope,
    load_keys,
    new_keys,
    reencode,
    set_payload,
    statement,
)

__all__ = ["ARTIFACT", "ARTIFACT_BYTES", "BASE_TIME", "CHECKS", "JUDGE_AT", "KEYS_DIR", "KEY_NAMES", "OTHER_ARTIFACT",
           "POLICY", "VECTORS_DIR", "VERIFIER_ID", "Spec", "Vector", "build_vectors", "bundle_lines", "load_keys",
           "main", "write_vectors"]


def build_vectors(keys: dict[str, PrivateKey]) -> list[Vector]:
    def jsonl(lines: list[bytes]) -> bytes:
        return b"".join(line + b"\n" for line in lines)

    def valid(**kw: Any) -> list[bytes]:
        return bundle_lines(Spec(**kw), keys)

    v: list[Vector] = []

    def add(name: str, description: str, lines: list[bytes] | bytes, exit_code: int, reason: str | None,
            **kw: Any) -> None:
        data = lines if isinstance(lines, bytes) else jsonl(lines)
        v.append(Vector(name, description, {"bundle.intoto.jsonl": data}, exit_code, reason, **kw))

    # --- valid -----------------------------------------------------------------------------------------
    add("valid-ed25519", "a complete six-envelope bundle signed with Ed25519", valid(), 0, None)
    add("valid-ecdsa-p256", "a complete bundle signed with ECDSA P-256 (DER signatures)",
        valid(signers=["ecdsa-p256-a"]), 0, None, keys=["ecdsa-p256-a"])
    add("valid-file-artifact", "the artifact is a file: its sha256 is the subject digest", valid(), 0, None,
        artifact="artifact.txt", files={"artifact.txt": ARTIFACT_BYTES})
    tree = {"tree/a.txt": b"alpha\n", "tree/sub/b.txt": b"beta\n"}
    with tempfile.TemporaryDirectory() as tmp:
        for rel, data in tree.items():
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / rel).write_bytes(data)
        tree_digest = dir_hash(Path(tmp) / "tree")
    add("valid-directory-artifact", "the artifact is a directory: its in-toto dirHash is the subject digest",
        valid(subject=tree_digest, subject_alg="dirHash"), 0, None, artifact="tree", files=tree)
    add("valid-oci-digest", "the artifact is an image named by digest (NAME@sha256:HEX)", valid(), 0, None,
        artifact=f"registry.example.com/team/app@sha256:{ARTIFACT}")
    add("valid-urlsafe-base64", "payload and signatures in URL-safe base64 (with padding)",
        valid(transform=lambda line: reencode(line, urlsafe=True, padded=True)), 0, None)

    def strip_keyid(doc: dict[str, Any]) -> None:
        for sig in doc["signatures"]:
            sig.pop("keyid", None)

    add("valid-no-keyid", "signatures carry no keyid (it is optional)",
        valid(transform=lambda line: edit_envelope(line, strip_keyid)), 0, None)

    def lie_keyid(doc: dict[str, Any]) -> None:
        for sig in doc["signatures"]:
            sig["keyid"] = "0" * 64

    add("valid-lying-keyid", "keyids name no known key, but the signatures are by the trusted key: keyid is only a hint",
        valid(transform=lambda line: edit_envelope(line, lie_keyid)), 0, None)

    def extra_fields(doc: dict[str, Any]) -> None:
        doc["x-extra"] = {"ignored": True}
        for sig in doc["signatures"]:
            sig["cert"] = ""

    add("valid-unknown-envelope-fields", "unknown envelope and signature fields are ignored",
        valid(transform=lambda line: edit_envelope(line, extra_fields)), 0, None)

    lines = valid()
    add("valid-unknown-statement-fields", "unknown statement and predicate fields are ignored (in-toto parsing rules)",
        valid(unknown_fields=True), 0, None)
    add("valid-duplicate-envelopes", "the same bundle given twice: identical envelopes are evaluated once", lines, 0,
        None)
    v[-1].bundles["copy.intoto.jsonl"] = jsonl(lines)

    add("valid-policy-digest", "--policy-digest matches the verdict's policy", valid(), 0, None,
        args=["--policy-digest", f"sha256:{POLICY}"])
    add("valid-stage", "--stage matches the verdict's stage", valid(), 0, None, args=["--stage", "deploy"])
    add("valid-require-check", "--require-check finds the check among the verified inputs", valid(), 0, None,
        args=["--require-check", "sca", "--require-check", "secrets"])
    add("valid-max-age-7d", "a two-day-old verdict within --max-age 7d", valid(time=BASE_TIME - timedelta(days=2)),
        0, None, args=["--max-age", "7d"])
    add("valid-within-clock-skew", "timeVerified two minutes ahead of the verifier's clock: within the skew",
        valid(time=BASE_TIME + timedelta(hours=1, minutes=2)), 0, None)
    add("valid-threshold-2", "each envelope signed by two trusted keys, threshold 2",
        valid(signers=["ed25519-a", "ecdsa-p256-a"]), 0, None, keys=["ed25519-a", "ecdsa-p256-a"],
        args=["--threshold", "2"])
    add("valid-extra-untrusted-signature", "a trusted signature plus one by an untrusted key: threshold 1 is met",
        valid(signers=["untrusted", "ed25519-a"]), 0, None)

    # --- signatures ------------------------------------------------------------------------------------
    add("untrusted-key", "every envelope signed by a key that is not trusted", valid(signers=["untrusted"]), 1,
        "UNTRUSTED_KEY")

    def claim_trusted(doc: dict[str, Any]) -> None:
        for sig in doc["signatures"]:
            sig["keyid"] = keys["ed25519-a"].keyid

    add("lying-keyid-untrusted-signer", "signed by an untrusted key whose keyid claims the trusted one",
        valid(signers=["untrusted"], transform=lambda line: edit_envelope(line, claim_trusted)), 1,
        "SIGNATURE_INVALID")
    lines = valid()
    vsa_doc = json.loads(base64.b64decode(json.loads(lines[-1])["payload"]))
    vsa_doc["predicate"]["verificationResult"] = "PASSED"
    vsa_doc["predicate"]["policy"]["digest"]["sha256"] = OTHER_POLICY
    lines[-1] = edit_envelope(lines[-1], lambda d: set_payload(d, json.dumps(vsa_doc, separators=(",", ":")).encode()))
    add("tampered-payload", "the VSA payload changed after signing", lines, 1, "SIGNATURE_INVALID")
    lines = valid()
    lines[-1] = edit_envelope(lines[-1], lambda d: d.update(payloadType="application/vnd.in-toto+json;v=2"))
    add("tampered-payload-type", "payloadType changed after signing (it is covered by the PAE)", lines, 1,
        "SIGNATURE_INVALID")

    def flip_sig(doc: dict[str, Any]) -> None:
        raw = bytearray(base64.b64decode(doc["signatures"][0]["sig"]))
        raw[10] ^= 0x01
        doc["signatures"][0]["sig"] = base64.b64encode(bytes(raw)).decode()

    lines = valid()
    lines[-1] = edit_envelope(lines[-1], flip_sig)
    add("tampered-signature-ed25519", "one bit of the Ed25519 signature flipped", lines, 1, "SIGNATURE_INVALID")
    lines = valid(signers=["ecdsa-p256-a"])
    lines[-1] = edit_envelope(lines[-1], flip_sig)
    add("tampered-signature-ecdsa", "one bit of the ECDSA signature flipped", lines, 1, "SIGNATURE_INVALID",
        keys=["ecdsa-p256-a"])
    lines = valid()
    other_sig = json.loads(lines[0])["signatures"]
    lines[-1] = edit_envelope(lines[-1], lambda d: d.update(signatures=other_sig))
    add("signature-from-other-envelope", "a valid signature copied from another envelope of the bundle", lines, 1,
        "SIGNATURE_INVALID")
    lines = valid()
    lines[-1] = edit_envelope(lines[-1], lambda d: d.update(signatures=[]))
    add("no-signatures", "the VSA envelope has an empty signatures list", lines, 1, "SIGNATURE_INVALID")
    add("threshold-not-met", "threshold 2 with two trusted keys, but only one signed",
        valid(), 1, "THRESHOLD_NOT_MET", keys=["ed25519-a", "ed25519-b"], args=["--threshold", "2"])
    add("threshold-same-key-twice", "threshold 2, but both signatures are by the same key",
        valid(signers=["ed25519-a", "ed25519-a"]), 1, "THRESHOLD_NOT_MET", keys=["ed25519-a", "ed25519-b"],
        args=["--threshold", "2"])
    add("threshold-one-trusted-one-untrusted", "threshold 2: one trusted signature and one by an untrusted key",
        valid(signers=["ed25519-a", "untrusted"]), 1, "THRESHOLD_NOT_MET", keys=["ed25519-a", "ed25519-b"],
        args=["--threshold", "2"])

    # --- statement and verdict ---------------------------------------------------------------------------
    add("subject-mismatch", "a valid bundle about another artifact", valid(subject=OTHER_ARTIFACT), 1,
        "SUBJECT_MISMATCH")
    add("wrong-predicate-type", "the closing statement is a VSA v0.2, not v1",
        valid(vsa_type="https://slsa.dev/verification_summary/v0.2"), 1, "PREDICATE_TYPE_MISMATCH")
    add("statement-v0.1", "every statement is an in-toto Statement v0.1",
        valid(statement_type="https://in-toto.io/Statement/v0.1"), 1, "UNSUPPORTED_STATEMENT")
    add("result-failed", "the verdict is FAILED", valid(result="FAILED"), 1, "RESULT_FAILED")
    add("policy-digest-mismatch", "--policy-digest differs from the verdict's policy", valid(), 1, "POLICY_MISMATCH",
        args=["--policy-digest", f"sha256:{OTHER_POLICY}"])
    add("verifier-id-mismatch", "the verdict names another verifier", valid(verifier_id="https://evil.example/v"),
        1, "VERIFIER_MISMATCH")
    add("stage-mismatch", "--stage deploy, but the verdict was made at ci", valid(stage="ci"), 1, "STAGE_MISMATCH",
        args=["--stage", "deploy"])
    add("expired", "the verdict is two days old; --max-age 24h", valid(time=BASE_TIME - timedelta(days=2)), 1,
        "EXPIRED", args=["--max-age", "24h"])
    add("future-dated", "timeVerified is a day after the verifier's clock", valid(time=BASE_TIME + timedelta(days=1)),
        1, "FUTURE_DATED")
    add("missing-input-attestation", "one input attestation the VSA lists is not in the bundle",
        valid(drop_input=1), 1, "INPUT_MISSING")
    add("input-attestation-untrusted", "one input attestation is signed by an untrusted key",
        valid(input_signers={2: ["untrusted"]}), 1, "INPUT_INVALID")
    add("require-check-missing", "--require-check names a check the verdict did not use", valid(), 1, "CHECK_MISSING",
        args=["--require-check", "migrations"])
    add("require-check-errored", "--require-check sca, but the sca result says error",
        valid(check_status={"sca": "error"}), 1, "CHECK_NOT_OK", args=["--require-check", "sca"])
    add("vsa-missing-required-field", "the VSA predicate has no timeVerified", valid(drop_vsa_field="timeVerified"),
        1, "MALFORMED")
    add("no-input-attestations", "the VSA lists no input attestation (what a gate that ran no check signs)",
        valid(with_inputs=False), 1, "NO_INPUTS")
    add("valid-no-inputs-allowed", "a VSA with no input attestation, accepted because --allow-no-inputs says so",
        valid(with_inputs=False), 0, None, args=["--allow-no-inputs"])
    add("valid-whole-second-time", "timeVerified in whole seconds (2026-01-01T12:00:00Z), as older producers write it",
        valid(time_text="2026-01-01T12:00:00Z"), 0, None)
    add("valid-nanosecond-time", "timeVerified with nine fractional digits",
        valid(time_text="2026-01-01T12:00:00.123456789Z"), 0, None)

    # --- several verdicts ---------------------------------------------------------------------------------
    older = valid(time=BASE_TIME - timedelta(hours=2))
    newer_failed = valid(time=BASE_TIME, result="FAILED")
    v.append(Vector("newer-failed-wins", "an older PASSED and a newer FAILED verdict for the same policy",
                    {"old.intoto.jsonl": jsonl(older), "new.intoto.jsonl": jsonl(newer_failed)}, 1, "RESULT_FAILED"))
    v.append(Vector("newer-passed-wins", "an older FAILED and a newer PASSED verdict: the freshest passing counts",
                    {"old.intoto.jsonl": jsonl(valid(time=BASE_TIME - timedelta(hours=2), result="FAILED")),
                     "new.intoto.jsonl": jsonl(valid())}, 0, None))
    v.append(Vector("expired-and-fresh", "an expired PASSED and a fresh PASSED verdict in one bundle",
                    {"bundle.intoto.jsonl": jsonl(valid(time=BASE_TIME - timedelta(days=3)) + valid())}, 0, None))
    v.append(Vector("same-time-failed-wins", "a PASSED and a FAILED verdict with the same timeVerified: FAILED wins",
                    {"passed.intoto.jsonl": jsonl(valid()), "failed.intoto.jsonl": jsonl(valid(result="FAILED"))},
                    1, "RESULT_FAILED"))
    v.append(Vector("same-second-failed-wins", "a FAILED verdict 0.8 s after a PASSED one, in the same second",
                    {"passed.intoto.jsonl": jsonl(valid(time=BASE_TIME + timedelta(milliseconds=100))),
                     "failed.intoto.jsonl": jsonl(valid(time=BASE_TIME + timedelta(milliseconds=900),
                                                        result="FAILED"))}, 1, "RESULT_FAILED"))
    v.append(Vector("stageless-failed-supersedes", "--stage deploy: a newer FAILED verdict that names no stage "
                    "supersedes the PASSED deploy verdict",
                    {"old.intoto.jsonl": jsonl(older),
                     "new.intoto.jsonl": jsonl(valid(result="FAILED", drop_vsa_field=vsa.STAGE_FIELD))},
                    1, "RESULT_FAILED", args=["--stage", "deploy"]))
    v.append(Vector("newer-failed-other-stage", "a newer FAILED verdict made for another stage does not supersede",
                    {"old.intoto.jsonl": jsonl(older), "new.intoto.jsonl": jsonl(valid(result="FAILED", stage="ci"))},
                    0, None, args=["--stage", "deploy"]))
    v.append(Vector("newer-failed-other-policy", "a newer FAILED verdict for another policy does not supersede",
                    {"old.intoto.jsonl": jsonl(older),
                     "new.intoto.jsonl": jsonl(valid(result="FAILED", policy=OTHER_POLICY))}, 0, None))

    # --- malformed -----------------------------------------------------------------------------------------
    lines = valid()
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    add("truncated-json", "the VSA line is cut in half", lines, 1, "MALFORMED")
    lines = valid()
    lines[-1] = lines[-1][:-1] + b',"payloadType":"application/vnd.in-toto+json"}'
    add("duplicate-keys-envelope", "the envelope repeats the payloadType key", lines, 1, "MALFORMED")
    lines = valid()
    dup = statement(Spec(), VSA_PREDICATE_TYPE, {})[:-1] + b',"predicateType":"https://example.com/other"}'
    lines.append(envelope(dup, [keys["ed25519-a"]]).to_json())
    add("duplicate-keys-statement", "a validly signed statement repeats the predicateType key", lines, 1, "MALFORMED")
    lines = valid()
    nan = b'{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"' + ARTIFACT.encode() \
        + b'"}}],"predicateType":"https://example.com/p","predicate":{"score":NaN}}'
    lines.append(envelope(nan, [keys["ed25519-a"]]).to_json())
    add("nan-in-statement", "a validly signed statement holds NaN, which is not JSON", lines, 1, "MALFORMED")
    lines = valid()
    lines[-1] = edit_envelope(lines[-1], lambda d: d.update(payload=d["payload"][:8] + "!" + d["payload"][9:]))
    add("invalid-base64", "the payload holds a character outside both base64 alphabets", lines, 1, "MALFORMED")

    def mixed(doc: dict[str, Any]) -> None:
        payload = doc["payload"]
        doc["payload"] = payload[:8] + "-" + payload[9:12] + "+" + payload[13:]

    lines = valid()
    lines[-1] = edit_envelope(lines[-1], mixed)
    add("mixed-base64-alphabets", "the payload mixes standard and URL-safe characters", lines, 1, "MALFORMED")

    def trailing_bits(doc: dict[str, Any]) -> None:
        sig = doc["signatures"][0]["sig"]
        assert sig.endswith("==")  # 64-byte signature: the last character carries 4 unused bits
        last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".index(sig[-3])
        doc["signatures"][0]["sig"] = sig[:-3] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[
            last ^ 0x01] + "=="

    lines = valid()
    lines[-1] = edit_envelope(lines[-1], trailing_bits)
    add("noncanonical-base64", "the signature's unused trailing base64 bits are set: same bytes, different text",
        lines, 1, "MALFORMED")
    add("unpadded-base64", "every envelope's payload and signatures lose their base64 padding (padding is required)",
        valid(transform=lambda line: reencode(line, urlsafe=True, padded=False)), 1, "MALFORMED")
    lines = valid()
    lines.append(b'["not", "an", "envelope"]')
    add("not-an-object", "a bundle line is a JSON array", lines, 1, "MALFORMED")
    lines = valid()
    lines.append(envelope(b"this is not JSON", [keys["ed25519-a"]]).to_json())
    add("payload-not-json", "a validly signed payload that is not JSON", lines, 1, "MALFORMED")
    lines = valid()
    lines[-1] = envelope(base64.b64decode(json.loads(lines[-1])["payload"]), [keys["ed25519-a"]],
                         payload_type="application/json").to_json()
    add("wrong-payload-type", "the verdict's envelope is validly signed but its payloadType is not in-toto", lines, 1,
        "PAYLOAD_TYPE_MISMATCH")
    huge = statement(Spec(), "https://example.com/huge", {"blob": "A" * HUGE_PAYLOAD_BYTES})
    lines = [*valid(), envelope(huge, [keys["ed25519-a"]]).to_json()]
    add("huge-payload", "a validly signed 24 MiB statement, over the default 16 MiB envelope limit", lines, 1,
        "MALFORMED", gzip_bundles=True)
    add("empty-bundle", "a bundle with no envelope", b"", 1, "NO_ATTESTATION")

    # --- unreadable input: exit 2 ----------------------------------------------------------------------------
    v.append(Vector("bundle-not-found", "the bundle file does not exist", {}, 2, None, missing_bundle=True))
    v.append(Vector("public-key-not-pem", "a trusted key file that is not a PEM public key",
                    {"bundle.intoto.jsonl": jsonl(valid())}, 2, None, keys=["not-a-key"]))
    return v + foreign.build_vectors(keys)


def write_vectors(target: Path, vectors: list[Vector]) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    manifest = []
    for vec in vectors:
        folder = target / vec.name
        if vec.bundles or vec.files or vec.support:  # git keeps no empty directory, so make none
            folder.mkdir()
        bundle_names = []
        for name, data in vec.bundles.items():
            if vec.gzip_bundles:
                name += ".gz"
                data = gzip.compress(data, mtime=0)
            (folder / name).write_bytes(data)
            bundle_names.append(name)
        if vec.missing_bundle:
            bundle_names.append("does-not-exist.intoto.jsonl")
        for rel, data in {**vec.files, **vec.support}.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        manifest.append({
            "name": vec.name,
            "description": vec.description,
            "artifact": vec.artifact,
            "artifact_is_file": bool(vec.files),
            "bundles": bundle_names,
            "keys": vec.keys,
            "args": vec.args,
            "at": JUDGE_AT,
            "expect": {"exit": vec.expect_exit, "reason": vec.expect_reason},
        })
    (target / "manifest.json").write_text(json.dumps({"version": 1, "vectors": manifest}, indent=2) + "\n")


def _same_tree(a: Path, b: Path) -> list[str]:
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    diffs = sorted(files_a ^ files_b)
    diffs += [rel for rel in sorted(files_a & files_b) if (a / rel).read_bytes() != (b / rel).read_bytes()]
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gatecheck_conformance.verifier.generate",
                                     description="Regenerate the verifier test vectors from the fixed test keys.")
    parser.add_argument("--check", action="store_true", help="compare with the committed vectors instead of writing")
    parser.add_argument("--new-keys", action="store_true", help="make new test keys first (changes every vector)")
    parser.add_argument("--out", type=Path, default=VECTORS_DIR, help="where to write (default: the package's vectors/)")
    args = parser.parse_args(argv)
    if args.new_keys:
        new_keys()
    vectors = build_vectors(load_keys())
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write_vectors(Path(tmp) / "vectors", vectors)
            diffs = _same_tree(Path(tmp) / "vectors", args.out)
        for rel in diffs:
            print(f"differs: {rel}")
        print(f"{len(vectors)} vectors; {'up to date' if not diffs else f'{len(diffs)} file(s) differ'}")
        return 1 if diffs else 0
    write_vectors(args.out, vectors)
    print(f"wrote {len(vectors)} vectors to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
