"""Registers the two built-in policy engines through the same hook third-party engines use."""

from __future__ import annotations

from gatecheck.hookspecs import hookimpl
from gatecheck.policy.embedded import EmbeddedProvider
from gatecheck.policy.engines import EngineProvider
from gatecheck.policy.opa import OpaProvider


@hookimpl
def gatecheck_policy_engines() -> list[EngineProvider]:
    return [EmbeddedProvider(), OpaProvider()]
