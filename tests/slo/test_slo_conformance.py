"""The slo and approvals plugins pass the plugin conformance suite (unconfigured: both are skipped,
never an empty pass), as every first-party plugin does."""

from __future__ import annotations

from pathlib import Path

import pytest

import gatecheck.approve.check as approvals_plugin
import gatecheck_plugins.slo as slo_plugin
from gatecheck_conformance.plugins import assert_conforms

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webapp"


@pytest.mark.parametrize("plugin", [slo_plugin, approvals_plugin], ids=["slo", "approvals"])
def test_plugin_conforms(plugin: object) -> None:
    report = assert_conforms(plugin, EXAMPLE, timeout=120)
    assert len(report.checks) == 1
