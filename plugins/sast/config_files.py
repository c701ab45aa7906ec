"""Where the sast check's configuration-side files come from: ignore files and the project's rule files.

Both decide what is scanned and what is forgiven, so a change under judgement must not be
able to supply them. They are read only through ``ctx.config_source``: from the working tree
by default (confined to it: no absolute paths, no ``..`` out of it, no symlink that leaves
it), from the operator's side in trusted mode (``gatecheck run --trusted-ref origin/main``,
``--trusted-config DIR``), and never from ``ctx.root`` directly. Every path asked for is
recorded by the source, so the gate reports the ones the change edits.
"""

from __future__ import annotations

from pathlib import Path

from gatecheck.api import CheckContext, CheckFailed, OutsideRepository
from gatecheck_plugins.sast.rulepack import BUILTIN_RULES, RULE_SUFFIXES

#: Largest ignore file read; a real one is a few hundred bytes.
MAX_IGNORE_FILE_BYTES = 1024 * 1024


def display(ctx: CheckContext, rel: str) -> str:
    """How the configuration-side file ``rel`` is named in messages and summaries: root-relative
    for the working tree (what the user typed), the source's own name otherwise (``main:.semgrepignore``)."""
    return ctx.config_source.display(rel) if ctx.config_source.trusted else rel


def name_of(ctx: CheckContext, local: Path) -> str:
    """How a local rule or ignore file is named in messages and findings (never a scratch path)."""
    try:
        return "gatecheck_plugins/sast/rules/" + local.resolve().relative_to(BUILTIN_RULES).as_posix()
    except ValueError:
        pass
    rel = ctx.repo.relative(local)
    if rel is not None and not ctx.config_source.trusted:
        return rel
    return ctx.config_source.name_of(local)


def config_file(ctx: CheckContext, rel: str, *, key: str) -> Path | None:
    """The local path of the configuration-side file ``rel`` (named by option ``key``), or None
    when the source has none; a path that leaves the source is bad input naming the key."""
    try:
        return ctx.config_source.file(rel, what=key)
    except OutsideRepository as exc:
        raise CheckFailed(f"{key}: {exc.message}", bad_input=True) from exc


def rule_location(ctx: CheckContext, rel: str, *, key: str) -> Path | None:
    """The local path of a rule file or rule directory named in option ``key``, or None."""
    try:
        # A source records the kind first asked for under a name, and a git-ref source compares
        # a "file" and a "directory" differently when it reports the change's edits (a rule
        # directory recorded as a file would never be reported as edited): ask for the kind the
        # name suggests first.
        if rel.endswith(RULE_SUFFIXES):
            return ctx.config_source.file(rel, what=key) or ctx.config_source.directory(rel, what=key)
        return ctx.config_source.directory(rel, what=key) or ctx.config_source.file(rel, what=key)
    except OutsideRepository as exc:
        raise CheckFailed(f"{key}: {exc.message}", bad_input=True) from exc


def confine(ctx: CheckContext, local: Path) -> None:
    """Refuse a rule file found inside a working-tree rule directory that is a symlink leaving the tree.

    A trusted source serves regular files only (a git ref's symlinks are refused when they are
    copied out) or is the operator's own directory, so only the working tree needs this."""
    if ctx.config_source.trusted:
        return
    rel = ctx.repo.relative(local)
    if rel is None:
        raise CheckFailed(f"rule file {local} is outside the repository", bad_input=True)
    try:
        ctx.repo.path(rel, what="rule file")
    except OutsideRepository as exc:
        raise CheckFailed(exc.message, bad_input=True) from exc


def read_text(ctx: CheckContext, rel: str, local: Path) -> str:
    """The UTF-8 text of the small configuration-side file ``rel`` (served at ``local``).

    A working-tree file is read through the repository view (a regular file inside the tree,
    at most :data:`MAX_IGNORE_FILE_BYTES`); a trusted source's file is one it copied out of a
    git ref or the operator's own. Unreadable, too large or undecodable is bad input naming it."""
    name = display(ctx, rel)
    try:
        data = local.read_bytes() if ctx.config_source.trusted else ctx.read_bytes(rel, limit=MAX_IGNORE_FILE_BYTES)
    except OSError as exc:
        raise CheckFailed(f"{name}: cannot read: {exc.strerror or exc}", bad_input=True) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckFailed(f"{name}: not UTF-8 text", bad_input=True) from exc
