"""The file versions semgrep is handed: each file as it is, or gatecheck's rewrite of it.

semgrep's main Python parser lacks some syntax (:mod:`.fallback`); a file holding it is handed
over as a line-preserving rewrite in a :class:`.ShadowTree`, and its matches are mapped back to
the original bytes (:class:`.LineMap`). In diff-aware mode the base versions of the changed files
are file versions too, written into a tree of their own (:mod:`.diff_aware`).
"""

from __future__ import annotations

import ast
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

from gatecheck.api import CheckFailed
from gatecheck_plugins.sast import fallback
from gatecheck_plugins.sast.shadow import LineMap, ShadowTree

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class FileVersion:
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


def file_versions(
    rels: list[str],
    read: Callable[[str], bytes],
    tree: ShadowTree,
    unreadable: list[dict[str, str]],
    *,
    in_place: bool = False,
) -> list[FileVersion]:
    """The file versions to hand semgrep for ``rels``: the file itself (its root-relative path;
    with ``in_place``, its path in ``tree``, where it already is), or a rewrite in ``tree`` when
    it holds syntax semgrep's main Python parser does not read (:mod:`.fallback`). A file that
    cannot be read is listed in ``unreadable`` and not scanned."""
    versions: list[FileVersion] = []
    for rel in rels:
        try:
            data = read(rel)
        except (OSError, CheckFailed) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix(f"{rel}: ")
            unreadable.append({"path": rel, "reason": f"unreadable: {reason}"})
            continue
        version = FileVersion(rel, data, str(tree.path(rel)) if in_place else rel)
        if rel.endswith(PYTHON_SUFFIXES) and fallback.candidate(data):
            try:
                rewritten = fallback.rewrite(data.decode("utf-8"))
            except (SyntaxError, tokenize.TokenError, UnicodeDecodeError):
                rewritten = None  # semgrep reports a file it cannot parse itself
            if rewritten is not None:
                shadow = rewritten.text.encode("utf-8")
                version.argv = str(tree.write(rel, shadow))
                version.lines = LineMap(data, shadow)
                version.constructs = rewritten.constructs
        if rel.endswith(PYTHON_SUFFIXES):
            version.syntax_error = _syntax_error(version.lines.shadow if version.lines else data)
        versions.append(version)
    return versions


def _syntax_error(data: bytes) -> tuple[int, str] | None:
    """(line, message) of the first syntax error Python finds in ``data``, or None."""
    try:
        compile(data, "<source>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno or 1, exc.msg
    except (ValueError, UnicodeDecodeError) as exc:  # NUL bytes, undecodable text
        return 1, str(exc)
    return None
