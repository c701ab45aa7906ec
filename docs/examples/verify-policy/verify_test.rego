package gatecheck.verify_test

import rego.v1

import data.gatecheck.verify

provenance := {
	"source": "provenance.json:1", "builder": {"id": "https://github.com/actions/runner/github-hosted"},
	"source_repository": "https://github.com/acme/shop",
}

gate := {"source": "gate.intoto.jsonl:2", "passes": true, "verifier": "https://gatecheck.dev/verifier"}

good := {
	"context": {"verifier_id": "https://gatecheck.dev/verifier"},
	"provenance": [provenance],
	"verdicts": [gate],
	"sboms": [{"source": "gate.intoto.jsonl:1", "components": [{"name": "flask", "licenses": ["BSD-3-Clause"]}]}],
}

test_trusted_builder_source_and_passing_gate_allow if {
	verify.decision.allow with input as good
	count(verify.decision.warn) == 0 with input as good
}

test_untrusted_builder_is_denied if {
	bad := object.union(good, {"provenance": [object.union(provenance, {"builder": {"id": "https://evil.example/builder"}})]})
	not verify.decision.allow with input as bad
	{d.rule | some d in verify.decision.deny} == {"verify.untrusted_builder"} with input as bad
}

test_untrusted_source_is_denied if {
	bad := object.union(good, {"provenance": [object.union(provenance, {"source_repository": "https://github.com/evil/fork"})]})
	{d.rule | some d in verify.decision.deny} == {"verify.untrusted_source"} with input as bad
}

test_no_provenance_is_denied if {
	bad := object.union(good, {"provenance": []})
	{d.rule | some d in verify.decision.deny} == {"verify.provenance_missing"} with input as bad
}

test_a_failing_or_foreign_verdict_is_no_gate if {
	failing := object.union(good, {"verdicts": [object.union(gate, {"passes": false})]})
	{d.rule | some d in verify.decision.deny} == {"verify.gate_missing"} with input as failing
	foreign := object.union(good, {"verdicts": [object.union(gate, {"verifier": "https://other.example/v"})]})
	{d.rule | some d in verify.decision.deny} == {"verify.gate_missing"} with input as foreign
}

test_a_denied_license_is_denied_and_no_sbom_warns if {
	gpl := object.union(good, {"sboms": [{"source": "s:1", "components": [{"name": "x", "licenses": ["GPL-3.0-only"]}]}]})
	{d.rule | some d in verify.decision.deny} == {"verify.license_denied"} with input as gpl
	none := object.union(good, {"sboms": []})
	verify.decision.allow with input as none
	{w.rule | some w in verify.decision.warn} == {"verify.sbom_missing"} with input as none
}
