"""The ``sast`` check: semgrep with gatecheck's own rule pack, judged and fingerprinted by gatecheck.

A run goes: load the rule packs (gatecheck's, plus the ``rules`` the configuration source
holds, :mod:`.sources`) -> choose the target files from the repository view (:mod:`.targets`)
-> run semgrep on exactly those (:mod:`.engine`) -> turn each match into a finding with a
fingerprint of rule + path + normalized matched code + occurrence -> apply ``nosemgrep``
comments that give a rule and a reason, listing each as a ``CheckResult.suppressions`` entry
(:mod:`.suppressions`) -> in diff-aware mode drop findings that already existed at the base
(:mod:`.baseline`). Anything semgrep could not do is an error or a listed warning, never a
quiet "no findings"; and a run whose ignore rules or excludes leave out every candidate file
is an error, not a pass.
"""

from __future__ import annotations

import ast
import hashlib
import re
import tempfile
import tokenize
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult, Finding, Location, Suppression, Tool, finding_id, severity_counts
from gatecheck.reports.sarif import RuleDoc, rules_artifact
from gatecheck_plugins.sast import baseline as baseline_mod
from gatecheck_plugins.sast import fallback, sources
from gatecheck_plugins.sast.engine import (
    EngineOutput,
    EngineProblem,
    EngineSettings,
    SemgrepFailed,
    installed_version,
    run_semgrep,
)
from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, SEVERITIES, Rule, RulePack, load_pack
from gatecheck_plugins.sast.shadow import LineMap, ShadowTree
from gatecheck_plugins.sast.suppressions import Marker, added_since, covering, find_markers, stripped_lines
from gatecheck_plugins.sast.targets import (
    IgnoreSpec,
    TargetSelection,
    load_ignores,
    nothing_scanned,
    scan_scope,
    select_targets,
)

__version__ = "1.3.0"

CHECK = "sast"
#: The finding a nosemgrep comment without a rule id or reason becomes.
BARE_NOSEMGREP = "gatecheck.sast.bare-nosemgrep"
#: The finding for a file semgrep could not fully analyse (a parse error, rules that timed out).
INCOMPLETE_ANALYSIS = "gatecheck.sast.incomplete-analysis"
#: The finding for a file analysed through :mod:`.fallback`'s rewrite of syntax semgrep lacks.
FALLBACK_ANALYSIS = "gatecheck.sast.fallback-analysis"
#: How many paths a summary lists per category before it only counts.
LIST_LIMIT = 200

_CWE = re.compile(r"CWE-(\d+)")


@dataclass
class ScanOutcome:
    """What one semgrep pass over a set of files amounts to."""

    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    #: The suppressed findings for the summary (the finding's own line, not the comment's).
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    unused_suppressions: list[dict[str, Any]] = field(default_factory=list)
    problems: list[EngineProblem] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: Files analysed through the rewrite of syntax semgrep's parser lacks: ``{"path", "constructs"}``.
    fallback: list[dict[str, Any]] = field(default_factory=list)
    scanned: int = 0
    #: Matches dropped because a more precise rule reported the same lines (``metadata.subsumed_by``).
    subsumed: int = 0
    version: str = ""


@dataclass
class Source:
    """One file version semgrep is handed: a file of the tree, or a base version in diff-aware mode."""

    #: The root-relative path it stands for.
    rel: str
    #: Its bytes: what findings are fingerprinted and nosemgrep comments are read from.
    data: bytes
    #: The path semgrep is given: ``rel``, or a file in a :class:`ShadowTree`.
    argv: str
    #: For a rewritten file, how positions in the rewrite map back to ``data``.
    lines: LineMap | None = None
    #: The syntax the rewrite replaced.
    constructs: list[fallback.Construct] = field(default_factory=list)
    #: Where and why Python cannot parse what semgrep is handed, if it cannot: semgrep recovers
    #: from some syntax errors without reporting them, reading only part of the file.
    syntax_error: tuple[int, str] | None = None


class SastCheck:
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

    # -- cache key -------------------------------------------------------------------------

    def inputs(self, ctx: CheckContext) -> list[Path]:
        """The scanned source files, the rule files, the ignore files and, in diff-aware mode,
        a file holding the resolved base commit (so a moved base is a cache miss)."""
        pack = self._pack(ctx)
        ignores, selection = self._targets(ctx, pack)
        inputs = [*(ctx.repo.root / rel for rel in selection.files), *pack.files, *ignores.files]
        ref = ctx.options.get("baseline_ref")
        if ref and ctx.work_dir is not None:
            commit = ctx.git_base(ref).commit
            marker = ctx.work_dir / f"baseline-{hashlib.sha256(ref.encode()).hexdigest()[:16]}.txt"
            marker.parent.mkdir(parents=True, exist_ok=True)
            if not marker.is_file() or marker.read_text() != commit:
                marker.write_text(commit)
            inputs.append(marker)
        return inputs

    # -- run -------------------------------------------------------------------------------

    def run(self, ctx: CheckContext) -> CheckResult:
        pack = self._pack(ctx)
        _, selection = self._targets(ctx, pack)
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
        base: baseline_mod.Baseline | None = None
        if ctx.options.get("baseline_ref"):
            base = baseline_mod.compute(ctx, ctx.options["baseline_ref"])
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
            current = self._sources(rels, lambda rel: ctx.read_bytes(rel, limit=limit),
                                    ShadowTree(Path(scratch) / "current"), unreadable)
            before: list[Source] = []
            base_lines: dict[str, frozenset[str]] | None = None
            if base is not None and rels:
                tree = ShadowTree(Path(scratch) / "base")
                existed = baseline_mod.materialize(ctx, base, rels, tree.root)
                before = self._sources(existed, lambda rel: tree.path(rel).read_bytes(), tree, [], in_place=True)
                base_lines = {source.rel: stripped_lines(source.data) for source in before}
            # One semgrep run over the current files, their rewrites and their base versions.
            out = self._run_semgrep(ctx, pack, settings, [*current, *before], work) if current else None
            outcome = self._scan(ctx, pack, current, out, base_lines=base_lines) if out else ScanOutcome()
            outcome.skipped.extend(unreadable)
            tool = Tool("semgrep", outcome.version or tool.version)
            if base is not None:
                preexisting = 0
                if before and out is not None:
                    preexisting = self._drop_preexisting(outcome, self._scan(ctx, pack, before, out, base=True))
                summary["baseline"]["preexisting"] = preexisting
                summary["baseline"]["unchanged_files_scanned"] = False
                summary["baseline"]["message"] = (
                    f"{preexisting} pre-existing finding(s) in the {len(rels)} changed file(s) set aside "
                    f"(present at {base.commit[:12]}); findings in unchanged files are not reported")

        problems = outcome.problems
        skipped = [*selection.too_large, *outcome.skipped]
        # A file not scanned at all is a blind spot too: say so where it is, not only in the summary.
        counter: Counter[tuple[str, str, str]] = Counter()
        reported = {f.location.path for f in outcome.findings if f.rule_id == INCOMPLETE_ANALYSIS and f.location}
        outcome.findings += [
            self._tool_finding(INCOMPLETE_ANALYSIS, s["path"], 1, "medium", counter, key=f"not scanned {s['reason']}",
                               title=f"this file was not scanned ({s['reason']}); findings in it may be missing",
                               metadata={"reason": s["reason"]})
            for s in skipped if s["path"] not in reported and (base is None or s["path"] in base.changed)]
        warnings = [self._describe(p) for p in problems] + [f"{s['path']}: not scanned ({s['reason']})" for s in skipped]
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
                           artifacts=[rules_artifact(_rule_docs(pack, outcome.findings))])

    # -- helpers ---------------------------------------------------------------------------

    def _pack(self, ctx: CheckContext) -> RulePack:
        locations: list[tuple[Path, bool]] = []
        if ctx.options.get("builtin_rules", True):
            locations.append((BUILTIN_RULES, True))
        for rel in ctx.options.get("rules", []):
            local = sources.rule_location(ctx, rel, key="checks.sast.rules")
            if local is None:
                raise CheckFailed(f"rule location {sources.display(ctx, rel)} does not exist (option checks.sast.rules)",
                                  bad_input=True)
            locations.append((local, False))
        if not locations:
            raise CheckFailed("checks.sast: builtin_rules is false and no rules are configured: nothing would be checked",
                              bad_input=True)
        return load_pack(locations, lambda path: sources.name_of(ctx, path), lambda path: sources.confine(ctx, path))

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

    def _sources(
        self,
        rels: list[str],
        read: Callable[[str], bytes],
        tree: ShadowTree,
        unreadable: list[dict[str, str]],
        *,
        in_place: bool = False,
    ) -> list[Source]:
        """The file versions to hand semgrep for ``rels``: the file itself (its root-relative path;
        with ``in_place``, its path in ``tree``, where it already is), or a rewrite in ``tree`` when
        it holds syntax semgrep's main Python parser does not read (:mod:`.fallback`). A file that
        cannot be read is listed in ``unreadable`` and not scanned."""
        sources: list[Source] = []
        for rel in rels:
            try:
                data = read(rel)
            except (OSError, CheckFailed) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix(f"{rel}: ")
                unreadable.append({"path": rel, "reason": f"unreadable: {reason}"})
                continue
            source = Source(rel, data, str(tree.path(rel)) if in_place else rel)
            if rel.endswith((".py", ".pyi")) and fallback.candidate(data):
                try:
                    rewritten = fallback.rewrite(data.decode("utf-8"))
                except (SyntaxError, tokenize.TokenError, UnicodeDecodeError):
                    rewritten = None  # semgrep reports a file it cannot parse itself
                if rewritten is not None:
                    shadow = rewritten.text.encode("utf-8")
                    source.argv = str(tree.write(rel, shadow))
                    source.lines = LineMap(data, shadow)
                    source.constructs = rewritten.constructs
            if rel.endswith((".py", ".pyi")):
                source.syntax_error = _syntax_error(source.lines.shadow if source.lines else data)
            sources.append(source)
        return sources

    def _run_semgrep(
        self, ctx: CheckContext, pack: RulePack, settings: EngineSettings, sources: list[Source], work: Path
    ) -> EngineOutput:
        try:
            return run_semgrep(ctx, rule_files=pack.files, targets=[s.argv for s in sources], cwd=ctx.root,
                               work_dir=work, settings=settings)
        except SemgrepFailed as exc:
            raise self._explain(ctx, pack, exc) from exc

    def _scan(
        self,
        ctx: CheckContext,
        pack: RulePack,
        sources: list[Source],
        out: EngineOutput,
        *,
        base_lines: dict[str, frozenset[str]] | None = None,
        base: bool = False,
    ) -> ScanOutcome:
        """Judge semgrep's output for ``sources`` (one run may hold other files' results too).
        With ``base_lines`` (diff-aware mode: the stripped lines of each file's base version) every
        suppression says whether the change added its comment; ``base`` says these are the base
        versions, judged only for their fingerprints."""
        by_argv = {_norm(s.argv): s for s in sources}
        outcome = ScanOutcome(version=out.version)
        outcome.problems = [replace(p, path=by_argv[_norm(p.path)].rel) for p in out.problems
                            if p.path and _norm(p.path) in by_argv]
        outcome.skipped = [{**s, "path": by_argv[_norm(s["path"])].rel} for s in out.skipped
                           if _norm(s["path"]) in by_argv]
        scanned = {_norm(p) for p in out.scanned} & set(by_argv)
        outcome.scanned = len(scanned)
        if sources and not scanned and not base:
            mine = [p for p in out.problems if not p.path or _norm(p.path) in by_argv]
            detail = f": {self._describe(mine[0])}" if mine else ""
            raise CheckFailed(f"semgrep scanned none of the {len(sources)} selected files{detail}")
        reported = scanned | {_norm(s["path"]) for s in out.skipped} | {_norm(p.path) for p in out.problems if p.path}
        for source in sources:
            if _norm(source.argv) not in reported:
                outcome.skipped.append({"path": source.rel, "reason": "semgrep neither scanned nor skipped it"})

        results: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[str, str, int, int]] = set()
        for result in out.results:
            owner = by_argv.get(_norm(str(result.get("path", ""))))
            if owner is None:
                continue
            if owner.lines is not None:
                result = _remap(result, owner.lines)
            key = (str(result.get("check_id")), owner.rel, _offset(result, "start"), _offset(result, "end"))
            if key in seen:
                continue  # one rule matching the same code twice (overlapping patterns) is one finding
            seen.add(key)
            results.setdefault(owner.rel, []).append(result)

        occurrences: Counter[tuple[str, str, str]] = Counter()
        problems_by_path: dict[str, list[EngineProblem]] = {}
        for problem in outcome.problems:
            problems_by_path.setdefault(problem.path or "", []).append(problem)
        for source in sources:
            ctx.check_cancelled()
            rel, data = source.rel, source.data
            text = data.decode("utf-8", "replace")
            markers = find_markers(text, python=rel.endswith((".py", ".pyi")))
            file_results = _without_subsumed(pack, results.get(rel, []))
            outcome.subsumed += len(results.get(rel, [])) - len(file_results)
            file_results.sort(key=lambda r: (_offset(r, "start"), str(r.get("check_id"))))
            found = [f for f in (self._finding(ctx, pack, rel, data, r, occurrences) for r in file_results) if f]
            found += self._blind_spots(source, problems_by_path.get(rel, []), occurrences)
            if source.constructs:
                outcome.fallback.append({"path": rel, "constructs": [c.describe() for c in source.constructs]})
            for finding in found:
                line = finding.location.start_line if finding.location else None
                marker = self._suppressing(pack, markers, line, finding.rule_id) if line else None
                if marker is not None:
                    marker.used = True
                    outcome.suppressed.append({
                        "finding_id": finding.id, "rule_id": finding.rule_id, "path": rel, "line": line,
                        "reason": marker.reason, "severity": finding.severity,
                    })
                    outcome.suppressions.append(Suppression(
                        rule_id=finding.rule_id, path=rel, line=marker.line, reason=marker.reason,
                        finding_id=finding.id, severity=finding.severity,
                        new=added_since(marker, base_lines.get(rel)) if base_lines is not None else None,
                    ))
                else:
                    outcome.findings.append(finding)
            for marker in markers:
                if not marker.valid:
                    outcome.findings.append(self._bare_marker(rel, marker, occurrences))
                elif not marker.used:
                    unknown = [n for n in marker.rule_names if pack.resolve(n) is None]
                    outcome.unused_suppressions.append({
                        "path": rel, "line": marker.line, "rules": marker.rule_names, "reason": marker.reason,
                        **({"unknown_rules": unknown} if unknown else {}),
                    })
        return outcome

    def _blind_spots(
        self, source: Source, problems: list[EngineProblem], occurrences: Counter[tuple[str, str, str]]
    ) -> list[Finding]:
        """Findings that say where the analysis of a file fell short: semgrep could not parse all of
        it or gave up on rules (:data:`INCOMPLETE_ANALYSIS`), or it holds syntax semgrep's main parser
        lacks and was analysed through gatecheck's rewrite (:data:`FALLBACK_ANALYSIS`)."""
        findings: list[Finding] = []
        if not problems and source.syntax_error is not None:
            line, message = source.syntax_error
            findings.append(self._tool_finding(
                INCOMPLETE_ANALYSIS, source.rel, line, "low", occurrences, key="python syntax error",
                title=f"Python cannot parse this file ({message}, line {line}); semgrep reported no error, "
                      "but may have read only part of it (or read it as Python 2)",
                metadata={"syntax_error": {"line": line, "message": message}}))
        if problems:
            kinds = sorted({p.kind for p in problems})
            rules = sorted({p.rule_id.rsplit(".", 1)[-1] for p in problems if p.rule_id})
            line = min((p.line for p in problems if p.line), default=1)
            detail = f" ({len(rules)} rule(s) gave up: {', '.join(rules[:5])})" if rules else ""
            findings.append(self._tool_finding(
                INCOMPLETE_ANALYSIS, source.rel, line, "medium", occurrences, key=" ".join(kinds),
                title=f"semgrep could not fully analyse this file: {', '.join(kinds)}{detail}; "
                      "findings in it may be missing",
                metadata={"problems": [p.to_dict() for p in problems[:20]]}))
        if source.constructs:
            kinds = sorted({c.kind for c in source.constructs})
            findings.append(self._tool_finding(
                FALLBACK_ANALYSIS, source.rel, source.constructs[0].line, "info", occurrences, key=" ".join(kinds),
                title=f"syntax semgrep's Python parser does not read ({', '.join(kinds)}); "
                      "analysed through gatecheck's line-preserving rewrite",
                metadata={"constructs": [c.describe() for c in source.constructs[:50]]}))
        return findings

    def _tool_finding(
        self, rule_id: str, rel: str, line: int, severity: str, occurrences: Counter[tuple[str, str, str]],
        *, key: str, title: str, metadata: dict[str, Any],
    ) -> Finding:
        counter = (rule_id, rel, key)
        occurrence = occurrences[counter]
        occurrences[counter] += 1
        return Finding(
            id=finding_id(CHECK, rule_id, path=rel, key=f"{key}\0{occurrence}"),
            check=CHECK, rule_id=rule_id, title=title,
            severity=severity,  # type: ignore[arg-type]  # one of the schema's severities
            confidence="high", location=Location(rel, line, line),
            metadata={**metadata, "engine": "gatecheck"},
        )

    def _suppressing(self, pack: RulePack, markers: list[Marker], line: int, rule_id: str) -> Marker | None:
        for marker in covering(markers, line):
            if not marker.valid:
                continue
            for name in marker.rule_names:
                rule = pack.resolve(name)
                if rule is not None and rule.id == rule_id:
                    return marker
        return None

    def _finding(
        self,
        ctx: CheckContext,
        pack: RulePack,
        rel: str,
        data: bytes,
        result: dict[str, Any],
        occurrences: Counter[tuple[str, str, str]],
    ) -> Finding | None:
        check_id = str(result.get("check_id", ""))
        rule: Rule | None = pack.rules.get(check_id) or pack.resolve(check_id)
        extra: dict[str, Any] = result["extra"] if isinstance(result.get("extra"), dict) else {}
        meta: dict[str, Any] = extra["metadata"] if isinstance(extra.get("metadata"), dict) else {}
        rule_id = rule.id if rule else check_id
        start, end = _offset(result, "start"), _offset(result, "end")
        code = data[start:end].decode("utf-8", "replace") if 0 <= start < end <= len(data) else ""
        normalized = " ".join(code.split()) or str(result.get("start", {}).get("line", ""))
        counter_key = (rule_id, rel, normalized)
        occurrence = occurrences[counter_key]
        occurrences[counter_key] += 1
        message = " ".join(str(extra.get("message", "")).split())
        severity = SEVERITIES.get(str(extra.get("severity", "")).upper(), rule.severity if rule else "unknown")
        cwes = sorted({f"CWE-{n}" for item in _as_list(meta.get("cwe")) for n in _CWE.findall(str(item))},
                      key=lambda c: int(c[4:]))
        references = [str(r) for r in _as_list(meta.get("references")) if isinstance(r, str)]
        references += [f"https://cwe.mitre.org/data/definitions/{c[4:]}.html" for c in cwes]
        start_line = _line(result, "start")
        return Finding(
            id=finding_id(CHECK, rule_id, path=rel, key=f"{normalized}\0{occurrence}"),
            check=CHECK,
            rule_id=rule_id,
            title=_title(message) or rule_id,
            severity=severity,  # type: ignore[arg-type]  # one of SEVERITIES' values
            confidence=_confidence(meta.get("confidence")),  # type: ignore[arg-type]
            location=Location(rel, start_line, _line(result, "end") or start_line),
            references=references,
            metadata={
                "message": message,
                "cwe": cwes,
                "category": str(meta.get("category", "security")),
                "owasp": [str(o) for o in _as_list(meta.get("owasp"))],
                "class": str(meta["class"]) if meta.get("class") else None,
                "column": (result.get("start") or {}).get("col"),
                "engine": "semgrep",
                "rule_file": sources.name_of(ctx, rule.file) if rule else None,
            },
        )

    def _bare_marker(self, rel: str, marker: Marker, occurrences: Counter[tuple[str, str, str]]) -> Finding:
        key = (BARE_NOSEMGREP, rel, marker.text)
        occurrence = occurrences[key]
        occurrences[key] += 1
        return Finding(
            id=finding_id(CHECK, BARE_NOSEMGREP, path=rel, key=f"{marker.text}\0{occurrence}"),
            check=CHECK,
            rule_id=BARE_NOSEMGREP,
            title=f"nosemgrep comment {marker.problem}; it suppresses nothing "
                  "(write `# nosemgrep: <rule-id> -- <reason>`)",
            severity="medium",
            confidence="high",
            location=Location(rel, marker.line, marker.line),
            metadata={"comment": marker.text, "rules": marker.rule_names, "engine": "gatecheck"},
        )

    def _drop_preexisting(self, outcome: ScanOutcome, before: ScanOutcome) -> int:
        """Drop from ``outcome`` the findings the base versions of the changed files (``before``)
        already had, suppressed there or not; return how many."""
        known = {f.id for f in before.findings} | {s.finding_id for s in before.suppressions}
        kept = [f for f in outcome.findings if f.id not in known]
        dropped = len(outcome.findings) - len(kept)
        outcome.findings = kept
        return dropped

    def _describe(self, problem: EngineProblem) -> str:
        where = f"{problem.path}: " if problem.path else ""
        rule = f" (rule {problem.rule_id})" if problem.rule_id else ""
        return f"{where}{problem.kind}{rule}: {problem.message}".strip()

    def _explain(self, ctx: CheckContext, pack: RulePack, exc: SemgrepFailed) -> CheckFailed:
        """Point a semgrep failure at the rule file and line it is about, when it names one."""
        for rule_id in exc.rule_ids:
            rule = pack.rules.get(rule_id)
            if rule is not None:
                return CheckFailed(f"{sources.name_of(ctx, rule.file)}:{rule.line}: semgrep rejected rule {rule.id!r}: "
                                   f"{str(exc).split(': ', 1)[-1]}", bad_input=not rule.builtin)
        for file, line in exc.spans:
            path = Path(file)
            if any(path.resolve() == f.resolve() for f in pack.files):
                builtin = BUILTIN_RULES in path.resolve().parents
                return CheckFailed(f"{sources.name_of(ctx, path)}:{line}: {exc}", bad_input=not builtin)
        return exc


#: The check's own rule, about suppression comments rather than code.
BARE_NOSEMGREP_DOC: RuleDoc = {
    "name": "IncompleteNosemgrep",
    "summary": "A nosemgrep comment names no rule or gives no reason, so it suppresses nothing.",
    "description": "gatecheck honours a nosemgrep comment only when it names the rule it silences and says why, "
                   "so that every suppression is specific and reviewable; a bare one is ignored, and the finding "
                   "it meant to hide is reported as well.",
    "fix": "Write `# nosemgrep: <rule-id> -- <reason>`, or remove the comment.",
    "tags": ["suppression"],
}


def _rule_docs(pack: RulePack, findings: list[Finding]) -> dict[str, RuleDoc]:
    """The rules the findings name, described as their rule files describe them: the message as
    written, and semgrep's own metadata conventions (``shortDescription``, ``help``, ``source``,
    ``references``, ``cwe``, ``owasp``, ``confidence``), as semgrep's SARIF output reads them."""
    docs: dict[str, RuleDoc] = {}
    for finding in findings:
        if finding.rule_id in docs:
            continue
        if finding.rule_id == BARE_NOSEMGREP:
            docs[BARE_NOSEMGREP] = BARE_NOSEMGREP_DOC
            continue
        rule = pack.rules.get(finding.rule_id)
        if rule is None:
            continue
        meta = rule.metadata
        cwes = sorted({int(n) for item in _as_list(meta.get("cwe")) for n in _CWE.findall(str(item))})
        doc: RuleDoc = {
            "description": " ".join(rule.message.split()),
            "references": [*(str(r) for r in _as_list(meta.get("references")) if isinstance(r, str)),
                           *(f"https://cwe.mitre.org/data/definitions/{n}.html" for n in cwes)],
            "tags": [*(f"external/cwe/cwe-{n}" for n in cwes),
                     *(f"OWASP-{o}" for o in _as_list(meta.get("owasp")) if isinstance(o, str)),
                     *(str(t) for t in _as_list(meta.get("tags")) if isinstance(t, str))],
        }
        if isinstance(meta.get("shortDescription"), str):
            doc["summary"] = meta["shortDescription"]
        if isinstance(meta.get("help"), str):
            doc["help"] = meta["help"]
        source = meta.get("source") or meta.get("source-rule-url")
        if isinstance(source, str):
            doc["help_uri"] = source
        confidence = str(meta.get("confidence", "")).lower()
        if confidence in ("high", "medium", "low"):
            doc["precision"] = confidence
        if isinstance(meta.get("security-severity"), str | int | float):
            doc["security_severity"] = str(meta["security-severity"])
        docs[finding.rule_id] = doc
    return docs


def _norm(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _offset(result: dict[str, Any], which: str) -> int:
    value = (result.get(which) or {}).get("offset")
    return int(value) if isinstance(value, int) else -1


def _line(result: dict[str, Any], which: str) -> int | None:
    value = (result.get(which) or {}).get("line")
    return int(value) if isinstance(value, int) else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _confidence(value: Any) -> str:
    text = str(value or "").lower()
    return text if text in ("high", "medium", "low") else "medium"


def _title(message: str) -> str:
    """The first sentence of a rule message, short enough for a table cell."""
    first = re.split(r"(?<=[.;:])\s", message, maxsplit=1)[0].rstrip(".;:")
    return first if len(first) <= 160 else first[:157].rstrip() + "..."


def _remap(result: dict[str, Any], lines: LineMap) -> dict[str, Any]:
    """A copy of ``result`` (a match in a rewritten file) with its offsets in the original."""
    copy = dict(result)
    for which in ("start", "end"):
        position = result.get(which)
        if isinstance(position, dict) and isinstance(position.get("offset"), int):
            copy[which] = {**position, "offset": lines.offset(position["offset"], end=which == "end")}
    return copy


def _without_subsumed(pack: RulePack, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``results`` (one file's) without those a stronger rule reported at the same place.

    A rule lists in ``metadata.subsumed_by`` the rules that judge the same code more precisely
    (``pickle-load`` -> ``insecure-deserialization``, which knows the data comes from a request):
    when one of those matches lines that overlap this rule's match, this one adds nothing."""
    lines: dict[str, list[tuple[int, int]]] = {}
    for result in results:
        start, end = _line(result, "start") or 0, _line(result, "end") or 0
        lines.setdefault(str(result.get("check_id", "")), []).append((start, max(start, end)))
    kept: list[dict[str, Any]] = []
    for result in results:
        rule = pack.rules.get(str(result.get("check_id", "")))
        stronger = _as_list(rule.metadata.get("subsumed_by")) if rule else []
        start, end = _line(result, "start") or 0, _line(result, "end") or 0
        end = max(start, end)
        if any(a <= end and start <= b for other in stronger for a, b in lines.get(str(other), [])):
            continue
        kept.append(result)
    return kept


def _syntax_error(data: bytes) -> tuple[int, str] | None:
    """(line, message) of the first syntax error Python finds in ``data``, or None."""
    try:
        compile(data, "<source>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno or 1, exc.msg
    except (ValueError, UnicodeDecodeError) as exc:  # NUL bytes, undecodable text
        return 1, str(exc)
    return None
