"""Signed approvals: a reviewer's signed "yes" to promoting one artifact, and how they are counted.

* :mod:`gatecheck.approve.statement`: the approval predicate; sign one, parse one.
* :mod:`gatecheck.approve.evaluate`: verify approvals against named reviewer sets and count them
  (distinct keys, never an expired, future-dated or untrusted approval).
* :mod:`gatecheck.approve.check`: the ``approvals`` check, which puts the counted approvals into
  the policy input so a ``deploy`` policy can require N of them (policies/gatecheck/approvals.rego).

``gatecheck approve ARTIFACT --key file:reviewer.key --reason "..."`` writes one
(:mod:`gatecheck.cli.approve_cmd`); the store keeps them like any statement, and the audit report
lists them per deployed subject.
"""

from __future__ import annotations

#: ``predicateType`` of an approval statement.
APPROVAL_PREDICATE_TYPE = "https://gatecheck.dev/attestation/approval/v1"
