"""The public face of gatecheck for plugin authors: everything a plugin imports, from one module.

A plugin (built-in or third-party) imports from ``gatecheck.api`` and nothing else in gatecheck;
the modules behind these names may move between releases, these names do not. The hooks a
plugin implements are specified, with an example each, in :mod:`gatecheck.hookspecs` and
``docs/plugins.md``.

Groups:

- **hooks**: :data:`hookimpl`, the marker for hook implementations.
- **checks**: :class:`Check` (the protocol), :class:`CheckBase` (defaults for its optional
  members), :class:`CheckContext` (what a check is given), :class:`KeyFact` (cache-key material that
  is not a file), :class:`GitBase`, :func:`nothing_scanned`, :data:`RUN_EXCLUDE`.
- **documents**: :class:`CheckResult`, :class:`Finding`, :class:`Location`, :class:`Fix`,
  :class:`Suppression`, :class:`Tool`, :class:`Package`, :class:`Artifact`, :func:`finding_id`,
  :func:`severity_counts`, :data:`SEVERITIES`, :data:`SEVERITY_RANK`, :data:`Severity`.
- **errors**: :class:`GatecheckError` (the root), :class:`BadInput`, :class:`CheckFailed`, and the
  exit codes.
- **the tree under judgement**: :class:`Repository`, :class:`RepoFile`, :class:`OutsideRepository`,
  :func:`normalize`, :func:`matches_any`, :class:`GitTree`, :class:`GitTreeError`.
- **small tools**: :func:`atomic_write`, :func:`read_limited_text` (a configuration-side file's
  text, size-limited, bad input naming file and line), source positions (:func:`locate`, the line of a JSON path;
  :func:`json_key_line`, :func:`locate_toml`, :func:`toml_key_line`, :func:`toml_table_lines`),
  :func:`gc_paused`, :func:`scrub`, :func:`scrub_url_credentials`, :mod:`limits` (bounded parsing),
  :func:`cache_directory`, :func:`canonical_json`, digests (:func:`sha256_hex`, :func:`file_sha256`, :func:`stream_sha256`,
  :func:`prefixed`, :func:`bare_sha256`), time (:func:`utc_now`, :func:`parse_rfc3339` for documents,
  :func:`parse_iso8601` for what a person writes, :func:`format_seconds`, :func:`format_micro`).
- **SARIF rule help**: :class:`RuleDoc`, :func:`rules_artifact`.
- **keys**: :class:`PublicKey`, :class:`PrivateKey`, :func:`load_private_pem`,
  :func:`load_public_key_file`.
- **command-line front ends** (the ``gatecheck_commands`` hook): :class:`Output`, :func:`info`,
  :func:`notice`, :func:`output_options`, :func:`parse_duration` and :class:`Duration` (its click
  type), :mod:`cli_inputs` (file arguments, ``-`` for stdin), :func:`run_check` (run one check the
  way ``gatecheck run`` would), :func:`load_config` and :class:`Config` (a project's configuration:
  its check options and where its configuration-side files come from).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gatecheck import __version__, hookimpl, limits
from gatecheck.attest.keys import PrivateKey, PublicKey, load_private_pem, load_public_key_file
from gatecheck.cache import cache_directory
from gatecheck.canonical import canonical_json
from gatecheck.checks import RUN_EXCLUDE, Check, CheckBase, CheckContext, GitBase, KeyFact, nothing_scanned
from gatecheck.cli import inputs as cli_inputs
from gatecheck.cli.durations import Duration
from gatecheck.cli.durations import parse as parse_duration
from gatecheck.cli.output import Output, info, notice, output_options
from gatecheck.config import Config
from gatecheck.config import load as load_config
from gatecheck.digests import bare_sha256, file_sha256, prefixed, sha256_hex, stream_sha256
from gatecheck.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, BadInput, CheckFailed, GatecheckError
from gatecheck.files import atomic_write
from gatecheck.gcpause import paused as gc_paused
from gatecheck.git import GitTree, GitTreeError
from gatecheck.model import (
    SEVERITIES,
    SEVERITY_RANK,
    Artifact,
    CheckResult,
    Finding,
    Fix,
    Location,
    Package,
    Severity,
    Suppression,
    Tool,
    finding_id,
    severity_counts,
)
from gatecheck.positions import json_key_line, locate, locate_toml, toml_key_line, toml_table_lines
from gatecheck.redact import scrub, scrub_url_credentials
from gatecheck.reports.sarif import RuleDoc, rules_artifact
from gatecheck.repository import OutsideRepository, RepoFile, Repository, matches_any, normalize
from gatecheck.timestamps import format_micro, format_seconds, parse_iso8601, parse_rfc3339, utc_now
from gatecheck.trust import read_limited_text

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "RUN_EXCLUDE",
    "SEVERITIES",
    "SEVERITY_RANK",
    "Artifact",
    "BadInput",
    "Check",
    "CheckBase",
    "CheckContext",
    "CheckFailed",
    "CheckResult",
    "Config",
    "Duration",
    "Finding",
    "Fix",
    "GatecheckError",
    "GitBase",
    "GitTree",
    "GitTreeError",
    "KeyFact",
    "Location",
    "Output",
    "OutsideRepository",
    "Package",
    "PrivateKey",
    "PublicKey",
    "RepoFile",
    "Repository",
    "RuleDoc",
    "Severity",
    "Suppression",
    "Tool",
    "__version__",
    "atomic_write",
    "bare_sha256",
    "cache_directory",
    "canonical_json",
    "cli_inputs",
    "file_sha256",
    "finding_id",
    "format_micro",
    "format_seconds",
    "gc_paused",
    "hookimpl",
    "info",
    "json_key_line",
    "limits",
    "load_config",
    "load_private_pem",
    "load_public_key_file",
    "locate",
    "locate_toml",
    "matches_any",
    "normalize",
    "nothing_scanned",
    "notice",
    "output_options",
    "parse_duration",
    "parse_iso8601",
    "parse_rfc3339",
    "prefixed",
    "read_limited_text",
    "rules_artifact",
    "run_check",
    "scrub",
    "scrub_url_credentials",
    "severity_counts",
    "sha256_hex",
    "stream_sha256",
    "toml_key_line",
    "toml_table_lines",
    "utc_now",
]


def run_check(path: Path, config_path: Path | None, check: str, *, options: dict[str, Any] | None = None,
              use_cache: bool = False) -> CheckResult:
    """Run one check on the project at ``path`` as ``gatecheck run --check CHECK`` would (its
    configuration, scan paths, excludes, scratch directory), with ``options`` laid over the
    configured ones; for a plugin's own command (``gatecheck secrets baseline``).

    Raises :class:`BadInput` for a bad configuration or a check no installed plugin provides.
    """
    # Imported here: the gate pulls in the policy engines, which a plugin module must not load
    # at import time (``gatecheck --help`` imports every plugin).
    from gatecheck import config as config_mod
    from gatecheck.gate import GateOptions, plan, run_settings
    from gatecheck.plugin_manager import Plugins
    from gatecheck.runner import run_checks

    cfg = config_mod.load(path, config_path)
    gate_options = GateOptions(only=[check], use_cache=use_cache, jobs=1)
    runs = plan(cfg, Plugins(), gate_options)
    if not runs:
        raise BadInput(f"no installed plugin provides check {check!r}", key="--check")
    run = runs[0]
    run.options = {**run.options, **(options or {})}
    return run_checks([run], run_settings(cfg, gate_options))[0]
