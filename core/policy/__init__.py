"""Policy evaluation: Rego bundles, engines, the policy input, and the fail-closed decision.

* :mod:`~gatecheck.policy.engines`: the small engine interface (a Protocol) and its errors;
* :mod:`~gatecheck.policy.embedded` / :mod:`~gatecheck.policy.opa`: the two engines;
* :mod:`~gatecheck.policy.policy_bundle`: loading a bundle and its digest;
* :mod:`~gatecheck.policy.inputs`: the policy input built from a gate run;
* :mod:`~gatecheck.policy.decide`: evaluation that turns every failure into a deny;
* :mod:`~gatecheck.policy.cases` / :mod:`~gatecheck.policy.selftest`: conformance cases and canaries;
* :mod:`~gatecheck.policy.regotest`: running a bundle's ``test_`` rules.

:func:`settings_from_config` and :func:`create_engine` are what front ends call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gatecheck.errors import BadInput
from gatecheck.policy.engines import EngineError, EngineProvider, EngineSettings, PolicyEngine

if TYPE_CHECKING:
    from gatecheck.config import Config
    from gatecheck.plugin_manager import Plugins

DEFAULT_ENGINE = "embedded"


@dataclass
class PolicySettings:
    """Which bundle, which engine and which extra data decide a run."""

    path: str | None = None
    engine: str = DEFAULT_ENGINE
    engine_settings: EngineSettings = field(default_factory=EngineSettings)
    data: dict[str, Any] = field(default_factory=dict)
    environment: str | None = None
    entrypoint: str = "data.gatecheck.decision"


def settings_from_config(
    config: Config,
    *,
    stage: str,
    policy: str | None = None,
    engine: str | None = None,
    fail_on: str | None = None,
) -> PolicySettings:
    """``[policy]`` of the configuration, overridden by CLI values where given.

    ``fail_on`` (``--fail-on`` or ``[run] fail_on``/``[stages.X] fail_on``) becomes the
    stage's severity threshold in the policy data, so the Rego policy still decides.
    """
    table = config.section("policy")
    path = policy
    if path is None and table.get("path"):
        # A configured bundle comes from the configuration's own source: with --trusted-ref the
        # ref's policy, never the working tree's.
        found = config.source.path(str(table["path"]), what="policy.path")
        if found is None:
            raise config.bad(f"policy bundle {config.source.display(str(table['path']))} not found", "policy", "path")
        path = str(found)
    # Repository configuration cannot set these (gatecheck.config.check_trust): they are the operator's.
    token_env = table.get("opa_token_env")
    token = os.environ.get(token_env) if token_env else None
    if token_env and not token:
        raise config.bad(f"environment variable {token_env} (the OPA token) is not set", "policy", "opa_token_env")
    verify: bool | str = table.get("opa_ca_bundle") or bool(table.get("opa_tls_verify", True))
    settings = EngineSettings(
        timeout=float(table.get("timeout", 10)),
        opa_url=os.environ.get("GATECHECK_OPA_URL") or table.get("opa_url"),
        opa_token=token,
        opa_tls_verify=verify,
        opa_client_cert=table.get("opa_client_cert"),
    )
    data: dict[str, Any] = dict(table.get("data", {}))
    threshold = fail_on or config.run_setting("fail_on", None, stage)
    if table.get("new_suppressions"):
        actions = dict(data.get("actions", {}))
        actions["gatecheck.suppression_added"] = table["new_suppressions"]
        data["actions"] = actions
    if threshold:
        severity = dict(data.get("severity", {}))
        severity["stages"] = {**dict(severity.get("stages", {})), stage: threshold}
        data["severity"] = severity
    return PolicySettings(
        path=path,
        engine=engine or table.get("engine", DEFAULT_ENGINE),
        engine_settings=settings,
        data=data,
        environment=table.get("environment"),
        entrypoint=table.get("entrypoint", "data.gatecheck.decision"),
    )


def providers(plugins: Plugins | None = None) -> dict[str, EngineProvider]:
    """Every registered engine provider by name."""
    if plugins is None:
        from gatecheck.plugin_manager import Plugins as _Plugins

        plugins = _Plugins()
    return plugins.policy_engines()


def create_engine(name: str, settings: EngineSettings, plugins: Plugins | None = None) -> PolicyEngine:
    """The engine called ``name``; an unknown name is bad input, an unusable one an EngineError."""
    available = providers(plugins)
    if name not in available:
        raise BadInput(f"unknown policy engine {name!r} (available: {', '.join(sorted(available))})", key="--engine")
    return available[name].create(settings)


__all__ = [
    "DEFAULT_ENGINE",
    "EngineError",
    "EngineSettings",
    "PolicyEngine",
    "PolicySettings",
    "create_engine",
    "providers",
    "settings_from_config",
]
