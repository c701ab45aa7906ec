"""Rego engine conformance cases (``cases/*.yaml``) and their runner.

Run ``python -m gatecheck_conformance.rego`` to hold every available policy engine to the
cases (expected values are OPA's documented answers); ``--candidate regopy`` adds the
regopy interpreter for comparison. The case format is described in
:mod:`gatecheck.policy.cases`.
"""
