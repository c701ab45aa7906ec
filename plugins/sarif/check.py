"""Check ``sarif``: judge SARIF 2.1.0 files written by any other tool alongside gatecheck's own checks.

Teams already run scanners gatecheck does not wrap (CodeQL, Trivy, ESLint, Bandit...).
This check turns their SARIF into gatecheck findings so one policy judges everything.

Rules it keeps:
- A file that is not valid JSON or not SARIF 2.1.0 is a check error that names the file
  and line (bad input, exit 2), never "no findings".
- A run whose tool reports a failed invocation is a check error: the tool did not finish.
- Results the producing tool marked as suppressed are not findings, but they are counted
  and listed in the summary; results with ``baselineState: absent`` (fixed) are skipped.
- Runs written by gatecheck itself are ignored, so a report left in the tree is not
  judged twice.
- The SARIF files are files of the tree under judgement, so they are listed and read only
  through the repository view (``ctx.scan_files`` / ``ctx.read_bytes``): a symlink out of the
  tree, a FIFO or a device is never opened (the gate itself reports it as
  ``gatecheck/unsafe-path``), ``files`` globs from repository configuration cannot name a path
  outside the tree, and a file over ``max_file_size`` is bad input rather than read whole.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatecheck.api import (
    RUN_EXCLUDE,
    BadInput,
    CheckBase,
    CheckContext,
    CheckFailed,
    CheckResult,
    Finding,
    OutsideRepository,
    RuleDoc,
    Tool,
    finding_id,
    limits,
    locate,
    normalize,
    nothing_scanned,
    rules_artifact,
)
from gatecheck_plugins.sarif import document_schema, results

__version__ = "1.3.0"

#: The check's name: its table in the configuration (``[checks.sarif]``) and its findings' ``check``.
CHECK = "sarif"
DEFAULT_FILES = ["**/*.sarif", "**/*.sarif.json"]
#: Largest SARIF file read unless ``max_file_size`` says otherwise. CodeQL's output for a large
#: code base runs to tens of megabytes; a file far beyond that is more likely a mistake (or an
#: attempt to exhaust the gate's memory) than a report, and is refused as bad input.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024


class SarifCheck(CheckBase):
    """Ingests SARIF files into findings."""

    name = CHECK
    version = __version__
    description = "Judge SARIF 2.1.0 files produced by other tools (CodeQL, Trivy, ESLint, ...)."
    options_schema: Mapping[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "files": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                # Repository configuration may only name files inside the tree (gatecheck.config.check_trust).
                "x-gatecheck-path": "tree",
                "description": "Globs (relative to the project root, inside it) of the SARIF files to judge.",
            },
            "max_file_size": {
                "type": "integer", "minimum": 1,
                "description": f"Largest SARIF file read, in bytes (default {DEFAULT_MAX_FILE_SIZE}); a larger "
                               "matching file is bad input, never skipped.",
            },
            "required": {
                "type": "boolean",
                "description": "Error, rather than skip, when no file matches.",
            },
        },
    }

    def inputs(self, ctx: CheckContext) -> list[Path]:
        """The SARIF files the repository view lists under the scan paths that match ``files``."""
        return [ctx.repo.root / rel for rel in _selected(ctx)]

    def run(self, ctx: CheckContext) -> CheckResult:
        files = _selected(ctx)
        tool = Tool("sarif-ingest", __version__)
        if not files:
            patterns = ", ".join(ctx.options.get("files", DEFAULT_FILES))
            message = f"no SARIF files matched {patterns}"
            excluded = _selected(ctx, before_excludes=True)
            if excluded:
                raise nothing_scanned(len(excluded), {RUN_EXCLUDE: len(excluded)})
            if ctx.options.get("required", False):
                raise CheckFailed(message)
            return CheckResult(tool=tool, status="skipped", error=message, summary={"files": 0})
        limit = int(ctx.options.get("max_file_size", DEFAULT_MAX_FILE_SIZE))
        sizes = {entry.path: entry.size for entry in ctx.repo.entries()}
        findings: list[Finding] = []
        suppressed: list[dict[str, Any]] = []
        tools: set[str] = set()
        ignored_own = 0
        docs: dict[str, RuleDoc] = {}
        for rel in files:
            ctx.check_cancelled()
            if sizes.get(rel, 0) > limit:
                raise CheckFailed(f"{rel}: {sizes[rel]} bytes, more than the {limit} the sarif check reads; not read "
                                  "(raise [checks.sarif] max_file_size if the file is a real report)", bad_input=True)
            # ctx.read_bytes enforces the limit again: the file may have grown since it was listed.
            doc, text = _load(ctx.read_bytes(rel, limit=limit), rel)
            for run_index, run in enumerate(doc["runs"]):
                driver = run["tool"]["driver"]
                tool_name = str(driver["name"])
                if tool_name.startswith("gatecheck/"):
                    ignored_own += 1
                    continue
                tools.add(tool_name)
                _fail_on_failed_invocation(run, tool_name, rel)
                self._results(ctx, rel, text, run_index, run, findings, suppressed, docs)
        return CheckResult(
            tool=tool,
            findings=findings,
            summary={
                "files": len(files),
                "tools": sorted(tools),
                "findings": len(findings),
                "suppressed": len(suppressed),
                "suppressed_results": suppressed[:200],
                "ignored_gatecheck_runs": ignored_own,
            },
            artifacts=[rules_artifact(docs)],
        )

    def _results(
        self,
        ctx: CheckContext,
        source_file: str,
        text: str,
        run_index: int,
        run: dict[str, Any],
        findings: list[Finding],
        suppressed: list[dict[str, Any]],
        docs: dict[str, RuleDoc],
    ) -> None:
        driver = run["tool"]["driver"]
        tool_name = str(driver["name"])
        rules = {r.get("id"): r for r in driver.get("rules", []) if isinstance(r, dict)}
        rules_by_index = [r for r in driver.get("rules", []) if isinstance(r, dict)]
        occurrences: Counter[tuple[str, str, str]] = Counter()
        for index, result in enumerate(run.get("results", [])):
            where = ("runs", run_index, "results", index)
            if not isinstance(result, dict) or not isinstance(result.get("message"), dict):
                raise CheckFailed(
                    f"{source_file}:{locate(text, where)}: result {index} of run {run_index} has no message object",
                    bad_input=True,
                )
            rule_id = result.get("ruleId") or (result.get("rule") or {}).get("id")
            rule_index = result.get("ruleIndex", (result.get("rule") or {}).get("index"))
            if not rule_id and isinstance(rule_index, int) and 0 <= rule_index < len(rules_by_index):
                rule_id = rules_by_index[rule_index].get("id")
            rule_id = str(rule_id or "unknown-rule")
            rule = rules.get(rule_id, {})
            if result.get("baselineState") == "absent":
                continue
            location = results.location(ctx, result)
            title = results.message(result, rule)
            if result.get("suppressions") and any(
                s.get("status", "accepted") == "accepted" for s in result["suppressions"] if isinstance(s, dict)
            ):
                suppressed.append({
                    "tool": tool_name, "rule_id": rule_id, "path": location.path if location else None,
                    "line": location.start_line if location else None,
                })
                continue
            key_material = results.identity(result, title)
            rel = location.path if location else ""
            occurrence = occurrences[(rule_id, rel, key_material)]
            occurrences[(rule_id, rel, key_material)] += 1
            fid = finding_id(self.name, f"{tool_name}/{rule_id}", path=rel or None,
                             key=f"{key_material}\0{occurrence}")
            rule_props = rule.get("properties", {}) if isinstance(rule.get("properties"), dict) else {}
            if f"{tool_name}/{rule_id}" not in docs:
                docs[f"{tool_name}/{rule_id}"] = results.rule_doc(rule, rule_props)
            help_uri = rule.get("helpUri")
            findings.append(Finding(
                id=fid,
                check=self.name,
                rule_id=f"{tool_name}/{rule_id}",
                title=title,
                severity=results.severity(result, rule),  # type: ignore[arg-type]
                confidence=results.confidence(rule_props),  # type: ignore[arg-type]
                location=location,
                references=[help_uri] if isinstance(help_uri, str) else [],
                metadata={
                    "tool": tool_name,
                    "tool_rule_id": rule_id,
                    "source_file": source_file,
                    **({"tags": rule_props["tags"]} if isinstance(rule_props.get("tags"), list) else {}),
                },
            ))


def _selected(ctx: CheckContext, *, before_excludes: bool = False) -> list[str]:
    """Root-relative paths of the listed files under the scan paths that match the ``files`` globs
    (with ``before_excludes``, also those the gate's ``[run] exclude`` leaves out).

    Only the repository view's listing is searched, so a glob can never reach a symlink out of
    the tree or a special file. The globs are checked again here because trusted (operator)
    configuration is not held to ``x-gatecheck-path``: a glob outside the tree could never match
    a listed file, and saying so beats a silent "no SARIF files matched".
    """
    patterns: list[str] = []
    for index, pattern in enumerate(ctx.options.get("files", DEFAULT_FILES)):
        try:
            patterns.append(normalize(pattern, what=f"checks.sarif.files[{index}]"))
        except OutsideRepository as exc:
            raise CheckFailed(f"{exc.message}; SARIF files are read only from the tree being gated",
                              bad_input=True) from exc
    listed = ctx.candidate_files() if before_excludes else ctx.scan_files()
    return [
        rel for rel in listed
        if any(fnmatch.fnmatch(rel, p) or (p.startswith("**/") and fnmatch.fnmatch(rel, p[3:])) for p in patterns)
    ]


def _load(data: bytes, rel: str) -> tuple[dict[str, Any], str]:
    """Parse and shape-check one SARIF document; anything malformed is bad input naming file and line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = bytes(exc.object).count(b"\n", 0, exc.start) + 1  # exc.object: the bytes after a BOM, as exc.start is
        raise CheckFailed(f"{rel}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})", bad_input=True) from exc
    try:
        doc = limits.load_json(text, rel)
    except BadInput as exc:
        raise CheckFailed(exc.describe(), bad_input=True) from exc
    found = document_schema.problem(doc)
    if found is not None:
        where, message = found
        dotted = ".".join(str(p) for p in where) or "the document"
        raise CheckFailed(f"{rel}:{locate(text, where) or 1}: not SARIF 2.1.0: {dotted}: {message}", bad_input=True)
    return doc, text


def _fail_on_failed_invocation(run: dict[str, Any], tool_name: str, rel: str) -> None:
    for invocation in run.get("invocations", []) or []:
        if isinstance(invocation, dict) and invocation.get("executionSuccessful") is False:
            notes = [
                n.get("message", {}).get("text", "")
                for n in invocation.get("toolExecutionNotifications", []) or []
                if isinstance(n, dict) and n.get("level", "warning") == "error"
            ]
            detail = f": {notes[0]}" if notes else ""
            raise CheckFailed(f"{rel}: {tool_name} reports that its run did not complete{detail}")
