"""Every first-party plugin passes the plugin conformance suite on the example project."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from gatecheck_conformance.plugins import assert_conforms

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webapp"
FIRST_PARTY = sorted(
    ep.name for ep in importlib.metadata.entry_points(group="gatecheck")
    if ep.dist is not None and ep.dist.metadata["Name"] == "gatecheck-policy-gate"
)


def test_first_party_plugins_are_registered_through_entry_points() -> None:
    assert "sarif" in FIRST_PARTY


@pytest.mark.parametrize("name", FIRST_PARTY)
def test_first_party_plugin_conforms(name: str) -> None:
    [ep] = [ep for ep in importlib.metadata.entry_points(group="gatecheck") if ep.name == name]
    report = assert_conforms(ep.load(), EXAMPLE, timeout=300)
    assert report.checks or report.reporters or report.others


def test_builtin_reporters_conform() -> None:
    import gatecheck.reports.builtin as builtin

    report = assert_conforms(builtin)
    assert set(report.reporters) == {"text", "json", "sarif", "junit", "markdown"}
