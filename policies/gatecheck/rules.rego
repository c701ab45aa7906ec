# The default policy's rules. decision.rego assembles their results into
# {allow, deny[], warn[], waived[]}.
#
# Findings can number tens of thousands, so finding rules are array comprehensions over
# input.findings with cheap filters first (a severity rank lookup), functions are called
# once per distinct finding rule rather than per finding, and entries are built directly
# in their final shape. The tables a per-finding comprehension reads are bound to local
# variables first, and other packages are named by full path rather than an import alias
# (regorus looks an alias up again on every iteration). A comprehension never sits in the
# head of a rule with a body (regorus cannot schedule that; see docs/policies.md): it is
# bound in the body instead. Everything that is not about a single finding (checks, SBOM,
# waivers) is small and written as plain partial set rules.
package gatecheck.rules

import rego.v1

cfg := data.gatecheck.config

stage := input.context.stage

environment := object.get(input.context, "environment", null)

# --- severity thresholds: environment beats stage beats the default ---------------------

stage_threshold := object.get(cfg.severity.stages, stage, cfg.severity.threshold)

threshold := object.get(cfg.severity.environments, environment, stage_threshold) if environment != null

threshold := stage_threshold if environment == null

rank := cfg.severity_rank

deny_rank := rank[threshold]

warn_rank := rank[cfg.severity.warn_at]

# --- enforcement: per-stage action beats the global one; a finding's rule beats the policy rule

stage_actions := object.get(cfg.stage_actions, stage, {})

action(finding_rule, rule) := object.get(stage_actions, finding_rule, object.get(
	stage_actions, rule,
	object.get(cfg.actions, finding_rule, object.get(cfg.actions, rule, "deny")),
))

# Whether any action is configured per finding rule; when none is, every finding rule
# takes its policy rule's action and no per-finding lookup is needed.
policy_rules := {
	"gatecheck.severity", "gatecheck.secret", "gatecheck.migration", "gatecheck.no_checks",
	"gatecheck.check_failed", "gatecheck.required_check_missing", "gatecheck.sbom_missing",
	"gatecheck.license_denied", "gatecheck.suppression_added", "gatecheck.migration_advice",
}

finding_rule_overrides if {
	some key in object.keys(object.union(cfg.actions, stage_actions))
	not key in policy_rules
}

# --- which checks ran ------------------------------------------------------------------------

secret_checks := {c | some c in cfg.secret_checks}

migration_checks := {c | some c in cfg.migration_checks}

present := object.keys(input.checks)

special := (secret_checks | migration_checks) & present

required_checks := {c | some c in cfg.required_checks.all} | {c | some c in object.get(cfg.required_checks.stages, stage, [])}

# --- findings: one pass, driven by small tables computed once ----------------------------------
#
# kind[check][severity] says which rule judges a finding: "secret" (secrets always deny,
# wherever they are, unless a waiver names the finding id), "migration" (unsafe migrations
# deny unless a waiver names the finding id), "severity" (at or above the threshold), "below" (under the threshold, at or above
# warn_at: a warning). Findings with no kind are not mentioned in the decision.

kind := {c: kinds_for(c) | some c in present}

kinds_for(c) := {s: k | some s in severities; k := kind_of(c, s)}

severities := object.keys(rank)

kind_of(c, _) := "secret" if c in secret_checks

kind_of(c, s) := "migration" if {
	not c in secret_checks
	c in migration_checks
	rank[s] > rank.low
}

# Migration advice (prefer-*, not-rerunnable, ...: severity low or info) is reported, not denied.
kind_of(c, s) := "advice" if {
	not c in secret_checks
	c in migration_checks
	rank[s] <= rank.low
}

kind_of(c, s) := "severity" if {
	not c in special
	rank[s] >= deny_rank
}

kind_of(c, s) := "below" if {
	not c in special
	rank[s] < deny_rank
	rank[s] >= warn_rank
}

kind_rule := {"secret": "gatecheck.secret", "migration": "gatecheck.migration", "severity": "gatecheck.severity",
	"below": "gatecheck.severity", "advice": "gatecheck.migration_advice"}

kind_prefix := {"secret": "secret found: ", "migration": "unsafe migration: ", "severity": "", "below": "",
	"advice": "migration advice: "}

# The text after the title, per kind and severity.
kind_suffix := {k: suffixes(k) | some k in object.keys(kind_rule)}

suffixes(k) := {s: suffix(k, s) | some s in severities}

suffix(k, s) := concat("", [" (severity ", s, ", threshold ", threshold, ")"]) if k == "severity"

suffix(k, s) := concat("", [" (severity ", s, ", below threshold ", threshold, ")"]) if k == "below"

suffix(k, _) := "" if not k in {"severity", "below"}

# The action of each kind's policy rule; "below" is only ever a warning.
kind_action := {k: a | some k, r in kind_rule; a := kind_action_of(k, r)}

kind_action_of(k, r) := action("", r) if k != "below"

kind_action_of(k, _) := "warn" if k == "below"

# Per finding rule actions, [kind][finding rule] -> action; empty unless configured.
rule_actions := table if {
	finding_rule_overrides
	seen := {[k, f.rule_id] | some f in input.findings; k := kind[f.check][f.severity]; k != "below"}
	table := {k: actions_for(k, seen) | some p in seen; k := p[0]}
}

actions_for(k, seen) := {r: action(r, kind_rule[k]) | some q in seen; q[0] == k; r := q[1]}

rule_actions := {} if not finding_rule_overrides

# Which waiver set may cover a finding of each kind: secrets and migrations only by a waiver
# that names the finding's id.
waivable := {"secret": data.gatecheck.waivers.covered_explicit, "migration": data.gatecheck.waivers.covered_explicit,
	"severity": data.gatecheck.waivers.covered, "below": set(), "advice": data.gatecheck.waivers.covered_explicit}

# Where an entry goes, by action and whether a waiver covers it.
place := {
	"deny": {true: "waived", false: "deny"},
	"warn": {true: "warn", false: "warn"},
	"dryrun": {true: "dryrun", false: "dryrun"},
}

# --- where a finding is: source, test, docs, example or generated code ---------------------------
#
# The gate sets location.kind from [locations] patterns. A finding judged by severity that sits
# outside source code (a test's pickle round-trip, a docs build's pinned dependency) is reported
# as a warning, not a denial; so is a secret that does not look live (below), and a migration in a
# test suite's fixtures (it never runs against a production database).

location_kinds := ["source", "test", "docs", "example", "generated", "history"]

relaxed_locations := {l | some l in cfg.relaxed_locations}

# A finding without a location (a stale database, a project-wide fact) counts as source: the
# per-finding pass reads object.get(f, ["location", "kind"], "source"), a builtin, which costs a
# tenth less than a two-clause function at 10,000 findings (bench/policy_eval.py).

relaxed(k, lk) if {
	k in {"severity", "below", "secret", "migration"}
	lk in relaxed_locations
}

relaxed(k, lk) if {
	k == "migration"
	lk == "history"
}

relaxed_suffix(lk) := " (an earlier migration, not new in this change: reported, not denied)" if lk == "history"

relaxed_suffix(lk) := concat("", [" (in ", lk, " code: reported, not denied)"]) if lk != "history"

# Where a finding is judged, when not where it lies (location_kind). Computed once per input as an
# object keyed by finding id: the per-finding pass stays one lookup (10,000 findings: see
# bench/policy_eval.py).
#
# A secret denies wherever it is when it looks live: a high-confidence match (a provider's token
# format, a checked prefix or checksum) of a family not in cfg.relaxed_secret_families; it is judged
# as source. A generic match in test, docs, example or generated code (a documented example key) and
# a private key there (a test suite's TLS certificates) are reported, not denied.
#
# A finding of an earlier migration (metadata.earlier_migration: not added or changed since the
# baseline ref, or not the latest of its directory, Alembic head or Django leaf) already ran wherever
# the project is deployed: judged as "history", reported, not denied.
judged_elsewhere := object.union(
	{f.id: "source" | some f in input.findings; f.check in secret_checks; live_looking(f)},
	{f.id: "history" | some f in input.findings; f.check in migration_checks; earlier_migration(f)},
)

earlier_migration(f) if object.get(f, ["metadata", "earlier_migration"], false) == true

# A finding that does not say how confident it is counts as live (fail closed).
live_looking(f) if {
	object.get(f, "confidence", "high") == "high"
	not object.get(f, ["metadata", "family"], "") in relaxed_secret_families
}

relaxed_secret_families := {x | some x in object.get(cfg, "relaxed_secret_families", [])}

# Everything the one pass needs about a finding, looked up once by [check][severity][location
# kind]: its kind, policy rule, message prefix and suffix, and where its entry goes when no
# finding rule has its own action ([covered] -> list).
profile := {c: profiles_for(c) | some c in object.keys(kind)}

profiles_for(c) := {s: profiles_by_location(c, s) | some s in object.keys(kind[c])}

profiles_by_location(c, s) := {lk: profile_of(kind[c][s], s, lk) | some lk in location_kinds}

profile_of(k, s, lk) := {
	"kind": k, "rule": kind_rule[k], "prefix": kind_prefix[k], "suffix": kind_suffix[k][s],
	"place": place[kind_action[k]], "action": kind_action[k],
} if {
	not relaxed(k, lk)
	not unmentioned(k, lk)
}

# Advice about a migration that already ran (prefer-text on a column created years ago) cannot be
# acted on: an applied migration is not edited. Such findings stay in the results and reports but
# the decision does not mention them (pretix: 2,390 of its 4,098 warnings).
unmentioned(k, lk) if {
	k == "advice"
	lk == "history"
}

profile_of(k, s, lk) := {
	"kind": k, "rule": kind_rule[k], "prefix": kind_prefix[k],
	"suffix": concat("", [kind_suffix[k][s], relaxed_suffix(lk)]),
	"place": place.warn, "action": "warn",
} if relaxed(k, lk)

# [list, entry] for every finding the policy has something to say about.
finding_entries := entries if {
	not finding_rule_overrides
	profiles := profile
	waivable_ids := waivable
	elsewhere := judged_elsewhere
	entries := [[list, entry] |
		some f in input.findings
		p := profiles[f.check][f.severity][object.get(elsewhere, f.id, object.get(f, ["location", "kind"], "source"))]
		covered := f.id in waivable_ids[p.kind]
		list := p.place[covered]
		entry := {
			"rule": p.rule, "finding_id": f.id, "check": f.check,
			"message": concat("", [p.prefix, f.rule_id, ": ", f.title, p.suffix]),
		}
	]
}

finding_entries := entries if {
	finding_rule_overrides
	profiles := profile
	waivable_ids := waivable
	actions := rule_actions
	places := place
	elsewhere := judged_elsewhere
	entries := [[list, entry] |
		some f in input.findings
		p := profiles[f.check][f.severity][object.get(elsewhere, f.id, object.get(f, ["location", "kind"], "source"))]
		act := object.get(actions, [p.kind, f.rule_id], p.action)
		covered := f.id in waivable_ids[p.kind]
		list := places[act][covered]
		entry := {
			"rule": p.rule, "finding_id": f.id, "check": f.check,
			"message": concat("", [p.prefix, f.rule_id, ": ", f.title, p.suffix]),
		}
	]
}

# --- checks: none ran, errored, timed out, skipped, missing -------------------------------------

violations contains v if {
	count(input.checks) == 0
	v := {"rule": "gatecheck.no_checks", "message": "no checks ran; an empty gate never passes"}
}

violations contains v if {
	some name, result in input.checks
	result.status in {"error", "timeout"}
	msg := sprintf("check %s ended with status %s: %s", [name, result.status, reason_text(object.get(result, "error", null))])
	v := {"rule": "gatecheck.check_failed", "message": msg, "check": name}
}

violations contains v if {
	some name in required_checks
	not input.checks[name]
	msg := sprintf("required check %s did not run at stage %s", [name, stage])
	v := {"rule": "gatecheck.required_check_missing", "message": msg, "check": name}
}

violations contains v if {
	some name in required_checks
	input.checks[name].status == "skipped"
	msg := sprintf("required check %s was skipped: %s", [name, reason_text(object.get(input.checks[name], "error", null))])
	v := {"rule": "gatecheck.required_check_missing", "message": msg, "check": name}
}

notes contains w if {
	some name, result in input.checks
	result.status == "skipped"
	not name in required_checks
	msg := sprintf("check %s was skipped: %s", [name, reason_text(object.get(result, "error", null))])
	w := {"rule": "gatecheck.check_skipped", "message": msg, "check": name}
}

reason_text(r) := r if is_string(r)

reason_text(r) := "no reason given" if not is_string(r)

# --- inline suppressions the change under judgement adds (gatecheck:allow, nosemgrep) ------------
#
# A suppressed finding is not in input.findings; the comment that set it aside is in
# input.suppressions. One the change itself added is a decision a reviewer should see:
# warned about by default ([policy] new_suppressions = "deny" makes it deny).

violations contains v if {
	some s in object.get(input, "suppressions", [])
	s.new == true
	msg := sprintf("%s:%d: the change adds an inline suppression of %s (check %s): %s", [s.path, s.line, s.rule_id, s.check, s.reason])
	v := {"rule": "gatecheck.suppression_added", "message": msg, "check": s.check}
}

# --- SBOM: required, and no component under a denied licence ----------------------------------

violations contains v if {
	cfg.sbom.required
	not is_object(object.get(input, "sbom", null))
	not input.checks.sbom
	v := {"rule": "gatecheck.sbom_missing", "message": "no SBOM was produced: the sbom check is not enabled ([checks.sbom])"}
}

violations contains v if {
	cfg.sbom.required
	not is_object(object.get(input, "sbom", null))
	c := input.checks.sbom
	msg := sprintf("no SBOM was produced: the sbom check ended %s: %s", [c.status, reason_text(object.get(c, "error", null))])
	v := {"rule": "gatecheck.sbom_missing", "message": msg, "check": "sbom"}
}

denied_licenses := {l | some l in cfg.licenses.deny}

# [entry, {names a package waiver may use}] for every component under a denied licence.
license_hits contains [entry, {c.name, pkg}] if {
	some c in input.sbom.components
	some lic in c.licenses
	lic in denied_licenses
	pkg := component_ref(c)
	msg := sprintf("component %s is licensed under %s, which is on the deny-list", [pkg, lic])
	entry := {"rule": "gatecheck.license_denied", "message": msg}
}

component_ref(c) := c.purl if is_string(c.purl)

component_ref(c) := sprintf("%s@%s", [c.name, object.get(c, "version", "")]) if not is_string(object.get(c, "purl", null))

# --- waivers that have run out are never applied, only reported ---------------------------------

ns_per_day := ((24 * 60) * 60) * 1000000000

notes contains w if {
	some waiver in input.waivers
	waiver.expired
	age := floor((input.context.now_ns - waiver.expires_ns) / ns_per_day)
	msg := sprintf("waiver %s expired %d day(s) ago and was not applied", [waiver.id, age])
	w := {"rule": "gatecheck.waiver_expired", "message": msg, "waiver_id": waiver.id}
}
