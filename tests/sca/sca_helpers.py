"""Helpers shared by the sca tests (imported by name: tests/sca is on sys.path, see conftest)."""

from __future__ import annotations

from pathlib import Path

from gatecheck.model import CheckResult

DATA = Path(__file__).resolve().parent.parent / "data" / "osv-pypi"


def advisory_pairs(result: CheckResult) -> set[tuple[str, str]]:
    """(package, OSV record id) for every advisory finding, counting records merged as aliases."""
    pairs = set()
    for f in result.findings:
        if f.metadata.get("kind") == "advisory":
            assert f.package is not None
            for record_id in f.metadata["records"]:
                pairs.add((f.package.name, record_id))
    return pairs
