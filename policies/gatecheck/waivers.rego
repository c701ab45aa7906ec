# Which waivers apply. Selecting the findings a waiver's `match` names (rule, finding id,
# package or purl, path glob, check) is done in Python and passed in as `matches`, so glob
# semantics are the same on every engine; this package decides what a match may waive.
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
