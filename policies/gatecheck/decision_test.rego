# Unit tests of the default policy; run with `gatecheck policy test`.
package gatecheck_test

import rego.v1

now := 1767225600000000000 # 2026-01-01T00:00:00Z

base_input := {
	"subject": [],
	"context": {"stage": "ci", "environment": null, "now_ns": now},
	"checks": {
		"sast": {"status": "ok", "summary": {}}, "sbom": {"status": "ok", "summary": {}},
		"secrets": {"status": "ok", "summary": {}}, "migrations": {"status": "ok", "summary": {}},
	},
	"findings": [],
	"waivers": [],
	"sbom": {"components": [], "licenses": []},
}

finding(id, check, rule, severity) := {
	"id": id, "check": check, "rule_id": rule, "title": "t", "severity": severity,
	"location": {"path": "app/x.py"},
}

with_findings(fs) := object.union(base_input, {"findings": fs})

rules_of(entries) := {e.rule | some e in entries}

test_clean_input_allows if {
	d := data.gatecheck.decision with input as base_input
	d.allow == true
	count(d.deny) == 0
}

test_high_finding_denies if {
	d := data.gatecheck.decision with input as with_findings([finding("f1", "sast", "eval", "high")])
	d.allow == false
	some e in d.deny
	e.rule == "gatecheck.severity"
	e.finding_id == "f1"
}

test_medium_finding_warns_only if {
	d := data.gatecheck.decision with input as with_findings([finding("f1", "sast", "x", "medium")])
	d.allow == true
	"gatecheck.severity" in rules_of(d.warn)
}

test_unknown_severity_counts_as_high if {
	d := data.gatecheck.decision with input as with_findings([finding("f1", "sast", "x", "unknown")])
	d.allow == false
}

test_stage_threshold_from_data if {
	inp := with_findings([finding("f1", "sast", "x", "medium")])
	d := data.gatecheck.decision with input as inp with data.gatecheck.config.severity.stages as {"ci": "medium"}
	d.allow == false
}

test_environment_beats_stage if {
	inp := object.union(with_findings([finding("f1", "sast", "x", "high")]), {"context": {"environment": "dev"}})
	d := data.gatecheck.decision with input as inp with data.gatecheck.config.severity.environments as {"dev": "critical"}
	d.allow == true
}

test_errored_check_denies if {
	inp := object.union(base_input, {"checks": {"sast": {"status": "error", "error": "boom"}}})
	d := data.gatecheck.decision with input as inp
	d.allow == false
	"gatecheck.check_failed" in rules_of(d.deny)
}

test_timed_out_check_denies if {
	inp := object.union(base_input, {"checks": {"sast": {"status": "timeout", "error": "slow"}}})
	d := data.gatecheck.decision with input as inp
	"gatecheck.check_failed" in rules_of(d.deny)
}

test_no_checks_denies if {
	inp := object.union(object.remove(base_input, ["checks"]), {"checks": {}})
	d := data.gatecheck.decision with input as inp
	"gatecheck.no_checks" in rules_of(d.deny)
}

test_missing_required_check_denies if {
	d := data.gatecheck.decision with input as base_input with data.gatecheck.config.required_checks.all as ["dast"]
	"gatecheck.required_check_missing" in rules_of(d.deny)
}

test_secret_is_waived_only_by_a_waiver_naming_its_id if {
	broad := {"id": "w0", "match": {"check": "secrets"}, "matches": ["s1"], "expires_ns": now + 1, "expired": false}
	inp := object.union(with_findings([finding("s1", "secrets", "aws-key", "low")]), {"waivers": [broad]})
	d := data.gatecheck.decision with input as inp
	"gatecheck.secret" in rules_of(d.deny)
	count(d.waived) == 0
	exact := {"id": "w1", "match": {"finding_id": "s1"}, "matches": ["s1"], "expires_ns": now + 1, "expired": false}
	d2 := data.gatecheck.decision with input as object.union(inp, {"waivers": [broad, exact]})
	d2.allow == true
	[e.waiver_id | some e in d2.waived] == ["w1"]
}

test_active_waiver_waives if {
	w := {"id": "w1", "match": {"rule": "eval"}, "matches": ["f1"], "expires_ns": now + 1, "expired": false}
	inp := object.union(with_findings([finding("f1", "sast", "eval", "high")]), {"waivers": [w]})
	d := data.gatecheck.decision with input as inp
	d.allow == true
	some e in d.waived
	e.waiver_id == "w1"
	e.finding_id == "f1"
}

test_expired_waiver_is_not_applied if {
	w := {"id": "w1", "match": {"rule": "eval"}, "matches": ["f1"], "expires_ns": now - 86400000000000 * 3, "expired": true}
	inp := object.union(with_findings([finding("f1", "sast", "eval", "high")]), {"waivers": [w]})
	d := data.gatecheck.decision with input as inp
	d.allow == false
	count(d.waived) == 0
	some e in d.warn
	e.rule == "gatecheck.waiver_expired"
	contains(e.message, "3 day(s)")
}

test_migration_needs_explicit_waiver if {
	broad := {"id": "w1", "match": {"check": "migrations"}, "matches": ["m1"], "expires_ns": now + 1, "expired": false}
	inp := object.union(with_findings([finding("m1", "migrations", "drop-column", "high")]), {"waivers": [broad]})
	d := data.gatecheck.decision with input as inp
	"gatecheck.migration" in rules_of(d.deny)
	exact := {"id": "w2", "match": {"finding_id": "m1"}, "matches": ["m1"], "expires_ns": now + 1, "expired": false}
	d2 := data.gatecheck.decision with input as object.union(inp, {"waivers": [exact]})
	d2.allow == true
}

# With a broad and an explicit waiver both selecting a migration finding, only the explicit
# one is listed as applied; an explicit waiver whose other fields do not select it applies not.
test_migration_waived_lists_only_the_explicit_waiver if {
	broad := {"id": "w1", "match": {"check": "migrations"}, "matches": ["m1"], "expires_ns": now + 1, "expired": false}
	exact := {"id": "w2", "match": {"finding_id": "m1"}, "matches": ["m1"], "expires_ns": now + 1, "expired": false}
	inp := object.union(with_findings([finding("m1", "migrations", "drop-column", "high")]), {"waivers": [broad, exact]})
	d := data.gatecheck.decision with input as inp
	d.allow == true
	[e.waiver_id | some e in d.waived] == ["w2"]
	narrowed := {"id": "w3", "match": {"finding_id": "m1", "path": "db/**"}, "matches": [], "expires_ns": now + 1,
		"expired": false}
	d2 := data.gatecheck.decision with input as object.union(inp, {"waivers": [broad, narrowed]})
	"gatecheck.migration" in rules_of(d2.deny)
	count(d2.waived) == 0
	d3 := data.gatecheck.decision with input as object.union(inp, {"waivers": [narrowed, exact]})
	[e.waiver_id | some e in d3.waived] == ["w2"]
}

test_sbom_missing_warns_in_ci_denies_at_deploy if {
	inp := object.remove(base_input, ["sbom"])
	ci := data.gatecheck.decision with input as inp
	ci.allow == true
	"gatecheck.sbom_missing" in rules_of(ci.warn)
	deploy := data.gatecheck.decision with input as object.union(inp, {"context": {"stage": "deploy"}})
	"gatecheck.sbom_missing" in rules_of(deploy.deny)
}

test_denied_licence if {
	comp := {"name": "x", "version": "1", "purl": "pkg:pypi/x@1", "licenses": ["AGPL-3.0-only"]}
	inp := object.union(base_input, {"sbom": {"components": [comp], "licenses": ["AGPL-3.0-only"]}})
	d := data.gatecheck.decision with input as inp
	"gatecheck.license_denied" in rules_of(d.deny)
	w := {"id": "w9", "match": {"package": "pkg:pypi/x@1"}, "matches": [], "expires_ns": now + 1, "expired": false}
	d2 := data.gatecheck.decision with input as object.union(inp, {"waivers": [w]})
	d2.allow == true
}

test_per_rule_action_warn if {
	inp := with_findings([finding("f1", "sast", "eval", "high")])
	d := data.gatecheck.decision with input as inp with data.gatecheck.config.actions as {"eval": "warn"}
	d.allow == true
	"gatecheck.severity" in rules_of(d.warn)
}

test_per_stage_dryrun if {
	inp := with_findings([finding("f1", "sast", "eval", "high")])
	d := data.gatecheck.decision with input as inp with data.gatecheck.config.stage_actions as {"ci": {"gatecheck.severity": "dryrun"}}
	d.allow == true
	some e in d.warn
	startswith(e.message, "dry run")
}

located(id, check, rule, severity, kind) := object.union(finding(id, check, rule, severity), {
	"location": {"path": "tests/test_x.py", "kind": kind},
})

test_high_finding_in_test_code_warns_only if {
	d := data.gatecheck.decision with input as with_findings([located("f1", "sast", "eval", "high", "test")])
	d.allow == true
	some e in d.warn
	e.finding_id == "f1"
	contains(e.message, "in test code: reported, not denied")
}

test_high_finding_in_source_code_denies if {
	d := data.gatecheck.decision with input as with_findings([located("f1", "sast", "eval", "high", "source")])
	d.allow == false
}

test_a_finding_with_a_location_but_no_kind_is_judged_as_source if {
	d := data.gatecheck.decision with input as with_findings([finding("f1", "sast", "eval", "high")])
	d.allow == false
}

test_a_finding_without_a_location_is_judged_as_source if {
	f := object.remove(finding("f1", "sast", "PYSEC-1", "high"), ["location"])
	d := data.gatecheck.decision with input as with_findings([f])
	d.allow == false
}

test_a_secret_in_test_code_still_denies if {
	d := data.gatecheck.decision with input as with_findings([located("f1", "secrets", "aws", "high", "test")])
	d.allow == false
	some e in d.deny
	e.rule == "gatecheck.secret"
}

secret_in(id, rule, kind, confidence, family) := object.union(located(id, "secrets", rule, "high", kind), {
	"confidence": confidence, "metadata": {"family": family},
})

test_a_generic_secret_in_docs_is_reported_not_denied if {
	d := data.gatecheck.decision with input as with_findings([secret_in("s1", "generic-hex", "docs", "low", "generic")])
	d.allow == true
	some e in d.warn
	e.finding_id == "s1"
	contains(e.message, "in docs code: reported, not denied")
}

test_a_private_key_in_tests_is_reported_not_denied if {
	d := data.gatecheck.decision with input as with_findings([secret_in("s1", "pk", "test", "high", "private-key")])
	d.allow == true
}

test_a_private_key_in_source_denies if {
	d := data.gatecheck.decision with input as with_findings([secret_in("s1", "pk", "source", "high", "private-key")])
	d.allow == false
}

test_a_live_looking_token_in_tests_denies if {
	d := data.gatecheck.decision with input as with_findings([secret_in("s1", "github-pat", "test", "high", "github")])
	d.allow == false
	some e in d.deny
	e.rule == "gatecheck.secret"
}

test_an_unsafe_migration_in_test_fixtures_is_reported_not_denied if {
	d := data.gatecheck.decision with input as with_findings([located("m1", "migrations", "drop-column", "high", "test")])
	d.allow == true
	some e in d.warn
	e.finding_id == "m1"
	contains(e.message, "in test code: reported, not denied")
}

test_an_earlier_migration_is_reported_not_denied if {
	f := object.union(located("m1", "migrations", "drop-column", "high", "source"), {"metadata": {"earlier_migration": true}})
	d := data.gatecheck.decision with input as with_findings([f])
	d.allow == true
	some e in d.warn
	e.finding_id == "m1"
	contains(e.message, "an earlier migration, not new in this change")
}

test_advice_about_an_earlier_migration_is_not_mentioned if {
	f := object.union(finding("m4", "migrations", "prefer-text", "low"), {"metadata": {"earlier_migration": true}})
	d := data.gatecheck.decision with input as with_findings([f])
	d.allow == true
	every e in array.concat(d.warn, d.deny) { e.finding_id != "m4" }
	new := with_findings([finding("m5", "migrations", "prefer-text", "low")])
	d2 := data.gatecheck.decision with input as new
	some w in d2.warn
	w.finding_id == "m5"
}

test_an_unsafe_migration_in_source_denies if {
	d := data.gatecheck.decision with input as with_findings([located("m1", "migrations", "drop-column", "high", "source")])
	d.allow == false
	some e in d.deny
	e.rule == "gatecheck.migration"
}

test_new_suppression_warns_and_can_deny if {
	s := {"check": "sast", "rule_id": "eval", "path": "app/x.py", "line": 3, "reason": "r", "new": true}
	inp := object.union(base_input, {"suppressions": [s]})
	d := data.gatecheck.decision with input as inp
	d.allow == true
	"gatecheck.suppression_added" in rules_of(d.warn)
	d2 := data.gatecheck.decision with input as inp with data.gatecheck.config.actions as {"gatecheck.suppression_added": "deny"}
	d2.allow == false
}

# Migration advice (low severity: prefer-identity on an initial schema) warns, never as "unsafe migration".
test_migration_advice_warns if {
	inp := with_findings([finding("m2", "migrations", "prefer-identity", "low")])
	d := data.gatecheck.decision with input as inp
	d.allow == true
	"gatecheck.migration_advice" in rules_of(d.warn)
	every w in d.warn { not startswith(w.message, "unsafe migration") }
	hazard := with_findings([finding("m3", "migrations", "drop-column", "medium")])
	d2 := data.gatecheck.decision with input as hazard
	"gatecheck.migration" in rules_of(d2.deny)
}
