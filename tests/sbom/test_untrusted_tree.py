"""The sbom check on a hostile tree (issue 15, attack 6, and the SBOM file's part of attack 5).

The SBOM is the one file a check writes itself, so where it goes and what it holds are the
check's own responsibility: ``output`` is a path inside the tree (repository configuration that
names ``../x`` or ``/etc/x`` is bad input naming the key and line), the file is written through
the repository view (a ``.gatecheck`` directory that is a symlink out of the tree is refused, on a
fresh run and when a cached result puts the file back), and the document is scrubbed before it is
written. ``environment = "current"`` (gatecheck's own interpreter) is the operator's choice only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.redact import Redactor
from gatecheck_plugins.sbom.check import SbomCheck

VICTIM = '{"do not": "overwrite"}\n'


def add_to_config(root: Path, table: str) -> int:
    """Append ``table`` to the project's gatecheck.toml; the line of its first key."""
    config = root / "gatecheck.toml"
    text = config.read_text()
    config.write_text(text + "\n" + table)
    return len(text.splitlines()) + 3  # the blank line, the [checks.sbom] header, then the key


@pytest.mark.parametrize("output", ["../victim.json", "{outside}/victim.json", "reports/../../victim.json"])
def test_repository_configuration_cannot_write_the_sbom_outside_the_tree(
    example_copy: Path, cli: Callable[..., Any], output: str,
) -> None:
    victim = example_copy.parent / "victim.json"
    victim.write_text(VICTIM)
    line = add_to_config(example_copy, f'[checks.sbom]\noutput = "{output.format(outside=example_copy.parent)}"\n')
    result = cli("run", str(example_copy), "--check", "sbom", "-q")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"gatecheck.toml:{line}: checks.sbom.output" in result.stderr and "outside the repository" in result.stderr
    assert victim.read_text() == VICTIM


def test_a_gatecheck_directory_that_leaves_the_tree_is_not_written_through(
    example_copy: Path, cli: Callable[..., Any], tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    assert cli("run", str(example_copy), "--check", "sbom", "-q", "-f", f"json:{report}").exit_code == 0
    written = (example_copy / ".gatecheck" / "sbom.cdx.json").read_text()
    # The next change replaces .gatecheck with a symlink to a directory elsewhere on the machine.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "sbom.cdx.json").write_text(VICTIM)
    (example_copy / ".gatecheck" / "sbom.cdx.json").unlink()
    (example_copy / ".gatecheck").rename(tmp_path / "old-gatecheck")
    (example_copy / ".gatecheck").symlink_to(elsewhere, target_is_directory=True)
    for args in ((), ("--no-cache",)):  # a cache hit puts the file back: refused the same way
        result = cli("run", str(example_copy), "--check", "sbom", "-q", "-f", f"json:{report}", *args)
        assert result.exit_code == 2, result.stdout + result.stderr
        [sbom] = [r for r in json.loads(report.read_text())["results"] if r["check"] == "sbom"]
        assert sbom["status"] == "error" and "leads outside the repository" in sbom["error"]
        assert (elsewhere / "sbom.cdx.json").read_text() == VICTIM
        assert sorted(p.name for p in elsewhere.iterdir()) == ["sbom.cdx.json"]
    # Pointed back inside the tree, the same output works again (and it is still the same document).
    (example_copy / ".gatecheck").unlink()
    assert cli("run", str(example_copy), "--check", "sbom", "-q").exit_code == 0
    assert (example_copy / ".gatecheck" / "sbom.cdx.json").read_text() == written


def test_an_output_inside_the_tree_is_written_there(example_copy: Path, cli: Callable[..., Any]) -> None:
    add_to_config(example_copy, '[checks.sbom]\noutput = "dist/bom/sbom.cdx.json"\n')
    assert cli("run", str(example_copy), "--check", "sbom", "-q").exit_code == 0
    assert json.loads((example_copy / "dist" / "bom" / "sbom.cdx.json").read_text())["bomFormat"] == "CycloneDX"


@pytest.mark.parametrize(("value", "reason"), [
    ("current", "only the operator may choose it"),
    ("/usr", "outside the repository"),
    ("../.venv", "outside the repository"),
])
def test_repository_configuration_cannot_inventory_an_environment_outside_the_tree(
    example_copy: Path, cli: Callable[..., Any], value: str, reason: str,
) -> None:
    line = add_to_config(example_copy, f'[checks.sbom]\nenvironment = "{value}"\n')
    result = cli("run", str(example_copy), "--check", "sbom", "-q")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"gatecheck.toml:{line}: checks.sbom.environment" in result.stderr and reason in result.stderr


def test_the_operator_may_inventory_gatecheck_s_own_environment(
    example_copy: Path, cli: Callable[..., Any], tmp_path: Path,
) -> None:
    operator = tmp_path / "operator"
    operator.mkdir()
    (operator / "gatecheck.toml").write_text('version = 1\n[checks.sbom]\nsource = "environment"\nenvironment = "current"\n')
    report = tmp_path / "report.json"
    result = cli("run", str(example_copy), "-c", str(operator / "gatecheck.toml"), "--check", "sbom", "-q",
                 "-f", f"json:{report}")
    assert result.exit_code in (0, 1), result.stderr
    [sbom] = [r for r in json.loads(report.read_text())["results"] if r["check"] == "sbom"]
    assert sbom["status"] == "ok" and sbom["summary"]["source"] == "environment"
    assert "cyclonedx-python-lib" in {c["name"] for c in sbom["summary"]["components"]}


def test_the_written_sbom_is_scrubbed(tmp_path: Path) -> None:
    """A token in a private index's URL path (Gemfury style) is no user:password the lock readers can
    strip; the gate's redactor knows it from the environment, and the file on disk is scrubbed too."""
    token = "fury-tok-9f8e7d6c5b4a"
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(f"internal-lib @ https://pypi.fury.io/{token}/acme/internal-lib-1.0.tar.gz\n")
    ctx = CheckContext(root=root, options={}, work_dir=tmp_path / "work", redactor=Redactor({"FURY_TOKEN": token}))
    result = SbomCheck().run(ctx)
    assert result.status == "ok", result.error
    written = (root / ".gatecheck" / "sbom.cdx.json").read_text()
    assert token not in written and "[REDACTED:$FURY_TOKEN]" in written
    # The file is the artifact the gate signs (findings and summary the runner scrubs, as any check's).
    assert json.loads(written) == result.artifacts[0].content
