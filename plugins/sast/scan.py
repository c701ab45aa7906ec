"""What one semgrep run amounts to for a set of file versions: findings, suppressions and blind spots.

One semgrep run covers the current files, their rewrites and, in diff-aware mode, their base
versions; :func:`judge` reads the part of its output that belongs to the versions it is given,
under the paths they stand for. A match a more precise rule also reports is dropped
(``metadata.subsumed_by``), nosemgrep comments are applied (:mod:`.suppressions`), and every file
semgrep could not fully analyse says so with a finding (:meth:`.FindingMaker.blind_spots`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from gatecheck.api import CheckContext, CheckFailed, Finding, Suppression
from gatecheck_plugins.sast import suppressions
from gatecheck_plugins.sast.file_versions import PYTHON_SUFFIXES, FileVersion
from gatecheck_plugins.sast.findings import FindingMaker, as_list
from gatecheck_plugins.sast.rulepack import RulePack
from gatecheck_plugins.sast.semgrep import EngineOutput, EngineProblem, result_line, result_offset
from gatecheck_plugins.sast.shadow import LineMap


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


def judge(
    ctx: CheckContext,
    versions: list[FileVersion],
    out: EngineOutput,
    maker: FindingMaker,
    *,
    base_lines: dict[str, frozenset[str]] | None = None,
    base: bool = False,
) -> ScanOutcome:
    """Judge semgrep's output for ``versions`` (one run may hold other files' results too).
    With ``base_lines`` (diff-aware mode: the stripped lines of each file's base version) every
    suppression says whether the change added its comment; ``base`` says these are the base
    versions, judged only for their fingerprints."""
    pack = maker.pack
    by_argv = {_norm(v.argv): v for v in versions}
    outcome = ScanOutcome(version=out.version)
    outcome.problems = [replace(p, path=by_argv[_norm(p.path)].rel) for p in out.problems
                        if p.path and _norm(p.path) in by_argv]
    outcome.skipped = [{**s, "path": by_argv[_norm(s["path"])].rel} for s in out.skipped
                       if _norm(s["path"]) in by_argv]
    scanned = {_norm(p) for p in out.scanned} & set(by_argv)
    outcome.scanned = len(scanned)
    if versions and not scanned and not base:
        mine = [p for p in out.problems if not p.path or _norm(p.path) in by_argv]
        detail = f": {mine[0].describe()}" if mine else ""
        raise CheckFailed(f"semgrep scanned none of the {len(versions)} selected files{detail}")
    reported = scanned | {_norm(s["path"]) for s in out.skipped} | {_norm(p.path) for p in out.problems if p.path}
    for version in versions:
        if _norm(version.argv) not in reported:
            outcome.skipped.append({"path": version.rel, "reason": "semgrep neither scanned nor skipped it"})

    results: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str, int, int]] = set()
    for result in out.results:
        owner = by_argv.get(_norm(str(result.get("path", ""))))
        if owner is None:
            continue
        if owner.lines is not None:
            result = _remap(result, owner.lines)
        key = (str(result.get("check_id")), owner.rel, result_offset(result, "start"), result_offset(result, "end"))
        if key in seen:
            continue  # one rule matching the same code twice (overlapping patterns) is one finding
        seen.add(key)
        results.setdefault(owner.rel, []).append(result)

    problems_by_path: dict[str, list[EngineProblem]] = {}
    for problem in outcome.problems:
        problems_by_path.setdefault(problem.path or "", []).append(problem)
    for version in versions:
        ctx.check_cancelled()
        rel, data = version.rel, version.data
        markers = suppressions.find_markers(data.decode("utf-8", "replace"), python=rel.endswith(PYTHON_SUFFIXES))
        file_results = _without_subsumed(pack, results.get(rel, []))
        outcome.subsumed += len(results.get(rel, [])) - len(file_results)
        file_results.sort(key=lambda r: (result_offset(r, "start"), str(r.get("check_id"))))
        found = [maker.match(rel, data, r) for r in file_results]
        found += maker.blind_spots(version, problems_by_path.get(rel, []))
        if version.constructs:
            outcome.fallback.append({"path": rel, "constructs": [c.describe() for c in version.constructs]})
        applied = suppressions.apply(pack, rel, markers, found, base_lines)
        outcome.findings += applied.kept
        outcome.findings += [maker.bare_marker(rel, marker) for marker in applied.bare]
        outcome.suppressions += applied.suppressions
        outcome.suppressed += applied.suppressed
        outcome.unused_suppressions += applied.unused
    return outcome


def _norm(path: str) -> str:
    return path[2:] if path.startswith("./") else path


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
        start, end = result_line(result, "start") or 0, result_line(result, "end") or 0
        lines.setdefault(str(result.get("check_id", "")), []).append((start, max(start, end)))
    kept: list[dict[str, Any]] = []
    for result in results:
        rule = pack.rules.get(str(result.get("check_id", "")))
        stronger = as_list(rule.metadata.get("subsumed_by")) if rule else []
        start, end = result_line(result, "start") or 0, result_line(result, "end") or 0
        end = max(start, end)
        if any(a <= end and start <= b for other in stronger for a, b in lines.get(str(other), [])):
            continue
        kept.append(result)
    return kept
