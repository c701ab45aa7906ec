# The slo check's facts, judged: promotion is denied at the enforcing stages (data
# gatecheck.config.slo.enforce_stages, default ["deploy"]) when an SLO's fast-burn alert fires or
# its remaining error budget is under the floor (the SLO's own budget_floor, else
# gatecheck.config.slo.budget_floor); at other stages those are warnings. A slow burn always warns.
# An slo check that errored (no data, a query error, Prometheus unreachable) is denied by
# gatecheck.check_failed like any other check; only SLOs the check measured are judged here.
package gatecheck.rules

import rego.v1

slo_config := object.get(cfg, "slo", {})

slo_enforced if stage in object.get(slo_config, "enforce_stages", ["deploy"])

slo_measured := [s |
	some s in object.get(object.get(object.get(input.checks, "slo", {}), "summary", {}), "slos", [])
	s.status == "ok"
]

slo_floor(s) := s.budget_floor if is_number(s.budget_floor)

slo_floor(s) := object.get(slo_config, "budget_floor", 0.25) if not is_number(s.budget_floor)

slo_round(x) := round(x * 100) / 100

slo_percent(x) := round(x * 1000) / 10

slo_burn(s, a) := sprintf("SLO %s: %s burn: the error budget burns %vx over %s and %vx over %s (alert %s fires above %vx)", [
	s.name, a.kind, slo_round(a.long_burn_rate), a.long_window, slo_round(a.short_burn_rate), a.short_window,
	a.name, a.burn_rate_threshold,
])

# Entries that deny where the SLO is enforced: a fast burn, or too little budget left.
slo_blocking contains e if {
	some s in slo_measured
	some a in s.alerts
	a.kind == "fast"
	a.firing == true
	e := {"rule": "gatecheck.slo_fast_burn", "message": slo_burn(s, a), "check": "slo"}
}

slo_blocking contains e if {
	some s in slo_measured
	floor := slo_floor(s)
	s.budget.remaining < floor
	msg := sprintf("SLO %s: %v%% of the %s error budget remains, under the floor of %v%%", [
		s.name, slo_percent(s.budget.remaining), s.window, slo_percent(floor),
	])
	e := {"rule": "gatecheck.slo_budget_low", "message": msg, "check": "slo"}
}

violations contains e if {
	slo_enforced
	some e in slo_blocking
}

notes contains w if {
	not slo_enforced
	some e in slo_blocking
	w := object.union(e, {"message": concat("", [e.message, " (not enforced at stage ", stage, ")"])})
}

notes contains w if {
	some s in slo_measured
	some a in s.alerts
	a.kind == "slow"
	a.firing == true
	w := {"rule": "gatecheck.slo_slow_burn", "message": slo_burn(s, a), "check": "slo"}
}
