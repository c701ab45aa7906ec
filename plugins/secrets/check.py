"""The ``secrets`` check: find credentials in the repository's files (and optionally git history).

Findings never carry a secret value (:mod:`.findings`). Every value the matcher matches,
suppressed or baselined ones included, is handed to ``ctx.sensitive``, so the gate masks it in
every other check's output too (a SARIF message or a semgrep snippet that quotes the line).

The repository under judgement is untrusted, so:

- files are listed and read only through the repository view (``ctx.repo``, :mod:`.tree_files`):
  every tracked file, even one a ``.gitignore`` names, plus untracked files by ``[run] untracked``;
- the rule files and the baseline, which decide what is forgiven, are read only through
  ``ctx.config_source`` (:mod:`.config_side`): in trusted mode (``--trusted-ref``) from the
  trusted side, never from the change;
- inline ``gatecheck:allow`` comments are reported as :class:`gatecheck.api.Suppression`,
  so the policy sees each one (and, in trusted mode, which ones the change added);
- git runs only through ``ctx.git``.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatecheck.api import (
    CheckBase,
    CheckContext,
    CheckFailed,
    CheckResult,
    Finding,
    GitBase,
    KeyFact,
    Tool,
    nothing_scanned,
    rules_artifact,
)
from gatecheck_plugins.secrets import base_ref, config_side, history
from gatecheck_plugins.secrets.baseline_file import DEFAULT_PATH as DEFAULT_BASELINE
from gatecheck_plugins.secrets.findings import FindingBuilder, ScanStats
from gatecheck_plugins.secrets.matcher import Engine, hyperscan_available
from gatecheck_plugins.secrets.redaction import DEFAULT_HASH_KEY_ENV, hash_key, key_id, masked_part
from gatecheck_plugins.secrets.rule_help import rule_docs
from gatecheck_plugins.secrets.rules import RuleSet
from gatecheck_plugins.secrets.tree_files import DEFAULT_MAX_FILE_SIZE, Selection, read_text, select
from gatecheck_plugins.secrets.verify import LiveVerifier

__version__ = "2.2.0"
CHECK = "secrets"
#: How many large files the summary names individually.
_LISTED = 50


@dataclass(frozen=True)
class Prepared:
    """What both :meth:`SecretsCheck.inputs` and :meth:`SecretsCheck.run` need, worked out once per run."""

    selection: Selection
    #: The (base, head) commits of ``history_since``; None when not asked for or unresolved (run() says why).
    history: tuple[str, str] | None = None
    #: The base of ``baseline_ref``; None when not asked for or unresolved (run() says why).
    base: GitBase | None = None


class SecretsCheck(CheckBase):
    """Finds credentials with a Hyperscan-prefiltered rule pack."""

    name = CHECK
    version = __version__
    description = "Find leaked credentials (API keys, tokens, private keys, passwords) in files and git history."
    options_schema: Mapping[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "builtin_rules": {"type": "boolean", "description": "Use gatecheck's built-in rule pack (default true)."},
            "config": {
                "oneOf": [{"type": "string", "minLength": 1},
                          {"type": "array", "items": {"type": "string", "minLength": 1}}],
                "x-gatecheck-path": "config",
                "description": "gitleaks-format TOML file(s), relative to the project root, loaded alongside the built-in "
                               "pack (or instead of it with builtin_rules = false). Read from the trusted configuration "
                               "source in trusted mode.",
            },
            "disabled_rules": {"type": "array", "items": {"type": "string"}, "description": "Rule ids to turn off."},
            "exclude_paths": {"type": "array", "items": {"type": "string"},
                              "description": "Globs (root-relative) of files never to scan, e.g. 'tests/fixtures/**'."},
            "stopwords": {"type": "array", "items": {"type": "string", "minLength": 1},
                          "description": "A match whose secret contains one of these (case-insensitive) is ignored."},
            "max_file_size": {"type": "integer", "minimum": 1,
                              "description": f"Judge larger files by name only (default {DEFAULT_MAX_FILE_SIZE} bytes)."},
            "history_since": {"type": "string", "minLength": 1,
                              "description": "Also scan lines added by commits in REV..HEAD (e.g. 'origin/main')."},
            "baseline": {"type": "string", "minLength": 1, "x-gatecheck-path": "config",
                         "description": f"Baseline file of known findings (default {DEFAULT_BASELINE} when it "
                                        "exists). Read from the trusted configuration source in trusted mode."},
            "baseline_ref": {"type": "string", "minLength": 1,
                             "description": "Git ref (origin/main): report only secrets new since its merge base "
                                            "(set by gatecheck run --baseline-ref)."},
            "use_baseline": {"type": "boolean",
                             "description": "Apply the baseline (default true; `gatecheck secrets baseline` turns it off)."},
            "engine": {"enum": ["auto", "hyperscan", "python"],
                       "description": "auto: Hyperscan when it loads, else the pure-Python path; hyperscan: require it."},
            "hash_key_env": {"type": "string", "minLength": 1, "x-gatecheck-operator": True,
                             "description": f"Environment variable holding the HMAC key for secret hashes "
                                            f"(default {DEFAULT_HASH_KEY_ENV}). Operator-only."},
            "verify": {"type": "boolean",
                       "description": "With `gatecheck run --online` only: ask each supported provider's documented "
                                      "read-only identity endpoint whether a found credential is live (default false)."},
        },
    }

    def prepare(self, ctx: CheckContext) -> Prepared:
        """The files to scan and the commits the options name. A revision git does not know is left
        unresolved here: run() reports it, after any configuration error found first."""
        selection = select(ctx, max_size=_max_size(ctx), exclude=list(ctx.options.get("exclude_paths", [])))
        resolved: tuple[str, str] | None = None
        base: GitBase | None = None
        since = ctx.options.get("history_since")
        if since:
            with contextlib.suppress(CheckFailed):
                resolved = history.resolve(ctx, str(since))
        ref = ctx.options.get("baseline_ref")
        if ref:
            with contextlib.suppress(CheckFailed):
                base = ctx.git_base(str(ref))
        return Prepared(selection, resolved, base)

    def inputs(self, ctx: CheckContext) -> list[Path | KeyFact]:
        """The scanned files, the rule files and baseline as the configuration source holds them, and the
        facts that decide the result without any scanned file changing: the hash key (another key, other
        hashes and ids), the commits a history scan covers, the base commit of ``baseline_ref``, the names
        of the files judged by name only (adding a ``.p12`` must be noticed without digesting every large
        binary on each cold run) and, when verifying, the hour."""
        prepared = self.prepared(ctx, Prepared)
        root = ctx.repo.root
        opened: list[Path] = []
        config_side.configured_rules(ctx, opened)  # not the built-in pack: a warm run need not parse it
        baseline = config_side.baseline_in_force(ctx)
        if baseline is not None and baseline[1] is not None:
            opened.append(baseline[1])
        facts = [KeyFact("hash-key", key_id(_key(ctx)))]
        since = ctx.options.get("history_since")
        if since:
            base, head = prepared.history or ("unresolved", "unresolved")
            facts.append(KeyFact("history", f"{since} {base} {head}"))
        ref = ctx.options.get("baseline_ref")
        if ref:
            facts.append(KeyFact("baseline-ref", f"{ref} {prepared.base.commit if prepared.base else 'unresolved'}"))
        by_name = sorted([*prepared.selection.binary, *prepared.selection.large])
        if by_name:
            facts.append(KeyFact("by-name", "\n".join(by_name)))
        if _verifying(ctx):
            # A provider's answer holds for the moment it was given: a cached verdict is at most an hour old.
            facts.append(KeyFact("verify", time.strftime("%Y-%m-%dT%H", time.gmtime())))
        return [*(root / entry.path for entry in prepared.selection.files), *opened, *facts]

    def run(self, ctx: CheckContext) -> CheckResult:
        prepared = self.prepared(ctx, Prepared)
        selection = prepared.selection
        rules = config_side.ruleset(ctx)
        engine = _engine(ctx, rules)
        known = config_side.baseline(ctx)
        verifier = LiveVerifier() if _verifying(ctx) else None
        builder = FindingBuilder(CHECK, _key(ctx), ctx.sensitive, verifier)
        stats = ScanStats()
        limit = _max_size(ctx)
        for entry in selection.files:
            ctx.check_cancelled()
            rel = entry.path
            for rule in engine.path_matches(rel):
                builder.add_path_rule(rule, rel)
            data = read_text(ctx, rel, limit, entry.size)
            if data is None:
                stats.binary.append(rel)
                continue
            stats.files += 1
            stats.bytes += len(data)
            for match in engine.scan(rel, data):
                builder.add(match, rel, stats)
        for rel in [*selection.binary, *selection.large]:
            for rule in engine.path_matches(rel):
                builder.add_path_rule(rule, rel)
        history_summary = None
        since = ctx.options.get("history_since")
        if since:
            history_summary = _scan_history(ctx, engine, str(since), prepared.history, builder, stats)
        findings = builder.findings
        baselined: list[Finding] = []
        if known is not None:
            keys = known.keys()
            baselined = [f for f in findings if (f.rule_id, str(f.metadata.get("secret_hash", ""))) in keys]
            findings = [f for f in findings if (f.rule_id, str(f.metadata.get("secret_hash", ""))) not in keys]
        preexisting: list[Finding] = []
        base_summary: dict[str, Any] | None = None
        if ctx.options.get("baseline_ref"):
            base = base_ref.scan_base(ctx, engine, builder.key, prepared.base or ctx.git_base(str(ctx.options["baseline_ref"])),
                                      findings, limit=limit, exclude=list(ctx.options.get("exclude_paths", [])))
            findings, preexisting = base.split(findings)
            base_summary = base.summary(preexisting)
        summary: dict[str, Any] = {
            "engine": engine.name,
            "rules": len(rules.rules),
            "rule_sources": rules.sources,
            "files": stats.files,
            "bytes": stats.bytes,
            "findings": len(findings),
            "listing": {"git": ctx.repo.is_git, "untracked_rule": ctx.repo.untracked,
                        "untracked_files": selection.untracked},
            "skipped": {
                "binary": len(selection.binary) + len(stats.binary),
                "large": len(selection.large),
                "large_files": selection.large[:_LISTED],
            },
            "suppressed": len(builder.suppressions),
            "suppressions_without_reason": stats.bare_suppressions,
            "baselined": len(baselined),
            # Where the baseline (or --baseline-ref) set secrets aside in the tree: a reviewer sees what
            # it hides, and a cache hit knows which files to re-read to mask those values (see restore()).
            "baselined_paths": sorted({f.location.path for f in [*baselined, *preexisting]
                                       if f.location is not None and "commit" not in f.metadata}),
        }
        if base_summary is not None:
            summary["baseline"] = base_summary
        if engine.note:
            summary["engine_note"] = engine.note
        elif engine.name != "hyperscan":
            summary["engine_note"] = ("Hyperscan is not available on this machine; the pure-Python matcher was used "
                                      "(same results, slower)") if ctx.options.get("engine", "auto") == "auto" \
                else "the pure-Python matcher was requested"
        if engine.prefiltered:
            summary["prefilter_mode_rules"] = engine.prefiltered
        if verifier is not None:
            verdicts = Counter(str(f.metadata["verified"]) for f in findings if "verified" in f.metadata)
            summary["verification"] = {"requests": verifier.requests, "over_budget": verifier.skipped, **verdicts}
        elif ctx.options.get("verify"):
            summary["verification"] = {"note": "verify = true needs `gatecheck run --online`; nothing was verified"}
        if history_summary is not None:
            summary["history"] = history_summary
        tool = Tool("gatecheck-secrets", __version__)
        if stats.files == 0 and not findings and not baselined and not preexisting and not history_summary:
            if selection.candidates and not (selection.files or selection.binary or selection.large):
                raise nothing_scanned(selection.candidates, selection.left_out)
            return CheckResult(tool=tool, status="skipped", error="no text files to scan", findings=[], summary=summary,
                               suppressions=builder.suppressions)
        return CheckResult(tool=tool, findings=findings, summary=summary, suppressions=builder.suppressions,
                           artifacts=[rules_artifact(rule_docs(rules, findings))])

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """On a cache hit, register again every value the cached run matched, so the gate still masks
        them in other checks' output (the cache holds no value). Only the files that hold a finding, a
        suppression or a baselined secret are read again, and the history range only when it matched."""
        tree = {f.location.path for f in result.findings
                if f.location is not None and f.metadata.get("kind") != "file" and "commit" not in f.metadata}
        tree.update(s.path for s in result.suppressions)
        tree.update(str(p) for p in result.summary.get("baselined_paths", []))
        since = ctx.options.get("history_since")
        rescan_history = bool(since) and bool((result.summary.get("history") or {}).get("matches"))
        if not tree and not rescan_history:
            return
        engine = _engine(ctx, config_side.ruleset(ctx))
        limit = _max_size(ctx)
        for rel in sorted(tree):
            if not ctx.repo.is_file(rel):
                continue  # a suppression found only in history: the history scan below covers it
            data = read_text(ctx, rel, limit)
            for match in engine.scan(rel, data) if data is not None else []:
                ctx.sensitive(masked_part(match.secret))
        if rescan_history:
            resolved = ctx.prepared.history if isinstance(ctx.prepared, Prepared) else None
            for _added, matches in history.matches(ctx, engine, str(since), resolved):
                for match in matches:
                    ctx.sensitive(masked_part(match.secret))


def _max_size(ctx: CheckContext) -> int:
    return int(ctx.options.get("max_file_size", DEFAULT_MAX_FILE_SIZE))


def _key(ctx: CheckContext) -> bytes:
    return hash_key(str(ctx.options.get("hash_key_env", DEFAULT_HASH_KEY_ENV)))


def _verifying(ctx: CheckContext) -> bool:
    """Live verification runs only when the user allowed the network and the configuration asks for it."""
    return bool(ctx.network and ctx.options.get("verify", False))


def _engine(ctx: CheckContext, rules: RuleSet) -> Engine:
    mode = str(ctx.options.get("engine", "auto"))
    if mode == "hyperscan" and not hyperscan_available():
        raise CheckFailed("checks.secrets.engine = 'hyperscan' but the hyperscan package cannot be loaded here")
    cache_dir = ctx.work_dir / "engine" if ctx.work_dir is not None else None
    try:
        return Engine(rules, mode, cache_dir=cache_dir)
    except RuntimeError as exc:
        raise CheckFailed(f"checks.secrets.engine: {exc}") from exc


def _scan_history(ctx: CheckContext, engine: Engine, since: str, resolved: tuple[str, str] | None,
                  builder: FindingBuilder, stats: ScanStats) -> dict[str, Any]:
    commits: set[str] = set()
    scanned = matched = 0
    for added, matches in history.matches(ctx, engine, since, resolved, commits):
        scanned += len(added.data())
        matched += len(matches)
        for match in matches:
            match.line = added.line_number(match.line)
            match.end_line = added.line_number(match.end_line)
            if match.allow_line is not None:
                match.allow_line = added.line_number(match.allow_line)
            builder.add(match, added.path, stats, commit=added.commit)
    return {"since": since, "commits": len(commits), "bytes": scanned, "matches": matched}
