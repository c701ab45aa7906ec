"""The policy engine interface: what the gate needs from a Rego evaluator, and nothing more.

Two engines implement it in core (:mod:`gatecheck.policy.embedded`, an in-process
interpreter, and :mod:`gatecheck.policy.opa`, an OPA server over its REST API); others can
be added through the ``gatecheck_policy_engines`` hook. Engines only evaluate: failing
closed on an error, a timeout or a malformed answer is :mod:`gatecheck.policy.decide`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from gatecheck.errors import GatecheckError

if TYPE_CHECKING:
    from gatecheck.policy.policy_bundle import Bundle


class EngineError(GatecheckError):
    """The engine could not evaluate (it crashed, refused the policy, or was unreachable)."""


class EngineTimeout(EngineError):
    """The evaluation did not finish within the configured time."""


@dataclass(frozen=True)
class QueryResult:
    """The value of a query, or ``defined=False`` when Rego leaves it undefined."""

    defined: bool
    value: Any = None


UNDEFINED = QueryResult(defined=False)


@dataclass(frozen=True)
class EngineSettings:
    """How to reach and bound an engine; built from ``[policy]`` and the CLI."""

    #: Seconds one evaluation may take; slower answers are treated as a timeout (deny).
    timeout: float = 10.0
    #: OPA server URL (``http://127.0.0.1:8181``); None lets the ``opa`` engine start a
    #: local ``opa run --server`` on loopback when an ``opa`` binary is on PATH.
    opa_url: str | None = None
    #: Bearer token sent to the OPA server.
    opa_token: str | None = None
    #: TLS verification for an https OPA URL: True, False, or a CA bundle path.
    opa_tls_verify: bool | str = True
    #: Client certificate (PEM path) for mutual TLS with the OPA server.
    opa_client_cert: str | None = None


@runtime_checkable
class PolicyEngine(Protocol):
    """Evaluates Rego queries against a policy bundle."""

    #: Engine name as used by ``--engine`` (``embedded``, ``opa``).
    name: str

    def version(self) -> str:
        """The evaluator's version, recorded in the decision (``regorus 0.9.1``)."""
        ...

    def evaluate(self, bundle: Bundle, query: str, input: Mapping[str, Any] | None) -> QueryResult:
        """Evaluate ``query`` (a ``data.…`` reference) with ``input``.

        Raises :class:`EngineError` when the engine cannot answer and
        :class:`EngineTimeout` when it does not answer in time.
        """
        ...


@runtime_checkable
class EngineProvider(Protocol):
    """What the ``gatecheck_policy_engines`` hook returns: a named factory of engines."""

    name: str
    description: str

    def create(self, settings: EngineSettings) -> PolicyEngine:
        """A ready engine; raise :class:`EngineError` when it cannot be used here."""
        ...


def data_path(query: str) -> list[str]:
    """The path segments of a ``data.a.b`` query, as the OPA Data API addresses them."""
    parts = query.split(".")
    if len(parts) < 2 or parts[0] != "data" or not all(p.isidentifier() for p in parts[1:]):
        raise EngineError(f"query {query!r} is not a data reference like data.gatecheck.decision")
    return parts[1:]
