"""The ``secrets`` check: find credentials in the working tree (and optionally git history).

Findings never carry a secret value: only a redacted preview and a keyed hash
(:mod:`gatecheck_plugins.secrets.redaction`), and the finding id is derived from that
hash, so it is stable across runs and machines without the raw value.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult, Finding, Location, Tool, finding_id
from gatecheck_plugins.secrets import baseline as baseline_mod
from gatecheck_plugins.secrets import history
from gatecheck_plugins.secrets.engine import Engine, Match, hyperscan_available
from gatecheck_plugins.secrets.files import DEFAULT_MAX_FILE_SIZE, Selection, decode_utf16, looks_binary, select
from gatecheck_plugins.secrets.redaction import DEFAULT_HASH_KEY_ENV, hash_key, preview, secret_hash
from gatecheck_plugins.secrets.rules import Allowlist, Rule, RuleSet, builtin_rules, load_config

__version__ = "1.0.0"
CHECK_NAME = "secrets"
_LISTED = 50  # how many skipped/suppressed entries the summary names individually


@functools.lru_cache(maxsize=1)
def _builtin() -> RuleSet:
    return builtin_rules()


@functools.lru_cache(maxsize=1)
def _builtin_digest() -> str:
    from importlib import resources

    text = resources.files("gatecheck_plugins.secrets").joinpath("rules.toml").read_bytes()
    return hashlib.sha256(text).hexdigest()[:16]


@dataclass
class ScanStats:
    files: int = 0
    bytes: int = 0
    binary: list[str] = field(default_factory=list)
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    bare_suppressions: int = 0


class SecretsCheck:
    """Finds credentials with a Hyperscan-prefiltered rule pack."""

    name = CHECK_NAME
    version = __version__
    description = "Find leaked credentials (API keys, tokens, private keys, passwords) in files and git history."
    options_schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "builtin_rules": {"type": "boolean", "description": "Use gatecheck's built-in rule pack (default true)."},
            "config": {
                "oneOf": [{"type": "string", "minLength": 1},
                          {"type": "array", "items": {"type": "string", "minLength": 1}}],
                "description": "gitleaks-format TOML file(s), relative to the project root, loaded alongside the built-in "
                               "pack (or instead of it with builtin_rules = false).",
            },
            "disabled_rules": {"type": "array", "items": {"type": "string"}, "description": "Rule ids to turn off."},
            "exclude_paths": {"type": "array", "items": {"type": "string"},
                              "description": "Globs (root-relative) of files never to scan, e.g. 'tests/fixtures/**'."},
            "stopwords": {"type": "array", "items": {"type": "string", "minLength": 1},
                          "description": "A match whose secret contains one of these (case-insensitive) is ignored."},
            "max_file_size": {"type": "integer", "minimum": 1,
                              "description": f"Skip files larger than this many bytes (default {DEFAULT_MAX_FILE_SIZE})."},
            "respect_gitignore": {"type": "boolean", "description": "Skip files git ignores (default true)."},
            "history_since": {"type": "string", "minLength": 1,
                              "description": "Also scan lines added by commits in REV..HEAD (e.g. 'origin/main')."},
            "baseline": {"type": "string", "minLength": 1,
                         "description": f"Baseline file of known findings (default {baseline_mod.DEFAULT_PATH} when it exists)."},
            "use_baseline": {"type": "boolean",
                             "description": "Apply the baseline (default true; `gatecheck secrets baseline` turns it off)."},
            "engine": {"enum": ["auto", "hyperscan", "python"],
                       "description": "auto: Hyperscan when it loads, else the pure-Python path; hyperscan: require it."},
            "hash_key_env": {"type": "string", "minLength": 1,
                             "description": f"Environment variable holding the HMAC key for secret hashes "
                                            f"(default {DEFAULT_HASH_KEY_ENV})."},
        },
    }

    def __init__(self) -> None:
        self._selections: dict[int, Selection] = {}

    # -- inputs -----------------------------------------------------------------------------

    def inputs(self, ctx: CheckContext) -> list[Path]:
        selection = self._select(ctx)
        # Only the latest run's listing is kept: a cache hit never calls run() to collect it.
        self._selections = {id(ctx): selection}
        extra = [p for p in self._config_paths(ctx) if p.is_file()]
        baseline = self._baseline_path(ctx)
        if baseline is not None and baseline.is_file():
            extra.append(baseline)
        state = self._history_state(ctx)
        if state is not None:
            extra.append(state)
        listing = self._skipped_listing(ctx, selection)
        if listing is not None:
            extra.append(listing)
        return [*map(Path, selection.files), *extra]

    def _skipped_listing(self, ctx: CheckContext, selection: Selection) -> Path | None:
        """Names of the binary and oversized files, which path-only rules judge by name: adding a
        ``.p12`` must change the cache key, without digesting every large binary on each cold run."""
        if ctx.work_dir is None:
            return None
        names = sorted([*selection.binary, *selection.large])
        content = "\n".join(names) + "\n"
        ctx.work_dir.mkdir(parents=True, exist_ok=True)
        listing = ctx.work_dir / "skipped-files.txt"
        if not listing.is_file() or listing.read_text("utf-8") != content:
            listing.write_text(content, "utf-8")
        return listing

    def _select(self, ctx: CheckContext) -> Selection:
        excluded = list(ctx.options.get("exclude_paths", []))
        if excluded:
            ctx = dataclasses.replace(ctx, exclude=[*ctx.exclude, *excluded])
        return select(ctx, respect_gitignore=bool(ctx.options.get("respect_gitignore", True)),
                      max_size=int(ctx.options.get("max_file_size", DEFAULT_MAX_FILE_SIZE)))

    def _config_paths(self, ctx: CheckContext) -> list[Path]:
        value = ctx.options.get("config", [])
        names = [value] if isinstance(value, str) else list(value)
        return [ctx.root / n for n in names]

    def _baseline_path(self, ctx: CheckContext) -> Path | None:
        if not ctx.options.get("use_baseline", True):
            return None
        if "baseline" in ctx.options:
            return ctx.root / str(ctx.options["baseline"])
        default = ctx.root / baseline_mod.DEFAULT_PATH
        return default if default.is_file() else None

    def _history_state(self, ctx: CheckContext) -> Path | None:
        """A small file naming the commits the history scan covers, so a new commit changes the cache key."""
        since = ctx.options.get("history_since")
        if not since or ctx.work_dir is None:
            return None
        try:
            base, head = history.resolve(ctx, str(since))
        except CheckFailed:
            return None  # run() reports the problem
        ctx.work_dir.mkdir(parents=True, exist_ok=True)
        state = ctx.work_dir / "history-range.txt"
        content = f"{since}\n{base}\n{head}\n"
        if not state.is_file() or state.read_text() != content:
            state.write_text(content)
        return state

    # -- run --------------------------------------------------------------------------------

    def ruleset(self, ctx: CheckContext) -> RuleSet:
        """The rules in force: the built-in pack and/or the configured gitleaks files, minus disabled rules."""
        rules = RuleSet()
        if ctx.options.get("builtin_rules", True):
            rules.extend(_builtin())
        for path in self._config_paths(ctx):
            rules.extend(load_config(path, ctx.relpath(path)))
        disabled = list(ctx.options.get("disabled_rules", []))
        unknown = sorted(set(disabled) - {r.id for r in rules.rules})
        if unknown:
            raise CheckFailed(f"checks.secrets.disabled_rules: unknown rule id(s): {', '.join(unknown)}", bad_input=True)
        rules = rules.without(disabled)
        stopwords = [s.lower().encode("utf-8") for s in ctx.options.get("stopwords", [])]
        if stopwords:
            rules.allowlists.append(Allowlist(description="checks.secrets.stopwords", stopwords=stopwords))
        if not rules.rules:
            raise CheckFailed("no secret rules are enabled: with builtin_rules = false, 'config' must name a rules file "
                              "with at least one rule", bad_input=True)
        return rules

    def engine(self, ctx: CheckContext, rules: RuleSet) -> Engine:
        mode = str(ctx.options.get("engine", "auto"))
        if mode == "hyperscan" and not hyperscan_available():
            raise CheckFailed("checks.secrets.engine = 'hyperscan' but the hyperscan package cannot be loaded here")
        cache_dir = ctx.work_dir / "engine" if ctx.work_dir is not None else None
        try:
            return Engine(rules, mode, cache_dir=cache_dir)
        except RuntimeError as exc:
            raise CheckFailed(f"checks.secrets.engine: {exc}") from exc

    def run(self, ctx: CheckContext) -> CheckResult:
        rules = self.ruleset(ctx)
        engine = self.engine(ctx, rules)
        selection = self._selections.pop(id(ctx), None) or self._select(ctx)
        baseline_path = self._baseline_path(ctx)
        if baseline_path is not None and not baseline_path.is_file():
            raise CheckFailed(f"checks.secrets.baseline: {ctx.relpath(baseline_path)} not found", bad_input=True)
        key = hash_key(str(ctx.options.get("hash_key_env", DEFAULT_HASH_KEY_ENV)))
        builder = _Findings(key)
        stats = ScanStats()
        own_files = {ctx.relpath(p) for p in [baseline_path, ctx.root / baseline_mod.DEFAULT_PATH] if p is not None}
        for full, rel in zip(selection.files, selection.rels, strict=True):
            ctx.check_cancelled()
            if rel in own_files:
                continue  # the baseline lists hashes, not secrets
            try:
                with open(full, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise CheckFailed(f"{rel}: cannot read file: {exc.strerror or exc}") from exc
            for rule in engine.path_matches(rel):
                builder.add_path_rule(rule, rel)
            if looks_binary(data):
                converted = decode_utf16(data)
                if converted is None:
                    stats.binary.append(rel)
                    continue
                data = converted
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
            history_summary = self._scan_history(ctx, engine, str(since), builder, stats)
        findings = builder.findings
        baselined = 0
        if baseline_path is not None:
            known = baseline_mod.load(baseline_path, ctx.relpath(baseline_path))
            keys = known.keys()
            kept = [f for f in findings if (f.rule_id, str(f.metadata.get("secret_hash", ""))) not in keys]
            baselined = len(findings) - len(kept)
            findings = kept
        summary: dict[str, Any] = {
            "engine": engine.name,
            "rules": len(rules.rules),
            "rule_sources": rules.sources,
            "files": stats.files,
            "bytes": stats.bytes,
            "findings": len(findings),
            "skipped": {
                "gitignored": selection.ignored,
                "binary": len(selection.binary) + len(stats.binary),
                "large": len(selection.large),
                "large_files": selection.large[:_LISTED],
            },
            "suppressed": len(stats.suppressed),
            "suppressions": stats.suppressed[:_LISTED],
            "suppressions_without_reason": stats.bare_suppressions,
            "baselined": baselined,
        }
        if engine.note:
            summary["engine_note"] = engine.note
        elif engine.name != "hyperscan":
            summary["engine_note"] = ("Hyperscan is not available on this machine; the pure-Python matcher was used "
                                      "(same results, slower)") if ctx.options.get("engine", "auto") == "auto" \
                else "the pure-Python matcher was requested"
        if engine.prefiltered:
            summary["prefilter_mode_rules"] = engine.prefiltered
        if history_summary is not None:
            summary["history"] = history_summary
        if stats.files == 0 and not findings and not history_summary:
            return CheckResult(tool=Tool("gatecheck-secrets", __version__), status="skipped",
                               error="no text files to scan", findings=[], summary=summary)
        return CheckResult(tool=Tool("gatecheck-secrets", __version__), findings=findings, summary=summary)

    def _scan_history(self, ctx: CheckContext, engine: Engine, since: str, builder: _Findings,
                      stats: ScanStats) -> dict[str, Any]:
        commits: set[str] = set()
        scanned = 0
        excluded = [*ctx.exclude, *ctx.options.get("exclude_paths", [])]
        for added in history.added_text(ctx, since):
            ctx.check_cancelled()
            commits.add(added.commit)
            if any(fnmatch.fnmatch(added.path, p) or added.path.startswith(p.rstrip("/*") + "/") for p in excluded):
                continue
            data = added.data()
            scanned += len(data)
            for match in engine.scan(added.path, data, commit=added.commit):
                match.line = added.line_number(match.line)
                match.end_line = added.line_number(match.end_line)
                builder.add(match, added.path, stats, commit=added.commit)
        return {"since": since, "commits": len(commits), "bytes": scanned}


class _Findings:
    """Turns matches into findings: redacted, hashed, de-duplicated, with stable ids."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.findings: list[Finding] = []
        self._by_identity: dict[tuple[str, str, str, int], Finding] = {}
        self._occurrences: Counter[tuple[str, str, str]] = Counter()

    def add(self, match: Match, rel: str, stats: ScanStats, commit: str | None = None) -> None:
        rule = match.rule
        digest = secret_hash(match.secret, self.key)
        if match.suppressed_reason is not None:
            stats.suppressed.append({"rule_id": rule.id, "path": rel, "line": match.line, "reason": match.suppressed_reason,
                                     **({"commit": commit} if commit else {})})
            return
        identity = (rule.id, rel, digest)
        if commit is not None:
            # A secret still in the working tree was already reported there; note where it came in.
            occurrence = self._occurrences[identity]
            if occurrence:
                existing = self._by_identity[(*identity, 0)]
                existing.metadata.setdefault("commits", [])
                if commit not in existing.metadata["commits"]:
                    existing.metadata["commits"].append(commit)
                return
        occurrence = self._occurrences[identity]
        self._occurrences[identity] += 1
        metadata: dict[str, Any] = {
            "secret_hash": digest,
            "preview": preview(match.secret),
            "secret_length": len(match.secret),
            "rule_source": rule.source,
        }
        if rule.tags:
            metadata["tags"] = list(rule.tags)
        if commit is not None:
            metadata["commit"] = commit
            metadata["commits"] = [commit]
        title = rule.description
        if match.bare_suppression:
            stats.bare_suppressions += 1
            metadata["suppression_error"] = "gatecheck:allow needs a reason (gatecheck:allow <why this is not a secret>)"
            title += " (gatecheck:allow without a reason is not honoured)"
        finding = Finding(
            id=finding_id(CHECK_NAME, rule.id, path=rel, key=f"{digest}\0{occurrence}"),
            check=CHECK_NAME,
            rule_id=rule.id,
            title=title,
            severity=rule.severity,
            confidence=rule.confidence,
            location=Location(rel, match.line, match.end_line),
            metadata=metadata,
        )
        self._by_identity[(*identity, occurrence)] = finding
        self.findings.append(finding)

    def add_path_rule(self, rule: Rule, rel: str) -> None:
        digest = secret_hash(b"path:" + rel.encode("utf-8", "surrogateescape"), self.key)
        identity = (rule.id, rel, digest)
        if self._occurrences[identity]:
            return
        self._occurrences[identity] += 1
        self.findings.append(Finding(
            id=finding_id(CHECK_NAME, rule.id, path=rel, key=f"{digest}\0path"),
            check=CHECK_NAME,
            rule_id=rule.id,
            title=rule.description,
            severity=rule.severity,
            confidence=rule.confidence,
            location=Location(rel, None, None),
            metadata={"secret_hash": digest, "preview": os.path.basename(rel), "rule_source": rule.source,
                      "kind": "file"},
        ))

