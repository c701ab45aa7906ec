# The entrypoint: data.gatecheck.decision is {allow, deny[], warn[], waived[]}; every
# entry names its rule, a message, and the finding or check it is about.
# Anything else (undefined, an error, a malformed object) makes the gate deny.
package gatecheck

import rego.v1

import data.gatecheck.rules
import data.gatecheck.waivers

decision := {
	"allow": count(deny) == 0,
	"deny": deny,
	"warn": warn,
	"waived": waived,
}

# --- findings ----------------------------------------------------------------------------------
#
# The rules in this part run once per finding (or per waived finding), so they refer to other
# packages by their full path (data.gatecheck.rules.x) and never through the import aliases:
# regorus resolves an alias's value again on every iteration of a comprehension, which costs
# about 5 microseconds each time (bench/policy_eval.py: 50 ms at 10,000 findings).

finding_denies := [p[1] | some p in data.gatecheck.rules.finding_entries; p[0] == "deny"]

finding_warns := [p[1] | some p in data.gatecheck.rules.finding_entries; p[0] == "warn"]

finding_dryrun := [p[1] | some p in data.gatecheck.rules.finding_entries; p[0] == "dryrun"]

# Which waiver covers each waived finding, and which waivers may cover secrets and unsafe
# migrations (only one naming the finding id), is data.gatecheck.waivers's to say.

# --- everything else -----------------------------------------------------------------------------

other_denies := [v | some v in rules.violations; data.gatecheck.rules.action("", v.rule) == "deny"]

other_warns := [v | some v in rules.violations; data.gatecheck.rules.action("", v.rule) == "warn"]

other_dryrun := [v | some v in rules.violations; data.gatecheck.rules.action("", v.rule) == "dryrun"]

license_enforced := data.gatecheck.rules.action("", "gatecheck.license_denied") == "deny"

license_denies := [h[0] | some h in rules.license_hits; license_enforced; not license_waived(h[1])]

license_waived(names) if {
	some p in waivers.package_waivers
	p[0] in names
}

license_waivers := [object.union(h[0], {"waiver_id": p[1]}) |
	some h in rules.license_hits
	license_enforced
	some p in waivers.package_waivers
	p[0] in h[1]
]

notes := [w | some w in rules.notes]

dry(e) := object.union(e, {"message": concat("", ["dry run, not enforced: ", e.message])})

# --- the decision's lists ----------------------------------------------------------------------

deny := array.concat(array.concat(other_denies, license_denies), finding_denies)

waived := array.concat(
	array.concat(license_waivers, data.gatecheck.waivers.finding_waived),
	data.gatecheck.waivers.explicit_waived,
)

warn := array.concat(
	array.concat(array.concat(other_warns, notes), finding_warns),
	[dry(e) | some e in array.concat(other_dryrun, finding_dryrun)],
)
