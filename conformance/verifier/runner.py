"""Run a verifier command against the test vectors and compare exit codes and reason codes.

For each vector the command is called as::

    CMD ARTIFACT --bundle B1 [--bundle B2 ...] --key K1.pub [--key K2.pub ...] [ARGS ...] --at TIMESTAMP

with absolute paths to a temporary copy of the vector's files, where ARGS are the
vector's own options (``--threshold 2``, ``--policy-digest sha256:...``, ``--max-age 24h``,
``--stage deploy``, ``--require-check sca``, ``--require-predicate provenance``,
``--allow-absent-input PATTERN=REASON``, ``--policy DIR``) in ``gatecheck verify``'s syntax;
``{vector}`` in an option stands for that copy (a policy directory shipped with the vector).
Bundles are DSSE JSON Lines (``*.intoto.jsonl``), Sigstore bundle JSON Lines
(``*.sigstore.jsonl``) or one pretty-printed envelope or bundle (``*.json``). A verifier with
another interface is run through a small wrapper script that translates. A vector passes
when the exit code is the expected one (0 verified, 1 rejected, 2 unreadable input) and, for
rejections, the expected reason code appears as a word in the command's output. Bundles
stored gzip-compressed (``*.gz``) are expanded into a temporary directory first.
"""

from __future__ import annotations

import gzip
import json
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VECTORS_DIR = HERE / "vectors"
KEYS_DIR = HERE / "keys"


@dataclass
class Outcome:
    """One vector's run."""

    name: str
    passed: bool
    detail: str
    exit_code: int
    output: str


def load_manifest(vectors_dir: Path = VECTORS_DIR) -> list[dict[str, Any]]:
    doc = json.loads((vectors_dir / "manifest.json").read_text(encoding="utf-8"))
    vectors: list[dict[str, Any]] = doc["vectors"]
    return vectors


#: Runs an argv and returns (exit code, stdout + stderr).
Executor = Callable[[list[str]], tuple[int, str]]


def subprocess_executor(timeout: float = 60.0) -> Executor:
    """Run the command as a process (what the CLI runner does)."""

    def execute(argv: list[str]) -> tuple[int, str]:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return -1, f"timed out after {timeout:.0f}s"
        except OSError as exc:
            return -1, f"cannot run {argv[0]!r}: {exc}"
        return proc.returncode, proc.stdout + proc.stderr

    return execute


def command_for(vector: dict[str, Any], cmd: list[str], workdir: Path) -> list[str]:
    """The argv for one vector whose files were copied to ``workdir``."""
    artifact = str(workdir / vector["artifact"]) if vector.get("artifact_is_file") else vector["artifact"]
    argv = [*cmd, artifact]
    for bundle in vector["bundles"]:
        argv += ["--bundle", str(workdir / bundle.removesuffix(".gz"))]
    for key in vector["keys"]:
        argv += ["--key", str(KEYS_DIR / f"{key}.pub")]
    argv += [arg.replace("{vector}", str(workdir)) for arg in vector["args"]]
    argv += ["--at", vector["at"]]
    return argv


def run_vector(vector: dict[str, Any], cmd: list[str], vectors_dir: Path = VECTORS_DIR,
               execute: Executor | None = None) -> Outcome:
    name = vector["name"]
    with tempfile.TemporaryDirectory(prefix=f"gc-vector-{name}-") as tmp:
        workdir = Path(tmp)
        if (vectors_dir / name).is_dir():  # a vector about a missing bundle has no files (and git keeps no empty dir)
            shutil.copytree(vectors_dir / name, workdir, dirs_exist_ok=True)
        for packed in workdir.glob("*.gz"):
            packed.with_suffix("").write_bytes(gzip.decompress(packed.read_bytes()))
            packed.unlink()
        returncode, output = (execute or subprocess_executor())(command_for(vector, cmd, workdir))
    want_exit = vector["expect"]["exit"]
    want_reason = vector["expect"]["reason"]
    if returncode != want_exit:
        return Outcome(name, False, f"exit {returncode}, expected {want_exit}", returncode, output)
    if want_reason and not re.search(rf"\b{re.escape(want_reason)}\b", output):
        return Outcome(name, False, f"reason {want_reason} not in the output", returncode, output)
    return Outcome(name, True, f"exit {returncode}" + (f" {want_reason}" if want_reason else ""),
                   returncode, output)


def run_all(cmd: str, only: list[str] | None = None, vectors_dir: Path = VECTORS_DIR,
            execute: Executor | None = None, jobs: int = 1) -> list[Outcome]:
    argv = shlex.split(cmd)
    vectors = [v for v in load_manifest(vectors_dir) if not only or v["name"] in only]
    if jobs <= 1:
        return [run_vector(v, argv, vectors_dir, execute) for v in vectors]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda v: run_vector(v, argv, vectors_dir, execute), vectors))
