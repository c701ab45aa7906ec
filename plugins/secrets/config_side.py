"""The configuration-side files of the secrets check: the rule files and the baseline in force.

They decide what is checked and what is forgiven, so they are read only through
``ctx.config_source``: in trusted mode (``--trusted-ref``) from the trusted side, never from
the change under judgement; by default from the tree, confined to it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from gatecheck.api import BadInput, CheckContext, CheckFailed, read_limited_text
from gatecheck_plugins.secrets import baseline_file
from gatecheck_plugins.secrets.rules import Allowlist, Reader, RuleSet, builtin_rules, load_config

#: Largest rules file or baseline read from the configuration source.
MAX_CONFIG_FILE = 16 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def _builtin() -> RuleSet:
    return builtin_rules()


def ruleset(ctx: CheckContext) -> RuleSet:
    """The rules in force: the built-in pack and/or the configured gitleaks files, minus disabled rules."""
    rules = RuleSet()
    if ctx.options.get("builtin_rules", True):
        rules.extend(_builtin())
    rules.extend(configured_rules(ctx))
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


def configured_rules(ctx: CheckContext, opened: list[Path] | None = None) -> RuleSet:
    """The rules of the configured gitleaks files; ``opened`` collects the local paths read."""
    rules = RuleSet()
    value = ctx.options.get("config", [])
    read = _rules_reader(ctx, opened)
    for name in [value] if isinstance(value, str) else list(value):
        rules.extend(load_config(name, read))
    return rules


def _rules_reader(ctx: CheckContext, opened: list[Path] | None) -> Reader:
    """Reads gitleaks files (and their ``[extend] path`` includes) from the configuration source."""

    def read(name: str) -> tuple[str, str]:
        local = ctx.config_source.file(name, what="secret rules file")
        shown = ctx.config_source.display(name)
        if local is None:
            raise CheckFailed(f"{shown}: secret rules file not found", bad_input=True)
        if opened is not None:
            opened.append(local)
        return _read(local, shown, "secret rules file"), shown

    return read


def baseline_in_force(ctx: CheckContext) -> tuple[str, Path | None] | None:
    """(name, local copy or None) of the baseline in force, or None when none applies."""
    if not ctx.options.get("use_baseline", True):
        return None
    if "baseline" in ctx.options:
        name = str(ctx.options["baseline"])
        return name, ctx.config_source.file(name, what="checks.secrets.baseline")
    local = ctx.config_source.file(baseline_file.DEFAULT_PATH, what="secrets baseline")
    return (baseline_file.DEFAULT_PATH, local) if local is not None else None


def baseline(ctx: CheckContext) -> baseline_file.Baseline | None:
    """The baseline in force, parsed; None when none applies."""
    found = baseline_in_force(ctx)
    if found is None:
        return None
    name, local = found
    shown = ctx.config_source.display(name)
    if local is None:
        raise CheckFailed(f"checks.secrets.baseline: {shown} not found", bad_input=True)
    return baseline_file.parse(_read(local, shown, "secrets baseline"), shown)


def _read(local: Path, shown: str, what: str) -> str:
    """The text of a rules file or baseline from the configuration source, size-limited (the shared
    reader; its bad input becomes the check's)."""
    try:
        return read_limited_text(local, shown, MAX_CONFIG_FILE)
    except BadInput as exc:
        raise CheckFailed(f"{exc.describe()} ({what})", bad_input=True) from exc
