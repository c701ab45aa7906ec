# An example verify-time policy for `gatecheck verify --policy` and `gatecheck serve --policy`.
#
# It allows an artifact only when a trusted builder built it from a trusted source repository
# (SLSA provenance v1, signed by a trusted key) and a gatecheck gate passed on it (a gatecheck
# SLSA VSA that passes gatecheck's own rules: verifier, PASSED, fresh, inputs present). An SBOM
# with a denied licence is refused too; no SBOM at all is a warning.
#
# The input is schemas/verify-policy-input.schema.json; the trusted builders, repositories and
# licences are data (data.json beside this file: data.trust).
package gatecheck.verify

import rego.v1

decision := {"allow": count(deny) == 0, "deny": deny, "warn": warn}

deny contains {"rule": "verify.provenance_missing", "message": "no verified SLSA provenance is about the artifact"} if {
	count(input.provenance) == 0
}

deny contains {
	"rule": "verify.untrusted_builder",
	"message": sprintf("provenance %s was made by builder %s, which is not trusted", [p.source, p.builder.id]),
} if {
	some p in input.provenance
	not p.builder.id in data.trust.builders
}

deny contains {
	"rule": "verify.untrusted_source",
	"message": sprintf("provenance %s says the source is %v, which is not a trusted repository", [p.source, p.source_repository]),
} if {
	some p in input.provenance
	not p.source_repository in data.trust.repositories
}

# A gatecheck verdict that passes gatecheck's own rules (the same as `gatecheck verify` without a policy).
passing_gate contains v.source if {
	some v in input.verdicts
	v.passes
	v.verifier == input.context.verifier_id
}

deny contains {"rule": "verify.gate_missing", "message": "no passing gatecheck verdict is about the artifact"} if {
	count(passing_gate) == 0
}

deny contains {
	"rule": "verify.license_denied",
	"message": sprintf("the SBOM %s lists %s under %s", [s.source, c.name, license]),
} if {
	some s in input.sboms
	some c in s.components
	some license in c.licenses
	license in data.trust.denied_licenses
}

warn contains {"rule": "verify.sbom_missing", "message": "no verified SBOM is about the artifact"} if {
	count(input.sboms) == 0
}
