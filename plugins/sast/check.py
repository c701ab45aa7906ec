"""The ``sast`` check: semgrep with gatecheck's own rule pack, judged and fingerprinted by gatecheck.

A run goes: load the rule packs (gatecheck's, plus the ``rules`` the configuration source
holds, :mod:`.rulepack`, :mod:`.config_files`) -> choose the target files from the repository
view (:mod:`.targets`) -> hand semgrep exactly those, rewritten where its parser lacks their
syntax (:mod:`.file_versions`), in one run (:mod:`.semgrep`) -> turn each match into a finding
with a fingerprint of rule + path + normalized matched code + occurrence (:mod:`.findings`,
:mod:`.scan`) -> apply ``nosemgrep`` comments that give a rule and a reason, listing each as a
``CheckResult.suppressions`` entry (:mod:`.suppressions`) -> in diff-aware mode drop findings
that already existed at the base (:mod:`.diff_aware`). Anything semgrep could not do is an error
or a listed warning, never a quiet "no findings"; and a run whose ignore rules or excludes leave
out every candidate file is an error, not a pass.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatecheck.api import (
    CheckBase,
    CheckContext,
    CheckFailed,
    CheckResult,
    GitBase,
    KeyFact,
    Tool,
    rules_artifact,
    severity_counts,
)
from gatecheck_plugins.sast import config_files, diff_aware, scan
from gatecheck_plugins.sast.file_versions import FileVersion, file_versions
from gatecheck_plugins.sast.findings import INCOMPLETE_ANALYSIS, FindingMaker
from gatecheck_plugins.sast.rule_help import rule_docs
from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, RulePack, load_pack
from gatecheck_plugins.sast.semgrep import EngineSettings, installed_version, run_pack
from gatecheck_plugins.sast.shadow import ShadowTree
from gatecheck_plugins.sast.suppressions import stripped_lines
from gatecheck_plugins.sast.targets import IgnoreSpec, TargetSelection, load_ignores, nothing_scanned, scan_scope, select_targets

__version__ = "1.3.0"

CHECK = "sast"
#: How many paths a summary lists per category before it only counts.
LIST_LIMIT = 200
#: Where, in the diff-aware scratch tree, the base versions of the changed files are laid out.
BASE_VERSIONS = ".gatecheck-base"


@dataclass
class Prepared:
    """What both :meth:`SastCheck.inputs` and :meth:`SastCheck.run` need, worked out once per run."""

    pack: RulePack
    ignores: IgnoreSpec
    selection: TargetSelection
    #: The base of ``baseline_ref`` (diff-aware mode); None without it.
    base: GitBase | None = None


class SastCheck(CheckBase):
    """Static analysis of the project's source with semgrep and gatecheck's rule pack."""

    name = CHECK
    version = __version__
    description = "Static analysis with semgrep (offline) and gatecheck's own rule pack; diff-aware for pull requests."
    options_schema: Mapping[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "paths": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "x-gatecheck-path": "tree",
                "description": "Directories or files to scan, relative to the project root "
                               "(default: the gate's [run] paths, else the whole project).",
            },
            "exclude": {
                "type": "array", "items": {"type": "string", "minLength": 1},
                "description": "Paths to leave out, as .semgrepignore / gitignore patterns.",
            },
            "ignore_files": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "x-gatecheck-path": "config",
                "description": "Ignore files with .semgrepignore semantics, read from the configuration source "
                               "(the trusted ref or directory in trusted mode; default: its .semgrepignore "
                               "when it has one). [] ignores nothing.",
            },
            "include": {
                "type": "array", "items": {"type": "string", "minLength": 1},
                "description": "File name globs to scan (default: derived from the rules' languages).",
            },
            "rules": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "x-gatecheck-path": "config",
                "description": "Extra semgrep rule files or directories, relative to the project root, read from "
                               "the configuration source (the trusted ref or directory in trusted mode).",
            },
            "builtin_rules": {"type": "boolean", "description": "Use gatecheck's own rule pack (default true)."},
            "exclude_rules": {
                "type": "array", "items": {"type": "string", "minLength": 1},
                "description": "Rule ids not to run.",
            },
            "baseline_ref": {
                "type": "string", "minLength": 1,
                "description": "Git ref (origin/main): report only findings that are new since its merge base.",
            },
            "rule_timeout": {"type": "integer", "minimum": 0,
                             "description": "Whole seconds semgrep may spend on one rule for one file; "
                                            "0 for no limit (default 10)."},
            "timeout_threshold": {"type": "integer", "minimum": 0,
                                  "description": "Rule timeouts on one file before semgrep skips it (default 3)."},
            "jobs": {"type": "integer", "minimum": 1, "description": "semgrep worker processes."},
            "max_file_bytes": {"type": "integer", "minimum": 0,
                               "description": "Skip (and report) larger files; 0 for no limit (default 1000000)."},
            "strict": {"type": "boolean",
                       "description": "Make skipped files, parse errors and rule timeouts check errors, not warnings."},
        },
    }

    # -- once per run ----------------------------------------------------------------------

    def prepare(self, ctx: CheckContext) -> Prepared:
        """The rule packs, the ignore rules, the files to scan and, in diff-aware mode, the base commit."""
        pack = self._pack(ctx)
        ignores, selection = self._targets(ctx, pack)
        ref = ctx.options.get("baseline_ref")
        return Prepared(pack, ignores, selection, ctx.git_base(ref) if ref else None)

    # -- cache key -------------------------------------------------------------------------

    def inputs(self, ctx: CheckContext) -> list[Path | KeyFact]:
        """The scanned source files, the rule files, the ignore files and, in diff-aware mode, the
        resolved base commit (so a moved base is a cache miss)."""
        prepared = self.prepared(ctx, Prepared)
        inputs: list[Path | KeyFact] = [*(ctx.repo.root / rel for rel in prepared.selection.files),
                                        *prepared.pack.files, *prepared.ignores.files]
        if prepared.base is not None:
            inputs.append(KeyFact("base_commit", prepared.base.commit))
        return inputs

    # -- run -------------------------------------------------------------------------------

    def run(self, ctx: CheckContext) -> CheckResult:
        prepared = self.prepared(ctx, Prepared)
        pack, selection = prepared.pack, prepared.selection
        settings = EngineSettings(
            rule_timeout=int(ctx.options.get("rule_timeout", 10)),
            timeout_threshold=int(ctx.options.get("timeout_threshold", 3)),
            jobs=ctx.options.get("jobs"),
            exclude_rules=list(ctx.options.get("exclude_rules", [])),
        )
        tool = Tool("semgrep", installed_version())
        summary: dict[str, Any] = {
            "engine": "semgrep",
            "rules": len(pack.rules),
            "rule_files": len(pack.files),
            "builtin_rules": any(r.builtin for r in pack.rules.values()),
            "files_candidates": selection.candidates,
            "files_selected": len(selection.files),
            "ignored": {"count": len(selection.ignored), "by": selection.ignored_by_source(),
                        "paths": [i["path"] for i in selection.ignored[:LIST_LIMIT]]},
        }
        rels = list(selection.files)
        base: diff_aware.DiffBase | None = None
        if prepared.base is not None:
            base = diff_aware.compute(ctx, prepared.base)
            rels = [r for r in rels if r in base.changed]
            summary["baseline"] = {
                "ref": base.ref, "commit": base.commit, "merge_base": base.merge_base,
                "changed_files": len(rels),
            }
        if selection.too_large and ctx.options.get("strict", False):
            # Strict mode would fail after the scan anyway; say so before spending minutes on it.
            first = selection.too_large[0]
            raise CheckFailed(f"{first['path']}: not scanned ({first['reason']}); strict mode allows no skipped files")
        if not selection.files:
            summary.update(files_scanned=0, skipped_files=selection.too_large[:LIST_LIMIT])
            if selection.candidates:
                # An ignore file is configuration the change under judgement may have written
                # (".semgrepignore" with "*"): scanning nothing because of it must not read as a pass.
                return CheckResult(tool=tool, status="error", error=nothing_scanned(selection), summary=summary)
            message = "no files to scan" + (f" matching {', '.join(self._patterns(ctx, pack))}")
            return CheckResult(tool=tool, status="skipped", error=message, summary=summary)

        limit = int(ctx.options.get("max_file_bytes", 1_000_000)) or None
        with tempfile.TemporaryDirectory(prefix="gatecheck-sast-") as scratch:
            work = ctx.work_dir or Path(scratch)
            unreadable: list[dict[str, str]] = []
            shadow = ShadowTree(Path(scratch) / "current")
            before: list[FileVersion] = []
            base_lines: dict[str, frozenset[str]] | None = None
            if base is None:
                current = file_versions(rels, lambda rel: ctx.read_bytes(rel, limit=limit), shadow, unreadable)
            else:
                # Diff-aware: one semgrep run over one scratch tree that holds the changed files
                # (copied; rewritten there when needed) and, beneath it, their base versions.
                def copy(rel: str) -> bytes:
                    data = ctx.read_bytes(rel, limit=limit)
                    shadow.write(rel, data)
                    return data

                current = file_versions(rels, copy, shadow, unreadable, in_place=True)
                tree = ShadowTree(shadow.root / BASE_VERSIONS)
                existed = diff_aware.materialize(ctx, base, [v.rel for v in current], tree.root)
                before = file_versions(existed, lambda rel: tree.path(rel).read_bytes(), tree, [], in_place=True)
                base_lines = {version.rel: stripped_lines(version.data) for version in before}
            # One semgrep run over the current files, their rewrites and their base versions.
            out = (run_pack(ctx, pack, settings, [v.argv for v in [*current, *before]], work, trees=(shadow.root,))
                   if current else None)
            outcome = (scan.judge(ctx, current, out, self._maker(ctx, pack), base_lines=base_lines)
                       if out else scan.ScanOutcome())
            outcome.skipped.extend(unreadable)
            tool = Tool("semgrep", outcome.version or tool.version)
            if base is not None:
                preexisting = 0
                if before and out is not None:
                    known = scan.judge(ctx, before, out, self._maker(ctx, pack), base=True)
                    preexisting = diff_aware.drop_preexisting(outcome, known)
                summary["baseline"]["preexisting"] = preexisting
                summary["baseline"]["unchanged_files_scanned"] = False
                summary["baseline"]["message"] = (
                    f"{preexisting} pre-existing finding(s) in the {len(rels)} changed file(s) set aside "
                    f"(present at {base.commit[:12]}); findings in unchanged files are not reported")

        problems = outcome.problems
        skipped = [*selection.too_large, *outcome.skipped]
        # A file not scanned at all is a blind spot too: say so where it is, not only in the summary.
        maker = self._maker(ctx, pack)
        reported = {f.location.path for f in outcome.findings if f.rule_id == INCOMPLETE_ANALYSIS and f.location}
        outcome.findings += [
            maker.notice(INCOMPLETE_ANALYSIS, s["path"], 1, "medium", key=f"not scanned {s['reason']}",
                         title=f"this file was not scanned ({s['reason']}); findings in it may be missing",
                         metadata={"reason": s["reason"]})
            for s in skipped if s["path"] not in reported and (base is None or s["path"] in base.changed)]
        warnings = [p.describe() for p in problems] + [f"{s['path']}: not scanned ({s['reason']})" for s in skipped]
        unknown = [u for u in outcome.unused_suppressions if u.get("unknown_rules")]
        warnings += [f"{u['path']}:{u['line']}: nosemgrep names unknown rule(s) {', '.join(u['unknown_rules'])}"
                     for u in unknown]
        summary.update({
            "fallback": outcome.fallback[:LIST_LIMIT],
            "files_scanned": outcome.scanned,
            "findings": len(outcome.findings),
            "by_severity": severity_counts(outcome.findings),
            "subsumed": outcome.subsumed,
            "suppressed_count": len(outcome.suppressed),
            "suppressed": outcome.suppressed[:LIST_LIMIT],
            "unused_suppressions": outcome.unused_suppressions[:LIST_LIMIT],
            "skipped_files": skipped[:LIST_LIMIT],
            "scan_errors": [p.to_dict() for p in problems[:LIST_LIMIT]],
            "warnings": warnings[:LIST_LIMIT],
        })
        if warnings and ctx.options.get("strict", False):
            raise CheckFailed(f"semgrep did not scan everything ({len(warnings)} problems, strict mode): {warnings[0]}")
        return CheckResult(tool=tool, findings=outcome.findings, summary=summary, suppressions=outcome.suppressions,
                           artifacts=[rules_artifact(rule_docs(pack, outcome.findings))])

    # -- helpers ---------------------------------------------------------------------------

    def _maker(self, ctx: CheckContext, pack: RulePack) -> FindingMaker:
        """A finding maker for one pass over a set of files (occurrences are numbered per pass)."""
        return FindingMaker(CHECK, pack, lambda path: config_files.name_of(ctx, path))

    def _pack(self, ctx: CheckContext) -> RulePack:
        locations: list[tuple[Path, bool]] = []
        if ctx.options.get("builtin_rules", True):
            locations.append((BUILTIN_RULES, True))
        for rel in ctx.options.get("rules", []):
            local = config_files.rule_location(ctx, rel, key="checks.sast.rules")
            if local is None:
                raise CheckFailed(f"rule location {config_files.display(ctx, rel)} does not exist (option checks.sast.rules)",
                                  bad_input=True)
            locations.append((local, False))
        if not locations:
            raise CheckFailed("checks.sast: builtin_rules is false and no rules are configured: nothing would be checked",
                              bad_input=True)
        return load_pack(locations, lambda path: config_files.name_of(ctx, path), lambda path: config_files.confine(ctx, path))

    def _patterns(self, ctx: CheckContext, pack: RulePack) -> list[str]:
        if ctx.options.get("include"):
            return list(ctx.options["include"])
        patterns, unmapped = pack.patterns()
        if unmapped:
            raise CheckFailed(
                f"checks.sast: rules for language(s) {', '.join(unmapped)} have no known file types; "
                "set checks.sast.include to the file name globs to scan",
                bad_input=True,
            )
        return patterns

    def _targets(self, ctx: CheckContext, pack: RulePack) -> tuple[IgnoreSpec, TargetSelection]:
        scope = scan_scope(ctx, ctx.options.get("paths"))
        ignores = load_ignores(ctx, ctx.options.get("ignore_files"), list(ctx.options.get("exclude", [])))
        selection = select_targets(ctx, scope, self._patterns(ctx, pack), ignores,
                                   int(ctx.options.get("max_file_bytes", 1_000_000)))
        return ignores, selection
