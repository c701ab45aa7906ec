"""Fixtures for the slo tests: the real Prometheus server .ci/prometheus.sh started, and gate runs.

The server holds the series tests/slo/series.py generates (one service per scenario). Under CI
(CI=true) a missing server is a test failure, never a skip; locally these tests skip when
GATECHECK_TEST_PROMETHEUS_URL is unset (run `source .ci/prometheus.sh`).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ENV = "GATECHECK_TEST_PROMETHEUS_URL"


@pytest.fixture(scope="session")
def prometheus_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{ENV} is not set under CI: .ci/test.sh must `source .ci/prometheus.sh` before pytest")
        pytest.skip(f"{ENV} is not set (run `source .ci/prometheus.sh`); CI never skips this")
    return url


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: a Prometheus that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def ratio_slo(service: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    """An SLO of a generated service, its SLI as the ratio of 5xx to all requests."""
    return {
        "name": name or service, "objective": 0.999, "window": "30d",
        "bad": f'sum(rate(http_requests_total{{service="{service}",code=~"5.."}}[{{{{window}}}}]))',
        "total": f'sum(rate(http_requests_total{{service="{service}"}}[{{{{window}}}}]))',
        **extra,
    }


def toml_value(value: Any) -> str:
    """A TOML inline value (JSON's strings, numbers, booleans, arrays and tables read the same way)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


@dataclass
class Gate:
    """A project and an operator configuration outside it, run in-process."""

    root: Path
    config: Path
    cli: Callable[..., Any]

    def configure(self, slo: dict[str, Any] | None = None, approvals: dict[str, Any] | None = None,
                  policy_data: dict[str, Any] | None = None) -> None:
        lines = ["version = 1", "[policy.data.sbom]", "required = false"]
        for name, table in (("slo", slo), ("approvals", approvals)):
            if table is not None:
                lines.append(f"[checks.{name}]")
                lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
        for key, value in (policy_data or {}).items():
            lines.append(f"[policy.data.{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in value.items()]
        self.config.write_text("\n".join(lines) + "\n")

    def run(self, *args: str) -> Any:
        return self.cli("run", str(self.root), "-c", str(self.config), *args)


@pytest.fixture
def gate(tmp_path: Path, cli: Callable[..., Any]) -> Gate:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n")
    return Gate(root, tmp_path / "operator" / "deploy.toml", cli)


@pytest.fixture(autouse=True)
def _operator_dir(tmp_path: Path) -> None:
    (tmp_path / "operator").mkdir(exist_ok=True)


@pytest.fixture
def slo_of() -> Callable[..., dict[str, Any]]:
    """:func:`ratio_slo`, for the test modules (conftest helpers are not importable by name)."""
    return ratio_slo
