"""Verifier conformance: test vectors for DSSE + in-toto Statement v1 + SLSA VSA verifiers, and a runner.

``vectors/`` holds the vectors (regenerate with ``python -m gatecheck_conformance.verifier.generate``),
``keys/`` the fixed, public test keys they are signed with. Run any verifier against them with::

    python -m gatecheck_conformance.verifier --cmd "gatecheck verify"

See :mod:`gatecheck_conformance.verifier.runner` for how a command is called.
"""
