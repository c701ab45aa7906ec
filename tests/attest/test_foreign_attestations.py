"""Other tools' attestations: files in every form, SLSA provenance, required predicate types, inputs kept
elsewhere, and Sigstore bundles through `gatecheck store push` and the admission path."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gatecheck.attest import dsse, sigstore
from gatecheck.attest.dsse import EnvelopeError
from gatecheck.attest.provenance import facts
from gatecheck.attest.sources import split
from gatecheck.attest.verify import AbsentInput, VerifyOptions, verify_entries
from gatecheck.errors import BadInput
from gatecheck_conformance.verifier import foreign, generate

NOW = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
SUBJECT = f"sha256:{generate.ARTIFACT}"


def test_a_file_is_json_lines_or_one_pretty_printed_document() -> None:
    lines = b'{"a":1}\n\n  {"b":2}\r\n'
    assert split(lines, "f") == [("f:1", b'{"a":1}'), ("f:3", b'{"b":2}')]
    pretty = b'\n{\n  "payload": "x",\n  "signatures": []\n}\n'
    assert split(pretty, "p") == [("p:2", pretty.strip())]
    assert split(b'{"one": "line"}', "o") == [("o:1", b'{"one": "line"}')]
    assert split(b"\n \n", "e") == []


def test_provenance_facts_for_github_actions_and_for_git_dependencies() -> None:
    github = facts(foreign.provenance())
    assert github["builder"]["id"] == foreign.TRUSTED_BUILDER
    assert github["source_repository"] == "https://github.com/acme/shop"
    assert github["source_ref"] == "refs/heads/main" and github["source_digest"] == {"gitCommit": "a" * 40}
    assert github["startedOn_ns"] == 1767268200 * 10**9 and github["finishedOn_ns"] == 1767268500 * 10**9
    generic = foreign.provenance()
    del generic["buildDefinition"]["externalParameters"]["workflow"]
    generic["buildDefinition"]["resolvedDependencies"] = [
        {"uri": "https://example.com/tool.tar.gz", "digest": {"sha256": "b" * 64}},
        {"uri": "git+https://gitlab.example.com/team/app.git@v1.2.0", "digest": {"sha1": "c" * 40}}]
    other = facts(generic)
    assert (other["source_repository"], other["source_ref"]) == ("https://gitlab.example.com/team/app", "v1.2.0")
    assert other["source_digest"] == {"sha1": "c" * 40}
    for path in (("buildDefinition", "buildType"), ("buildDefinition", "externalParameters"), ("runDetails",)):
        broken = foreign.provenance()
        node = broken
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        with pytest.raises(EnvelopeError) as info:
            facts(broken)
        assert info.value.code == "MALFORMED" and path[-1] in info.value.message


def _provenance_entries(keys, predicate=None, signer: str = "ecdsa-p256-a") -> list[tuple[str, bytes]]:
    return [("provenance.sigstore.json:1", foreign.provenance_bundle(keys, predicate or foreign.provenance(), signer))]


def test_required_predicate_types_replace_the_default_and_each_needs_a_verified_statement(public) -> None:
    keys = generate.load_keys()
    gate = [(f"gate:{i}", line) for i, line in enumerate(generate.bundle_lines(generate.Spec(), keys), 1)]
    trusted = [public("ed25519-a"), public("ecdsa-p256-a")]
    prov = "https://slsa.dev/provenance/v1"

    def run(entries, types, keys_=trusted):
        return verify_entries({"sha256": generate.ARTIFACT}, entries, VerifyOptions(
            keys=keys_, now=NOW, require_predicates=types))

    only_provenance = run(_provenance_entries(keys), [prov])
    assert only_provenance.ok and only_provenance.required == [prov] and only_provenance.chosen is None
    assert [r.facts["builder"]["id"] for r in only_provenance.statements if r.facts] == [foreign.TRUSTED_BUILDER]
    assert run(_provenance_entries(keys), None).reason == "PREDICATE_TYPE_MISMATCH"  # the default: a VSA
    both = run(_provenance_entries(keys) + gate, [prov, "https://slsa.dev/verification_summary/v1"])
    assert both.ok and both.chosen is not None
    assert run(gate, [prov]).reason == "PREDICATE_TYPE_MISMATCH"
    unsigned = run(_provenance_entries(keys, signer="untrusted") + gate, [prov])
    assert unsigned.reason == "UNTRUSTED_KEY"
    # A VSA that would fail today's rule does not matter when only provenance is required...
    failed = [(f"f:{i}", line) for i, line in enumerate(generate.bundle_lines(generate.Spec(result="FAILED"), keys), 1)]
    assert run(_provenance_entries(keys) + failed, [prov]).ok
    # ...and "nothing at all" is never a requirement.
    with pytest.raises(BadInput, match="nothing would be required"):
        run(gate, [])


def test_inputs_kept_elsewhere_pass_only_when_declared_and_the_reason_is_recorded(public) -> None:
    keys = generate.load_keys()
    entries = [("vsa.intoto.jsonl:1", foreign.foreign_vsa(keys))]

    def run(*absent: AbsentInput):
        return verify_entries({"sha256": generate.ARTIFACT}, entries, VerifyOptions(
            keys=[public("ed25519-b")], now=NOW, verifier_id=foreign.OTHER_VERIFIER, absent_inputs=absent))

    assert run().reason == "INPUT_MISSING"
    by_digest = run(AbsentInput(f"{foreign.ELSEWHERE}/*", "kept by the build service"),
                    AbsentInput("sha256:" + "2" * 64, "the SBOM service keeps it"))
    assert by_digest.ok
    assert by_digest.to_dict()["verdict"]["absentInputs"] == [
        {"uri": f"{foreign.ELSEWHERE}/provenance.intoto.jsonl", "digest": "sha256:" + "1" * 64,
         "reason": "kept by the build service"},
        {"uri": "https://other.example.org/sbom.intoto.jsonl", "digest": "sha256:" + "2" * 64,
         "reason": "the SBOM service keeps it"}]
    # Declared absent is not "present and broken": an input that is given and does not verify still fails.
    lines = generate.bundle_lines(generate.Spec(input_signers={0: ["untrusted"]}), keys)
    broken = verify_entries({"sha256": generate.ARTIFACT}, [(f"b:{i}", x) for i, x in enumerate(lines, 1)],
                            VerifyOptions(keys=[public("ed25519-a")], now=NOW, absent_inputs=[AbsentInput("*", "x")]))
    assert broken.reason == "INPUT_INVALID"


def test_cli_reads_pretty_printed_files_sigstore_lines_and_stdin(tmp_path: Path, run_cli, keys_dir: Path) -> None:
    keys = generate.load_keys()
    lines = generate.bundle_lines(generate.Spec(), keys)
    (tmp_path / "inputs.intoto.jsonl").write_bytes(b"".join(x + b"\n" for x in lines[:-1]))
    (tmp_path / "vsa.json").write_text(json.dumps(json.loads(lines[-1]), indent=2))
    (tmp_path / "all.sigstore.jsonl").write_bytes(b"".join(
        sigstore.bundle_json(dsse.parse_envelope(x), keys["ed25519-a"].keyid) + b"\n" for x in lines))
    pub = str(keys_dir / "ed25519-a.pub")
    at = ["--at", "2026-01-01T13:00:00Z"]
    code, text = run_cli(["verify", SUBJECT, "--bundle", str(tmp_path / "vsa.json"), "--bundle",
                          str(tmp_path / "inputs.intoto.jsonl"), "--key", pub, *at])
    assert code == 0, text
    code, text = run_cli(["verify", SUBJECT, "--bundle", str(tmp_path / "all.sigstore.jsonl"), "--key", pub, *at,
                          "--format", "json"])
    doc = json.loads(text)
    assert code == 0 and {s["format"] for s in doc["statements"]} == {"sigstore"}, text
    code, text = run_cli(["verify", SUBJECT, "--bundle", "-", "--bundle", str(tmp_path / "inputs.intoto.jsonl"),
                          "--key", pub, *at], stdin=(tmp_path / "vsa.json").read_bytes())
    assert code == 0, text
    for bad in (["--require-predicate", "provenanse"], ["--allow-absent-input", "https://x/*"],
                ["--policy", str(tmp_path / "no-such-policy")]):
        code, text = run_cli(["verify", SUBJECT, "--bundle", str(tmp_path / "vsa.json"), "--key", pub, *bad])
        assert code == 2, text
    assert "provenanse" in run_cli(["verify", SUBJECT, "--bundle", str(tmp_path / "vsa.json"), "--key", pub,
                                    "--require-predicate", "provenanse"])[1]


def test_store_push_keeps_a_sigstore_bundle_as_its_envelope_and_admission_decides_on_it(
        tmp_path: Path, run_cli, keys_dir: Path) -> None:
    from gatecheck.server.decisions import VerdictService
    from gatecheck.store import Store

    keys = generate.load_keys()
    lines = generate.bundle_lines(generate.Spec(time=datetime.now(UTC)), keys)
    bundles = tmp_path / "gate.sigstore.jsonl"
    bundles.write_bytes(b"".join(sigstore.bundle_json(dsse.parse_envelope(x), keys["ed25519-a"].keyid) + b"\n"
                                 for x in lines))
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    pub = str(keys_dir / "ed25519-a.pub")
    code, text = run_cli(["store", "push", str(bundles), "--key", pub, "--store", url, "--format", "json"])
    assert code == 0 and len(json.loads(text)["stored"]) == 6, text
    # The same envelopes as JSON Lines are already stored: one envelope, one digest.
    jsonl = tmp_path / "gate.intoto.jsonl"
    jsonl.write_bytes(b"".join(x + b"\n" for x in lines))
    code, text = run_cli(["store", "push", str(jsonl), "--key", pub, "--store", url, "--format", "json"])
    assert code == 0 and json.loads(text)["stored"] == [] and len(json.loads(text)["duplicates"]) == 6, text
    code, text = run_cli(["store", "get", f"sha256:{hashlib.sha256(lines[-1]).hexdigest()}", "--store", url])
    assert code == 0 and json.loads(text)["envelope"] == json.loads(lines[-1])
    with Store.open(url) as store:
        answer = VerdictService(store, VerifyOptions(keys=[keys["ed25519-a"].public], stage="deploy")).decide(
            generate.ARTIFACT)
    assert answer.ok, answer.message
    # A keyless bundle is refused (exit 1), not stored, and says why.
    keyless = json.loads(sigstore.bundle_json(dsse.parse_envelope(lines[0]), "h"))
    keyless["verificationMaterial"] = {"certificate": {"rawBytes": "AA=="}, "tlogEntries": []}
    (tmp_path / "keyless.sigstore.json").write_text(json.dumps(keyless, indent=2))
    code, text = run_cli(["store", "push", str(tmp_path / "keyless.sigstore.json"), "--key", pub, "--store", url])
    assert code == 1 and "KEYLESS_UNSUPPORTED" in text, text
