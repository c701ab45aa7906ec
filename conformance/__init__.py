"""Conformance suites others run against their own implementations (import package ``gatecheck_conformance``)."""
