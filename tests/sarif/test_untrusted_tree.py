"""The sarif check on a hostile tree (issue 15, attack 6: "the sarif check follows a symlink out of the
tree and copies what it reads into findings").

SARIF files are files of the tree under judgement: the check finds them only in the repository
view's listing and reads them only through it, so a symlink out of the tree or a FIFO is never
opened (the gate reports it as gatecheck/unsafe-path), repository configuration cannot point
``files`` outside the tree, and a file over the size limit is bad input rather than read whole.
Each attack runs the whole gate on a copy of the example project, whose own ESLint SARIF holds a
high finding (so a gate that judged it exits 1).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck_plugins.sarif.check import DEFAULT_MAX_FILE_SIZE, SarifCheck

#: Written only into files outside the tree; no output of the gate may ever contain it.
MARKER = "OUTSIDE-TREE-9d41c7"
EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "webapp" / "gatecheck.toml"
FILES_LINE = 12  # `files = ["reports/*.sarif"]` in it


@dataclass
class GateRun:
    """One ``gatecheck run``: its exit code, its JSON report, and the text of everything it wrote."""

    exit_code: int
    report: dict[str, Any]
    #: stdout, stderr, every report format, the signed attestation bundle and the result cache.
    everything: str

    def result(self, check: str) -> dict[str, Any]:
        """The JSON report's result for ``check``."""
        return next(r for r in self.report["results"] if r["check"] == check)

    def unsafe_paths(self) -> list[str]:
        """Paths the gate itself reported as gatecheck/unsafe-path."""
        own = [r for r in self.report["results"] if r["check"] == "gatecheck"]
        return sorted(f["location"]["path"] for r in own for f in r["findings"] if f["rule_id"] == "gatecheck/unsafe-path")


Gate = Callable[..., GateRun]


@pytest.fixture
def gate(cli: Callable[..., Any], tmp_path: Path, private_result_cache: Path) -> Gate:
    """``gate(root, *args)``: run the gate on ``root`` with reports in every format, a signed attestation
    bundle and the per-test result cache, and gather all of it so a test can say what never appears."""
    keys = tmp_path / "keys"
    assert cli("keygen", "-o", str(keys / "ci")).exit_code == 0
    runs = 0

    def run(root: Path, *args: str) -> GateRun:
        nonlocal runs
        runs += 1
        out = tmp_path / f"out-{runs}"
        outcome = cli("run", str(root), "-q", "-f", f"json:{out}/r.json", "-f", f"sarif:{out}/r.sarif",
                      "-f", f"markdown:{out}/r.md", "-f", f"junit:{out}/r.xml", "--attest", str(out / "b.intoto.jsonl"),
                      "--subject", "app@sha256:" + "ab" * 32, "--key", f"file:{keys / 'ci.key'}", *args)
        written = [p for base in (out, private_result_cache) if base.is_dir() for p in sorted(base.rglob("*")) if p.is_file()]
        report_file = out / "r.json"
        report = json.loads(report_file.read_text()) if report_file.is_file() else {}
        everything = "\n".join([outcome.stdout, outcome.stderr, *(readable(p) for p in written)])
        return GateRun(outcome.exit_code, report, everything)

    return run


def readable(path: Path) -> str:
    """A file's text, with the statements inside a DSSE bundle's base64 payloads decoded."""
    text = path.read_text("utf-8", "replace")
    if path.name.endswith(".intoto.jsonl"):
        text += "".join(base64.b64decode(json.loads(line)["payload"]).decode("utf-8", "replace")
                        for line in text.splitlines() if line.strip())
    return text


def outside_sarif(tmp_path: Path, example_copy: Path) -> Path:
    """A valid SARIF file outside the tree (next to it) whose message and snippet hold the marker."""
    directory = tmp_path / "outside"
    directory.mkdir(exist_ok=True)
    text = (example_copy / "reports" / "eslint.sarif").read_text()
    target = directory / "leak.sarif"
    target.write_text(text.replace("eval can be harmful.", f"{MARKER} message").replace("eval(expr)", MARKER))
    return target


def set_sarif_options(root: Path, options: str) -> Path:
    """Write the example's gatecheck.toml into ``root`` with its ``[checks.sarif]`` options (line 12)
    replaced by ``options``."""
    text = EXAMPLE_CONFIG.read_text()
    assert text.splitlines()[FILES_LINE - 1] == 'files = ["reports/*.sarif"]'
    config = root / "gatecheck.toml"
    config.write_text(text.replace('files = ["reports/*.sarif"]\n', options + "\n"))
    return config


def commit_all(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "change under judgement"]):
        subprocess.run(["git", "-C", str(root), "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
                       check=True, capture_output=True)


# ------------------------------------------------------------------------ symlinks out of the tree


@pytest.mark.parametrize("committed", [False, True], ids=["plain-tree", "git-tracked-symlink"])
@pytest.mark.parametrize("named", [False, True], ids=["default-globs", "named-in-files"])
def test_a_sarif_symlink_out_of_the_tree_is_reported_never_read(example_copy: Path, tmp_path: Path, gate: Gate,
                                                                committed: bool, named: bool) -> None:
    (example_copy / "reports" / "leak.sarif").symlink_to(outside_sarif(tmp_path, example_copy))
    # The default globs (**/*.sarif) are how the attack was reported: they matched the link.
    set_sarif_options(example_copy, 'files = ["reports/leak.sarif", "reports/*.sarif"]' if named else "")
    if committed:
        commit_all(example_copy)
    run = gate(example_copy, "--check", "sarif")
    assert MARKER not in run.everything
    assert run.exit_code == 1  # denied by the tree's own ESLint finding, not by an error
    assert run.unsafe_paths() == ["reports/leak.sarif"]
    sarif = run.result("sarif")
    assert sarif["status"] == "ok" and sarif["summary"]["files"] == 1
    assert [i["path"] for i in sarif["inputs"]] == ["reports/eslint.sarif"]


def test_a_symlinked_reports_directory_out_of_the_tree_is_not_read(example_copy: Path, tmp_path: Path,
                                                                   gate: Gate) -> None:
    (example_copy / "generated").symlink_to(outside_sarif(tmp_path, example_copy).parent, target_is_directory=True)
    set_sarif_options(example_copy, 'files = ["generated/*.sarif", "reports/*.sarif"]')
    run = gate(example_copy, "--check", "sarif")
    assert MARKER not in run.everything
    assert run.exit_code == 1 and run.unsafe_paths() == ["generated"]
    assert [i["path"] for i in run.result("sarif")["inputs"]] == ["reports/eslint.sarif"]


# ------------------------------------------------------------- configuration naming outside paths


@pytest.mark.parametrize("pattern", ["../outside/*.sarif", "/tmp/x.sarif", "ABSOLUTE", "reports/../../outside/leak.sarif"])
def test_repository_configuration_cannot_name_sarif_files_outside_the_tree(example_copy: Path, tmp_path: Path,
                                                                          gate: Gate, pattern: str) -> None:
    outside = outside_sarif(tmp_path, example_copy)  # ../outside/leak.sarif as seen from the tree
    if pattern == "ABSOLUTE":
        pattern = str(outside)
    config = set_sarif_options(example_copy, f'files = ["reports/*.sarif", "{pattern}"]')
    run = gate(example_copy, "--check", "sarif")
    assert run.exit_code == 2
    assert f"{config}:{FILES_LINE}: checks.sarif.files[1]: " in run.everything
    assert "outside the repository" in run.everything
    assert MARKER not in run.everything


def test_trusted_configuration_naming_a_file_outside_the_tree_is_bad_input_not_a_silent_skip(
    example_copy: Path, tmp_path: Path, gate: Gate,
) -> None:
    # The operator's configuration is not held to x-gatecheck-path, but SARIF is read only from the
    # tree: a glob outside it could never match, and the check says so instead of skipping.
    outside = outside_sarif(tmp_path, example_copy)
    operator = tmp_path / "operator" / "gatecheck.toml"
    operator.parent.mkdir()
    operator.write_text(f'version = 1\n[checks.sarif]\nfiles = ["{outside.parent}/*.sarif"]\n')
    run = gate(example_copy, "--check", "sarif", "-c", str(operator))
    assert run.exit_code == 2
    sarif = run.result("sarif")
    assert sarif["status"] == "error" and sarif["bad_input"] is True
    assert sarif["error"].startswith(f"checks.sarif.files[0] '{outside.parent}/*.sarif' is outside the repository")
    assert MARKER not in run.everything


# ------------------------------------------------------------------------- special and huge files


def test_a_fifo_named_like_a_sarif_file_does_not_hang_the_gate(example_copy: Path, gate: Gate) -> None:
    fifo = example_copy / "reports" / "x.sarif"
    os.mkfifo(fifo)
    # A reader that opened the FIFO would block until the check's deadline: keep that short, so a
    # regression shows as a timed-out check instead of a ten-minute test.
    set_sarif_options(example_copy, 'files = ["reports/*.sarif"]\ntimeout = 20')
    run = gate(example_copy, "--check", "sarif")
    assert run.exit_code == 1
    sarif = run.result("sarif")
    assert sarif["status"] == "ok" and sarif["summary"]["files"] == 1 and len(sarif["findings"]) == 2
    assert run.unsafe_paths() == ["reports/x.sarif"]


def test_a_sarif_file_over_the_limit_is_bad_input_naming_file_and_option(example_copy: Path, gate: Gate) -> None:
    size = (example_copy / "reports" / "eslint.sarif").stat().st_size
    set_sarif_options(example_copy, f'files = ["reports/*.sarif"]\nmax_file_size = {size - 1}')
    run = gate(example_copy, "--check", "sarif")
    assert run.exit_code == 2
    sarif = run.result("sarif")
    assert sarif["status"] == "error" and sarif["bad_input"] is True and sarif["findings"] == []
    assert sarif["error"] == (f"reports/eslint.sarif: {size} bytes, more than the {size - 1} the sarif check reads; not "
                              "read (raise [checks.sarif] max_file_size if the file is a real report)")

    set_sarif_options(example_copy, f'files = ["reports/*.sarif"]\nmax_file_size = {size}')
    raised = gate(example_copy, "--check", "sarif")
    assert raised.exit_code == 1 and raised.result("sarif")["status"] == "ok"


def test_the_default_limit_refuses_a_huge_file_before_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "reports" / "huge.sarif"
    huge.parent.mkdir()
    with huge.open("wb") as fh:  # sparse: the size is real, the disk use is not
        fh.truncate(DEFAULT_MAX_FILE_SIZE + 1)
    with pytest.raises(CheckFailed) as raised:
        SarifCheck().run(CheckContext(root=tmp_path, options={}))
    assert raised.value.bad_input
    assert str(raised.value).startswith(f"reports/huge.sarif: {DEFAULT_MAX_FILE_SIZE + 1} bytes, more than the "
                                        f"{DEFAULT_MAX_FILE_SIZE} the sarif check reads; not read")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "with-byte-order-mark"])
def test_text_that_is_not_utf8_names_file_and_line(tmp_path: Path, bom: bytes) -> None:
    (tmp_path / "tool.sarif").write_bytes(bom + b'{\n  "version": "2.1.0",\n  "runs": ["\xff"]\n}\n')
    with pytest.raises(CheckFailed) as raised:
        SarifCheck().run(CheckContext(root=tmp_path, options={}))
    assert raised.value.bad_input and str(raised.value).startswith("tool.sarif:3: not UTF-8 text")


def test_files_option_is_a_tree_path_in_the_schema() -> None:
    # What makes repository configuration unable to name /etc/... (gatecheck.config.check_trust reads it).
    assert SarifCheck.options_schema["properties"]["files"]["x-gatecheck-path"] == "tree"
    assert json.dumps(SarifCheck.options_schema)  # still plain JSON for `gatecheck plugins --format json`
