"""Reading a Python migration without running it: literal values and calls from the syntax tree.

Django and Alembic migrations are Python modules of the repository under judgement, which may be
hostile, so they are never imported: :func:`parse_module` parses the source with :mod:`ast` and
:func:`evaluate` turns expressions into plain values where the source states them literally
(strings, numbers, lists, dicts, string concatenation, module-level constants) and into
:class:`Call`, :class:`Ref` and :class:`Unknown` placeholders where it does not. Nothing here
calls, imports or looks up anything outside the file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .source import Unparsable

#: Deepest expression nesting evaluated; a file nesting deeper (say, a 10,000-term string sum) is
#: read as far as this and the rest is unknown rather than exhausting the interpreter's stack.
MAX_DEPTH = 200


@dataclass(frozen=True)
class Ref:
    """A name or attribute chain as written (``settings.AUTH_USER_MODEL``, ``models.CASCADE``)."""

    name: str

    @property
    def last(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Unknown:
    """A value the source does not state literally; ``source`` is the expression's text."""

    source: str


@dataclass
class Call:
    """A call as written: the callee's dotted name, its evaluated arguments, and where it is."""

    name: str
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: Where the call is: not part of its identity (two equal calls on different lines are equal).
    line: int = field(default=0, compare=False)
    end_line: int = field(default=0, compare=False)
    #: The line each argument starts on, by position or keyword (SQL errors inside a string argument
    #: are reported from there).
    lines: dict[int | str, int] = field(default_factory=dict, compare=False)
    #: For a method called on the result of a call (``op.get_context().autocommit_block()``,
    #: ``sa.Enum(...).create(bind)``): that inner call.
    receiver: Call | None = None

    @property
    def last(self) -> str:
        """The callee's last name (``migrations.AddField`` -> ``AddField``): how imports are matched."""
        return self.name.rsplit(".", 1)[-1]

    def arg(self, position: int, name: str, default: Any = None) -> Any:
        """A parameter given by position or by keyword."""
        if name in self.kwargs:
            return self.kwargs[name]
        if position < len(self.args):
            return self.args[position]
        return default


def items(value: Any) -> list[Any]:
    """A list or tuple from a migration as a list; anything else (not stated literally) as empty."""
    return list(value) if isinstance(value, (list, tuple)) else []


def parse_module(text: str, rel: str) -> ast.Module:
    """The syntax tree of a migration file; a syntax error is :class:`Unparsable` naming file and line."""
    try:
        return ast.parse(text, filename=rel)
    except SyntaxError as exc:
        raise Unparsable(rel, exc.lineno or 1, f"invalid Python: {exc.msg}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise Unparsable(rel, 1, f"invalid Python: {exc}") from exc


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def evaluate(node: ast.AST, env: Mapping[str, Any], text: str = "", depth: int = 0) -> Any:
    """The value an expression states literally, with :class:`Call`, :class:`Ref` and
    :class:`Unknown` where it does not. ``env`` maps names to values already known (module
    constants); ``text`` is the file's source, for the text of unknown expressions."""
    if depth > MAX_DEPTH:
        return Unknown("...")
    deeper = depth + 1
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [evaluate(item, env, text, deeper) for item in node.elts if not isinstance(item, ast.Starred)]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            key = evaluate(k, env, text, deeper) if k is not None else None
            if k is not None and isinstance(key, (str, int, float, bool, tuple, Ref, Unknown, type(None))):
                try:
                    result[key] = evaluate(v, env, text, deeper)
                except TypeError:  # a tuple key holding an unhashable value
                    continue
        return result
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else Ref(node.id)
    if isinstance(node, ast.Attribute):
        name = dotted(node)
        return Ref(name) if name else Unknown(_segment(text, node))
    if isinstance(node, ast.Call):
        callee = dotted(node.func)
        receiver = None
        if callee is None and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
            inner = evaluate(node.func.value, env, text, deeper)
            if isinstance(inner, Call):
                receiver, callee = inner, f"{inner.name}().{node.func.attr}"
        if callee is None:
            return Unknown(_segment(text, node))
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        keywords = [k for k in node.keywords if k.arg is not None]
        lines: dict[int | str, int] = {i: a.lineno for i, a in enumerate(positional)}
        lines.update({k.arg: k.value.lineno for k in keywords if k.arg is not None})
        return Call(
            callee,
            [evaluate(a, env, text, deeper) for a in positional],
            {k.arg: evaluate(k.value, env, text, deeper) for k in keywords if k.arg is not None},
            node.lineno,
            node.end_lineno or node.lineno,
            lines,
            receiver,
        )
    if isinstance(node, ast.BinOp):
        left, right = evaluate(node.left, env, text, deeper), evaluate(node.right, env, text, deeper)
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(node.op, ast.Add) and isinstance(left, list) and isinstance(right, list):
            return left + right
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            return Call("&" if isinstance(node.op, ast.BitAnd) else "|", [left, right], {}, node.lineno,
                        node.end_lineno or node.lineno)
        return Unknown(_segment(text, node))
    if isinstance(node, ast.UnaryOp):
        operand = evaluate(node.operand, env, text, deeper)
        if isinstance(node.op, ast.USub) and isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand
        if isinstance(node.op, ast.Invert):
            return Call("~", [operand], {}, node.lineno, node.end_lineno or node.lineno)
        return Unknown(_segment(text, node))
    if isinstance(node, ast.IfExp):
        # Which branch a setting picks is decided when the migration runs; the first branch is the
        # one the author wrote as the rule (`[...] if getattr(settings, "X", True) else []`).
        return evaluate(node.body, env, text, deeper)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and not value.format_spec and value.conversion == -1:
                inner = evaluate(value.value, env, text, deeper)
                if not isinstance(inner, (str, int)):
                    return Unknown(_segment(text, node))
                parts.append(str(inner))
            else:
                return Unknown(_segment(text, node))
        return "".join(parts)
    return Unknown(_segment(text, node))


def module_constants(tree: ast.Module, text: str) -> dict[str, Any]:
    """Top-level ``NAME = value`` assignments, evaluated in order (later ones see earlier ones)."""
    env: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            env[stmt.targets[0].id] = evaluate(stmt.value, env, text)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            env[stmt.target.id] = evaluate(stmt.value, env, text)
    return env


def calls_in(node: ast.AST) -> Iterator[ast.Call]:
    """Every call under ``node``, outermost first, in source order."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child


def _segment(text: str, node: ast.AST) -> str:
    source = ast.get_source_segment(text, node) if text else None
    return (source or type(node).__name__)[:200]
