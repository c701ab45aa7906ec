"""Vectors for the Sigstore bundle format and for other tools' attestations (issue 23).

* **Bundle format**: gatecheck's bundles as JSON Lines of Sigstore bundles (v0.3, public-key
  material), a pretty-printed single bundle and a pretty-printed single envelope beside JSON
  Lines inputs, and bundles that must be refused: tampered, untrusted, unknown fields, two
  signatures, duplicate keys, unpadded base64, another version, a message signature, keyless
  (certificate) material.
* **Other tools' attestations**: SLSA provenance v1 signed by a builder's key (in a Sigstore
  bundle, trusted by key) accepted under the example verify-time policy
  (``docs/examples/verify-policy``) and refused when its builder or source is not trusted;
  provenance required by ``--require-predicate``; another verifier's VSA whose inputs live
  elsewhere, refused unless ``--allow-absent-input`` declares them.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from gatecheck.attest import PAYLOAD_TYPE, VSA_PREDICATE_TYPE, dsse, sigstore
from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.provenance import PROVENANCE_PREDICATE_TYPE
from gatecheck_conformance.verifier.bundles import (
    ARTIFACT,
    BASE_TIME,
    Spec,
    Vector,
    bundle_lines,
    envelope,
    statement,
)

#: The example policy of docs/attestations.md, shipped with the vectors that use it.
EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "verify-policy"
TRUSTED_BUILDER = "https://github.com/actions/runner/github-hosted"
TRUSTED_REPOSITORY = "https://github.com/acme/shop"
OTHER_VERIFIER = "https://verifier.example.com/slsa"
ELSEWHERE = "https://builds.example.com/attestations"


def jsonl(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def as_bundles(lines: list[bytes], hint: str) -> list[bytes]:
    """The same envelopes, one Sigstore bundle a line."""
    return [sigstore.bundle_json(dsse.parse_envelope(line), hint) for line in lines]


def edit_bundle(line: bytes, change: Any) -> bytes:
    doc = json.loads(line)
    change(doc)
    return json.dumps(doc, separators=(",", ":")).encode()


def provenance(builder: str = TRUSTED_BUILDER, repository: str = TRUSTED_REPOSITORY) -> dict[str, Any]:
    """A SLSA provenance v1 predicate as GitHub Actions' build type writes it."""
    return {
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": repository,
                                                "path": ".github/workflows/release.yml"}},
            "internalParameters": {"github": {"event_name": "push", "repository_id": "1", "repository_owner_id": "2"}},
            "resolvedDependencies": [{"uri": f"git+{repository}@refs/heads/main", "digest": {"gitCommit": "a" * 40}}],
        },
        "runDetails": {
            "builder": {"id": builder},
            "metadata": {"invocationId": f"{repository}/actions/runs/1/attempts/1",
                         "startedOn": "2026-01-01T11:50:00Z", "finishedOn": "2026-01-01T11:55:00Z"},
        },
    }


def provenance_bundle(keys: dict[str, PrivateKey], predicate: dict[str, Any], signer: str = "ecdsa-p256-a") -> bytes:
    """A pretty-printed Sigstore bundle (``*.sigstore.json``, as cosign writes one) of a provenance statement."""
    payload = statement(Spec(), PROVENANCE_PREDICATE_TYPE, predicate)
    env = envelope(payload, [keys[signer]])
    return json.dumps(sigstore.bundle_doc(env, keys[signer].keyid), indent=2).encode() + b"\n"


def foreign_vsa(keys: dict[str, PrivateKey]) -> bytes:
    """Another verifier's VSA about the artifact, listing input attestations kept by a build service."""
    predicate = {
        "verifier": {"id": OTHER_VERIFIER, "version": {"slsa-verifier": "2.7.0"}},
        "timeVerified": "2026-01-01T12:00:00Z",
        "resourceUri": f"pkg:oci/app@sha256:{ARTIFACT}?repository_url=registry.example.com/team/app",
        "policy": {"uri": "https://verifier.example.com/policies/release"},
        "inputAttestations": [
            {"uri": f"{ELSEWHERE}/provenance.intoto.jsonl", "digest": {"sha256": "1" * 64}},
            {"uri": "https://other.example.org/sbom.intoto.jsonl", "digest": {"sha256": "2" * 64}},
        ],
        "verificationResult": "PASSED",
        "verifiedLevels": ["SLSA_BUILD_LEVEL_3"],
        "slsaVersion": "1.1",
    }
    return envelope(statement(Spec(), VSA_PREDICATE_TYPE, predicate), [keys["ed25519-b"]]).to_json()


def policy_files() -> dict[str, bytes]:
    """The example policy (without its unit tests), to ship in a vector's ``policy/`` directory."""
    return {f"policy/{name}": (EXAMPLE_POLICY / name).read_bytes() for name in ("verify.rego", "data.json")}


def build_vectors(keys: dict[str, PrivateKey]) -> list[Vector]:
    """The bundle-format and foreign-attestation vectors."""
    v: list[Vector] = []
    hint = keys["ed25519-a"].keyid
    valid = bundle_lines(Spec(), keys)

    def add(name: str, description: str, lines: list[bytes], exit_code: int, reason: str | None, **kw: Any) -> None:
        v.append(Vector(name, description, {"bundle.sigstore.jsonl": jsonl(lines)}, exit_code, reason, **kw))

    # --- the Sigstore bundle format ------------------------------------------------------------------------
    add("sigstore-valid-ed25519", "the six attestations as Sigstore bundles (v0.3, public key, no log), one a line",
        as_bundles(valid, hint), 0, None)
    add("sigstore-valid-ecdsa-p256", "Sigstore bundles signed with ECDSA P-256",
        as_bundles(bundle_lines(Spec(signers=["ecdsa-p256-a"]), keys), keys["ecdsa-p256-a"].keyid), 0, None,
        keys=["ecdsa-p256-a"])
    vsa_bundle = json.dumps(sigstore.bundle_doc(dsse.parse_envelope(valid[-1]), hint), indent=2).encode() + b"\n"
    v.append(Vector("sigstore-single-bundle-with-jsonl-inputs", "the VSA as one pretty-printed Sigstore bundle "
                    "(*.sigstore.json), its inputs as DSSE JSON Lines: inputs resolve across containers",
                    {"vsa.sigstore.json": vsa_bundle, "inputs.intoto.jsonl": jsonl(valid[:-1])}, 0, None))
    pretty_vsa = json.dumps(json.loads(valid[-1]), indent=2).encode() + b"\n"
    v.append(Vector("envelope-pretty-printed", "the VSA as one pretty-printed DSSE envelope (*.json), as most tools "
                    "write a single attestation", {"vsa.json": pretty_vsa, "inputs.intoto.jsonl": jsonl(valid[:-1])},
                    0, None))
    lying = as_bundles(valid, "0" * 64)
    add("sigstore-hint-names-no-key", "every bundle's key hint names no key; the signatures are by the trusted key: "
        "the hint is only a hint", lying, 0, None)
    add("sigstore-untrusted-key", "Sigstore bundles signed by a key that is not trusted",
        as_bundles(bundle_lines(Spec(signers=["untrusted"]), keys), keys["untrusted"].keyid), 1, "UNTRUSTED_KEY")

    def payload_with(doc: dict[str, Any], text: bytes) -> None:
        doc["dsseEnvelope"]["payload"] = base64.b64encode(text).decode()

    lines = as_bundles(valid, hint)
    vsa_statement = json.loads(base64.b64decode(json.loads(lines[-1])["dsseEnvelope"]["payload"]))
    vsa_statement["predicate"]["timeVerified"] = "2026-01-01T12:59:00.000000Z"
    lines[-1] = edit_bundle(lines[-1], lambda d: payload_with(d, json.dumps(vsa_statement).encode()))
    add("sigstore-tampered-payload", "the VSA bundle's payload changed after signing", lines, 1, "SIGNATURE_INVALID")
    lines = as_bundles(valid, hint)
    lines[-1] = edit_bundle(lines[-1], lambda d: d["verificationMaterial"].update(transparency=[]))
    add("sigstore-unknown-field", "the VSA bundle has a field the v0.3 schema does not define", lines, 1, "MALFORMED")
    lines = as_bundles(valid, hint)
    lines[-1] = lines[-1][:-1] + b',"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'
    add("sigstore-duplicate-keys", "the VSA bundle repeats its mediaType key", lines, 1, "MALFORMED")
    two = dsse.sign(PAYLOAD_TYPE, dsse.parse_envelope(valid[-1]).payload, [keys["ed25519-a"], keys["ed25519-b"]])
    lines = [*as_bundles(valid[:-1], hint), json.dumps({**sigstore.bundle_doc(dsse.parse_envelope(valid[-1]), hint),
                                                        "dsseEnvelope": two.to_dict()}, separators=(",", ":")).encode()]
    add("sigstore-two-signatures", "the VSA bundle's envelope carries two signatures (a bundle holds exactly one)",
        lines, 1, "MALFORMED", keys=["ed25519-a", "ed25519-b"])
    def unpad(doc: dict[str, Any]) -> None:
        signature = doc["dsseEnvelope"]["signatures"][0]
        assert signature["sig"].endswith("=")  # Ed25519: 64 bytes, one padding character
        signature["sig"] = signature["sig"].rstrip("=")

    lines = as_bundles(valid, hint)
    lines[-1] = edit_bundle(lines[-1], unpad)
    add("sigstore-unpadded-base64", "the VSA bundle's signature lost its base64 padding", lines, 1, "MALFORMED")
    lines = as_bundles(valid, hint)
    lines[-1] = edit_bundle(lines[-1], lambda d: d.update(mediaType="application/vnd.dev.sigstore.bundle+json;version=0.2"))
    add("sigstore-other-version", "the VSA bundle is a v0.2 bundle", lines, 1, "BUNDLE_UNSUPPORTED")
    lines = as_bundles(valid, hint)
    def blob_signature(doc: dict[str, Any]) -> None:
        del doc["dsseEnvelope"]
        doc["messageSignature"] = {"messageDigest": {"algorithm": "SHA2_256",
                                                     "digest": base64.b64encode(bytes(32)).decode()},
                                   "signature": base64.b64encode(bytes(64)).decode()}

    lines[-1] = edit_bundle(lines[-1], blob_signature)
    add("sigstore-message-signature", "the verdict's bundle signs a blob (messageSignature), not an attestation",
        lines, 1, "BUNDLE_UNSUPPORTED")
    def keyless(doc: dict[str, Any]) -> None:
        doc["verificationMaterial"] = {"certificate": {"rawBytes": base64.b64encode(b"0 a Fulcio certificate").decode()},
                                       "tlogEntries": []}

    lines = as_bundles(valid, hint)
    lines[-1] = edit_bundle(lines[-1], keyless)
    add("sigstore-keyless-certificate", "the VSA bundle is verified by a certificate (keyless signing)", lines, 1,
        "KEYLESS_UNSUPPORTED")

    # --- SLSA provenance and the verify-time policy ----------------------------------------------------------
    gate = jsonl(valid)
    policy = ["--policy", "{vector}/policy"]

    def with_policy(name: str, description: str, prov: bytes, exit_code: int, reason: str | None,
                    keys_: list[str] | None = None, args: list[str] | None = None) -> None:
        v.append(Vector(name, description, {"provenance.sigstore.json": prov, "gate.intoto.jsonl": gate}, exit_code,
                        reason, keys=keys_ or ["ed25519-a", "ecdsa-p256-a"], args=args or policy,
                        support=policy_files()))

    good = provenance_bundle(keys, provenance())
    with_policy("provenance-accepted-under-policy", "SLSA provenance from a trusted builder and repository (a "
                "Sigstore bundle trusted by the builder's key) and a passing gatecheck verdict: the example policy "
                "allows", good, 0, None)
    with_policy("provenance-untrusted-builder-refused", "the same, but the provenance names a builder the policy does "
                "not trust", provenance_bundle(keys, provenance(builder="https://ci.evil.example/runner")), 1,
                "POLICY_DENIED")
    with_policy("provenance-untrusted-source-refused", "the provenance's source repository is a fork the policy does "
                "not trust", provenance_bundle(keys, provenance(repository="https://github.com/evil/shop")), 1,
                "POLICY_DENIED")
    with_policy("provenance-untrusted-signer-unseen", "the provenance is signed by a key that is not trusted: the "
                "policy never sees it, and denies for want of provenance",
                provenance_bundle(keys, provenance(), signer="untrusted"), 1, "POLICY_DENIED")
    no_entrypoint = {"policy/other.rego": b"package gatecheck.other\n\nimport rego.v1\n\nallow := true\n"}
    v.append(Vector("policy-without-decision", "a policy that defines no data.gatecheck.verify.decision: never a pass",
                    {"provenance.sigstore.json": good, "gate.intoto.jsonl": gate}, 1, "POLICY_ERROR",
                    keys=["ed25519-a", "ecdsa-p256-a"], args=policy, support=no_entrypoint))
    v.append(Vector("provenance-required", "--require-predicate provenance and vsa: both verified",
                    {"provenance.sigstore.json": good, "gate.intoto.jsonl": gate}, 0, None,
                    keys=["ed25519-a", "ecdsa-p256-a"],
                    args=["--require-predicate", "provenance", "--require-predicate", "vsa"]))
    v.append(Vector("provenance-required-missing", "--require-predicate provenance, but only gatecheck's bundle is "
                    "given", {"gate.intoto.jsonl": gate}, 1, "PREDICATE_TYPE_MISMATCH",
                    args=["--require-predicate", "provenance"]))
    broken = provenance()
    del broken["runDetails"]["builder"]
    v.append(Vector("provenance-malformed", "a signed provenance without runDetails.builder.id",
                    {"provenance.sigstore.json": provenance_bundle(keys, broken)}, 1, "MALFORMED",
                    keys=["ecdsa-p256-a"], args=["--require-predicate", "provenance"]))

    # --- another verifier's VSA with inputs kept elsewhere ----------------------------------------------------
    other = [foreign_vsa(keys)]
    verifier = ["--verifier-id", OTHER_VERIFIER]

    def foreign(name: str, description: str, args: list[str], exit_code: int, reason: str | None) -> None:
        v.append(Vector(name, description, {"vsa.intoto.jsonl": jsonl(other)}, exit_code, reason, keys=["ed25519-b"],
                        args=verifier + args))

    foreign("foreign-vsa-external-inputs-refused", "another verifier's VSA lists input attestations that are not "
            "given", [], 1, "INPUT_MISSING")
    foreign("foreign-vsa-external-inputs-declared", "the same, with every input declared absent "
            "(--allow-absent-input, the reason is recorded)",
            ["--allow-absent-input", f"{ELSEWHERE}/*=kept by the build service",
             "--allow-absent-input", "https://other.example.org/*=kept by the SBOM service"], 0, None)
    foreign("foreign-vsa-external-inputs-partly-declared", "only one of its two inputs is declared absent",
            ["--allow-absent-input", f"{ELSEWHERE}/*=kept by the build service"], 1, "INPUT_MISSING")
    foreign("foreign-vsa-resource-uri", "--resource-uri matches the VSA's purl",
            ["--allow-absent-input", "*=kept elsewhere", "--resource-uri",
             f"pkg:oci/app@sha256:{ARTIFACT}?repository_url=registry.example.com/team/app"], 0, None)
    foreign("foreign-vsa-resource-uri-mismatch", "--resource-uri names another resource than the VSA's",
            ["--allow-absent-input", "*=kept elsewhere", "--resource-uri", "pkg:oci/other@sha256:" + "0" * 64], 1,
            "RESOURCE_MISMATCH")
    older = bundle_lines(Spec(time=BASE_TIME - timedelta(hours=30)), keys)
    v.append(Vector("sigstore-expired", "Sigstore bundles whose verdict is older than --max-age 24h",
                    {"bundle.sigstore.jsonl": jsonl(as_bundles(older, hint))}, 1, "EXPIRED"))
    lines = as_bundles(valid, hint)
    lines[-1] = edit_bundle(lines[-1], lambda d: d["dsseEnvelope"]["signatures"][0].update(
        sig=json.loads(lines[0])["dsseEnvelope"]["signatures"][0]["sig"]))
    add("sigstore-signature-from-other-bundle", "the VSA bundle carries a valid signature copied from another bundle",
        lines, 1, "SIGNATURE_INVALID")
    lines = as_bundles(valid, hint)
    lines[-1] = edit_bundle(lines[-1], lambda d: d["dsseEnvelope"].update(payloadType="application/json"))
    add("sigstore-tampered-payload-type", "the VSA bundle's payloadType changed after signing", lines, 1,
        "SIGNATURE_INVALID")
    return v
