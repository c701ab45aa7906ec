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

import hashlib
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult, Finding, Location, Suppression, Tool, finding_id, severity_counts
from gatecheck.reports.sarif import RuleDoc, rules_artifact
from gatecheck_plugins.sast import baseline as baseline_mod
from gatecheck_plugins.sast import sources
from gatecheck_plugins.sast.engine import EngineProblem, EngineSettings, SemgrepFailed, installed_version, run_semgrep
from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, SEVERITIES, Rule, RulePack, load_pack
from gatecheck_plugins.sast.suppressions import Marker, added_since, covering, find_markers, stripped_lines
from gatecheck_plugins.sast.targets import (
    IgnoreSpec,
    TargetSelection,
    load_ignores,
    nothing_scanned,
    scan_scope,
    select_targets,
)

__version__ = "1.2.1"

CHECK = "sast"
#: The finding a nosemgrep comment without a rule id or reason becomes.
BARE_NOSEMGREP = "gatecheck.sast.bare-nosemgrep"
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
    scanned: int = 0
    version: str = ""


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
            commit, _ = baseline_mod.resolve(ctx, ref)
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
            base_dir = Path(scratch) / "base"
            existed: list[str] = []
            base_lines: dict[str, frozenset[str]] | None = None
            if base is not None and rels:
                base_dir.mkdir()
                existed = baseline_mod.materialize(ctx, base, rels, base_dir)
                base_lines = {rel: stripped_lines((base_dir / rel).read_bytes()) for rel in existed}
            outcome = (self._scan(ctx, pack, settings, ctx.root, rels, work,
                                  read=lambda rel: ctx.read_bytes(rel, limit=limit), base_lines=base_lines)
                       if rels else ScanOutcome())
            tool = Tool("semgrep", outcome.version or tool.version)
            if base is not None:
                preexisting = 0
                if existed:
                    before = self._scan(ctx, pack, settings, base_dir, existed, work,
                                        read=lambda rel: (base_dir / rel).read_bytes())
                    preexisting = self._drop_preexisting(outcome, before)
                summary["baseline"]["preexisting_findings"] = preexisting

        problems = outcome.problems
        skipped = [*selection.too_large, *outcome.skipped]
        warnings = [self._describe(p) for p in problems] + [f"{s['path']}: not scanned ({s['reason']})" for s in skipped]
        unknown = [u for u in outcome.unused_suppressions if u.get("unknown_rules")]
        warnings += [f"{u['path']}:{u['line']}: nosemgrep names unknown rule(s) {', '.join(u['unknown_rules'])}"
                     for u in unknown]
        summary.update({
            "files_scanned": outcome.scanned,
            "findings": len(outcome.findings),
            "by_severity": severity_counts(outcome.findings),
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

    def _scan(
        self,
        ctx: CheckContext,
        pack: RulePack,
        settings: EngineSettings,
        cwd: Path,
        rels: list[str],
        work: Path,
        *,
        read: Callable[[str], bytes],
        base_lines: dict[str, frozenset[str]] | None = None,
    ) -> ScanOutcome:
        """Run semgrep over ``rels`` (relative to ``cwd``, whose bytes ``read`` returns) and judge
        its output. With ``base_lines`` (diff-aware mode: the stripped lines of each file's base
        version) every suppression says whether the change added its comment."""
        try:
            out = run_semgrep(ctx, rule_files=pack.files, targets=rels, cwd=cwd, work_dir=work, settings=settings)
        except SemgrepFailed as exc:
            raise self._explain(ctx, pack, exc) from exc
        outcome = ScanOutcome(version=out.version, problems=out.problems, skipped=out.skipped)
        scanned = {_norm(p) for p in out.scanned}
        outcome.scanned = len(scanned)
        if rels and not scanned:
            detail = f": {self._describe(out.problems[0])}" if out.problems else ""
            raise CheckFailed(f"semgrep scanned none of the {len(rels)} selected files{detail}")
        reported = scanned | {_norm(s["path"]) for s in out.skipped} | {_norm(p.path) for p in out.problems if p.path}
        for rel in rels:
            if rel not in reported:
                outcome.skipped.append({"path": rel, "reason": "semgrep neither scanned nor skipped it"})

        results: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[str, str, int, int]] = set()
        for result in out.results:
            path = _norm(str(result.get("path", "")))
            key = (str(result.get("check_id")), path, _offset(result, "start"), _offset(result, "end"))
            if key in seen:
                continue  # one rule matching the same code twice (overlapping patterns) is one finding
            seen.add(key)
            results.setdefault(path, []).append(result)

        occurrences: Counter[tuple[str, str, str]] = Counter()
        for rel in rels:
            ctx.check_cancelled()
            try:
                data = read(rel)
            except (OSError, CheckFailed) as exc:
                if rel in results:  # its findings cannot be fingerprinted: do not lose them quietly
                    raise CheckFailed(f"{rel}: cannot read a file semgrep reported findings in: {exc}") from exc
                reason = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix(f"{rel}: ")
                outcome.skipped.append({"path": rel, "reason": f"unreadable: {reason}"})
                continue
            text = data.decode("utf-8", "replace")
            markers = find_markers(text, python=rel.endswith((".py", ".pyi")))
            file_results = sorted(results.get(rel, []), key=lambda r: (_offset(r, "start"), str(r.get("check_id"))))
            for result in file_results:
                finding = self._finding(ctx, pack, rel, data, result, occurrences)
                if finding is None:
                    continue
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
