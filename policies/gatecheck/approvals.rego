# Approvals a stage requires: data gatecheck.config.approvals.required[stage] =
# {"count": N, "reviewers": "SET"} asks for N approvals of the artifact by distinct keys of the
# reviewer set SET, as the approvals check counted them (signed by a key of the set, about the
# artifact, in the signer's own name). A key that approved twice counts once, and an approval that
# has expired never counts (checked here again against the run's time). No requirement for a
# stage, no rule; a requirement the approvals check cannot meet (it did not run, it errored, the
# set is unknown to it) denies.
package gatecheck.rules

import rego.v1

approval_requirement := r if {
	r := object.get(object.get(object.get(cfg, "approvals", {}), "required", {}), stage, null)
	r != null
}

approval_records := object.get(object.get(object.get(input.checks, "approvals", {}), "summary", {}), "approvals", [])

approval_expired(a) if a.expired == true

approval_expired(a) if {
	is_number(a.expires_ns)
	a.expires_ns <= input.context.now_ns
}

approvers(set_name) := {a.keyid |
	some a in approval_records
	a.counted == true
	is_string(a.keyid)
	set_name in a.reviewer_sets
	not approval_expired(a)
}

approval_requirement_valid(r) if {
	is_number(r.count)
	r.count >= 1
	is_string(r.reviewers)
}

violations contains v if {
	r := approval_requirement
	approval_requirement_valid(r)
	n := count(approvers(r.reviewers))
	n < r.count
	msg := sprintf("stage %s needs %d approval(s) by distinct keys of reviewer set %s; %d counted", [stage, r.count, r.reviewers, n])
	v := {"rule": "gatecheck.approvals_missing", "message": msg, "check": "approvals"}
}

violations contains v if {
	r := approval_requirement
	not approval_requirement_valid(r)
	msg := sprintf("approvals.required.%s must be {\"count\": N >= 1, \"reviewers\": \"SET\"}, not %v", [stage, r])
	v := {"rule": "gatecheck.approvals_missing", "message": msg, "check": "approvals"}
}
