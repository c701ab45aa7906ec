# Which waivers apply, and to what. Selecting the findings a waiver's `match` names (rule,
# finding id, package or purl, path glob, check) is done in Python and passed in as `matches`,
# so glob semantics are the same on every engine; this package decides what a match may waive.
# Every other way a finding is set aside is listed in docs/setting-aside.md.
package gatecheck.waivers

import rego.v1

# An expired waiver is never applied, whatever it matches.
active := [w | some w in input.waivers; not w.expired]

# Finding ids some active waiver selects.
covered := {fid | some w in active; some fid in w.matches}

# Finding ids an active waiver names explicitly (match.finding_id).
covered_explicit := {fid | some w in active; fid := w.match.finding_id; fid in w.matches}

# Package names and purls active waivers name, with the waiver ids.
package_waivers := [[w.match["package"], w.id] | some w in active; is_string(w.match["package"])]

# --- the waived entries of findings ------------------------------------------------------------
#
# data.gatecheck.rules puts a finding on the waived list when a waiver covers it (`covered`, or
# `covered_explicit` for secrets and unsafe migrations); these rules name the waiver(s) that did.
# They run once per waived finding, so other packages are named by full path (see decision.rego).

# Secrets and unsafe migrations are waived only by a waiver that names the finding's id
# (match.finding_id): a broad waiver (a check, a rule, a path) must not wave through the next
# leaked key or the next table rewrite.
explicit_only := {"gatecheck.migration", "gatecheck.secret"}

# Entries a waiver covers, by finding id.
covered_entries := {p[1].finding_id: p[1] | some p in data.gatecheck.rules.finding_entries; p[0] == "waived"}

# One entry per (active waiver, finding it selects) for findings any waiver may waive.
finding_waived := entries if {
	by_id := covered_entries
	explicit := explicit_only
	entries := [{"rule": e.rule, "finding_id": fid, "check": e.check, "message": e.message, "waiver_id": w.id} |
		some w in active
		some fid in w.matches
		e := by_id[fid]
		not e.rule in explicit
	]
}

# One entry per waiver that names a secret's or an unsafe migration's finding id.
explicit_waived := entries if {
	by_id := covered_entries
	explicit := explicit_only
	entries := [{"rule": e.rule, "finding_id": fid, "check": e.check, "message": e.message, "waiver_id": w.id} |
		some w in active
		fid := w.match.finding_id
		e := by_id[fid]
		e.rule in explicit
		fid in w.matches
	]
}
