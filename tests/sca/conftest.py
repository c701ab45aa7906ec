"""Fixtures for the sca check's tests: the OSV test data and a way to run the check for real."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the OSV API test double lives beside the tests

from osv_api_double import load_records  # noqa: E402
from sca_helpers import DATA  # noqa: E402

from gatecheck.model import CheckResult  # noqa: E402
from gatecheck.runner import CheckRun, RunSettings, run_checks  # noqa: E402
from gatecheck.trust import DirectorySource  # noqa: E402
from gatecheck_plugins.sca.check import ScaCheck  # noqa: E402


@pytest.fixture(scope="session")
def osv_records() -> list[dict[str, Any]]:
    """Every record of tests/data/osv-pypi, parsed once."""
    return load_records(DATA)


@pytest.fixture
def operator_source(tmp_path_factory: pytest.TempPathFactory) -> DirectorySource:
    """A trusted configuration directory outside every project (``-c /etc/gatecheck/gatecheck.toml``):
    the source that may name a database anywhere on the machine, as these tests do."""
    return DirectorySource(tmp_path_factory.mktemp("operator"))


@pytest.fixture
def run_sca(tmp_path: Path, operator_source: DirectorySource) -> Callable[..., CheckResult]:
    """Run the sca check through the real runner (errors become results, as in a gate), with the
    operator's configuration: ``database`` defaults to tests/data/osv-pypi."""

    def run(root: Path, network: bool = False, timeout: float = 60.0, **options: Any) -> CheckResult:
        options.setdefault("database", str(DATA))
        settings = RunSettings(root=root, jobs=1, network=network, work_dir=tmp_path / "work",
                               config_source=operator_source)
        [result] = run_checks([CheckRun(check=ScaCheck(), options=options, timeout=timeout)], settings)
        return result

    return run
