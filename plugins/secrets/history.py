"""Scanning git history: the lines each commit since a revision added.

A secret that was committed and later deleted is still in the repository for anyone
who clones it, so ``history_since = "REV"`` also scans every line added by the commits
in ``REV..HEAD`` (``git log -p``). Only added lines are scanned: a removed line was
added by an earlier commit, which is either in the range or before the chosen base.
git runs through ``ctx.git``, hardened against the repository's own ``.git/config``
(no textconv, external diff or other program it names runs while the log is read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from gatecheck.api import CheckContext, CheckFailed, matches_any
from gatecheck_plugins.secrets.matcher import Engine, Match

_COMMIT_MARK = b"\x1fgatecheck-commit "
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass
class AddedText:
    """The lines one commit added to one file, joined, with each line's number in the new file."""

    commit: str
    path: str
    lines: list[bytes] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)

    def data(self) -> bytes:
        return b"\n".join(self.lines) + b"\n"

    def line_number(self, index: int) -> int:
        """The file line of the ``index``-th (1-based) line of :meth:`data`."""
        return self.numbers[min(max(index, 1), len(self.numbers)) - 1]


def _git(ctx: CheckContext, *args: str) -> bytes:
    proc = ctx.git(args)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CheckFailed(f"git {args[0]} failed: {message[-1] if message else f'exit status {proc.returncode}'}")
    return proc.stdout


def resolve(ctx: CheckContext, since: str) -> tuple[str, str]:
    """The commit ids of ``since`` and ``HEAD``; a revision git does not know is a configuration error."""
    if since.startswith("-"):
        # git would read it as an option, not a revision.
        raise CheckFailed(f"checks.secrets.history_since: {since!r} is not a git revision", bad_input=True)
    proc = ctx.git(["rev-parse", "--verify", "--quiet", f"{since}^{{commit}}"])
    if proc.returncode != 0:
        inside = ctx.git(["rev-parse", "--is-inside-work-tree"])
        if inside.returncode != 0:
            raise CheckFailed(f"checks.secrets.history_since: {ctx.root} is not a git repository", bad_input=True)
        raise CheckFailed(f"checks.secrets.history_since: unknown git revision {since!r}", bad_input=True)
    base = proc.stdout.decode().strip()
    head = _git(ctx, "rev-parse", "--verify", "HEAD^{commit}").decode().strip()
    return base, head


def added_text(ctx: CheckContext, since: str, resolved: tuple[str, str] | None = None) -> Iterator[AddedText]:
    """Every (commit, file) pair in ``since..HEAD`` with the lines the commit added; ``resolved`` is
    :func:`resolve`'s answer when the caller already has it."""
    base, head = resolved if resolved is not None else resolve(ctx, since)
    out = _git(ctx, "log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--first-parent", "-m",
               f"--format={_COMMIT_MARK.decode()}%H", f"{base}..{head}", "--")
    current: AddedText | None = None
    commit = ""
    new_line = 0
    in_hunk = False
    for raw in out.split(b"\n"):
        if raw.startswith(_COMMIT_MARK):
            if current is not None and current.lines:
                yield current
            commit = raw[len(_COMMIT_MARK):].decode().strip()
            current, in_hunk = None, False
        elif raw.startswith(b"diff --git "):
            if current is not None and current.lines:
                yield current
            current, in_hunk = None, False
        elif not in_hunk and raw.startswith(b"+++ "):
            target = raw[4:]
            current = None if target == b"/dev/null" else AddedText(commit, _strip_prefix(target))
        elif raw.startswith(b"@@ "):
            hunk = _HUNK.match(raw)
            new_line = int(hunk.group(1)) if hunk else 0
            in_hunk = True
        elif in_hunk and raw.startswith(b"+"):
            if current is not None:
                current.lines.append(raw[1:])
                current.numbers.append(new_line)
            new_line += 1
    if current is not None and current.lines:
        yield current


def _strip_prefix(target: bytes) -> str:
    text = target.decode("utf-8", "surrogateescape")
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return text[2:] if text.startswith("b/") else text


def matches(ctx: CheckContext, engine: Engine, since: str, resolved: tuple[str, str] | None = None,
            commits: set[str] | None = None) -> Iterator[tuple[AddedText, list[Match]]]:
    """The lines each commit in ``since..HEAD`` added, with the engine's matches in them (buffer lines),
    minus excluded paths; ``commits`` collects every commit seen."""
    excluded = [*ctx.exclude, *ctx.options.get("exclude_paths", [])]
    for added in added_text(ctx, since, resolved):
        ctx.check_cancelled()
        if commits is not None:
            commits.add(added.commit)
        if matches_any(added.path, excluded):
            continue
        yield added, engine.scan(added.path, added.data(), commit=added.commit)
