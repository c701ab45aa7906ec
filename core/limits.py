"""Limits on what gatecheck reads, in one place, and the parsers that enforce them.

Every document gatecheck parses may have been written by an attacker (the tree under judgement) or
be damaged (a download, an envelope from a store). Parsers from the standard library and PyYAML
need limits from their caller: ``tomllib`` and ``json`` recurse per nesting level, a YAML alias can
expand a few kilobytes into gigabytes when the result is walked, and a zip can inflate a thousand
times. Everything that reads a structured document goes through :func:`load_json`,
:func:`load_yaml` or :func:`load_toml` here, and a hit limit is a :class:`BadInput` naming the file
(and line where there is one): exit 2, never a traceback, within bounded time and memory.

The limits are the operator's: ``GATECHECK_LIMITS="max_depth=128,max_yaml_aliases=50"`` in the
environment overrides the defaults below (names as in :class:`Limits`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gatecheck.errors import BadInput
from gatecheck.positions import json_key_line

LIMITS_ENV = "GATECHECK_LIMITS"


@dataclass(frozen=True)
class Limits:
    """Upper bounds on untrusted input. Every field can be set by the operator (``GATECHECK_LIMITS``)."""

    #: Nesting of arrays and objects in any JSON, YAML or TOML document.
    max_depth: int = 64
    #: Bytes of one configuration, waivers, policy data, SARIF, lock or request document.
    max_document_bytes: int = 64 * 1024 * 1024
    #: YAML aliases (``*name``) in one document: anchors are rare in configuration.
    max_yaml_aliases: int = 100
    #: Nodes a YAML document has once every alias is expanded (an alias bomb's size).
    max_yaml_nodes: int = 1_000_000
    #: Members of one zip archive (an OSV database).
    max_zip_members: int = 500_000
    #: Uncompressed bytes of one zip member.
    max_zip_member_bytes: int = 16 * 1024 * 1024
    #: Uncompressed bytes of all of a zip's members together.
    max_zip_total_bytes: int = 4 * 1024 * 1024 * 1024
    #: How much larger than its compressed size one zip member may be.
    max_zip_ratio: int = 200
    #: Signatures on one DSSE envelope (each costs a verification per trusted key).
    max_signatures: int = 16
    #: Characters of one string stored in a database column or shown in a report line.
    max_stored_string: int = 4096


def _from_environment() -> Limits:
    text = os.environ.get(LIMITS_ENV, "").strip()
    if not text:
        return Limits()
    names = {f.name for f in dataclasses.fields(Limits)}
    values: dict[str, int] = {}
    for part in text.split(","):
        name, sep, raw = part.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise BadInput(f"{LIMITS_ENV}: {part.strip()!r} is not NAME=VALUE with NAME one of {', '.join(sorted(names))}",
                           key=LIMITS_ENV)
        try:
            value = int(raw.strip())
        except ValueError as exc:
            raise BadInput(f"{LIMITS_ENV}: {name} must be a whole number, not {raw.strip()!r}", key=LIMITS_ENV) from exc
        if value < 1:
            raise BadInput(f"{LIMITS_ENV}: {name} must be at least 1", key=LIMITS_ENV)
        values[name] = value
    return Limits(**values)


_current: Limits | None = None


def current() -> Limits:
    """The limits in force (the defaults, or what ``GATECHECK_LIMITS`` says), read once."""
    global _current
    if _current is None:
        _current = _from_environment()
    return _current


def reset() -> None:
    """Read ``GATECHECK_LIMITS`` again on the next use (tests change the environment)."""
    global _current
    _current = None


# --- nesting and numbers ------------------------------------------------------------------------------


def depth_problem(value: Any, limit: int) -> tuple[list[str | int], str] | None:
    """The key path of the first place ``value`` nests deeper than ``limit``, or holds a number
    that is not finite (NaN, infinity); None when it does neither. Iterative: a hostile document
    cannot exhaust the stack here."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return path, f"{item} is not a finite number"
        if isinstance(item, dict | list):
            if len(path) >= limit:
                return path, f"nested more than {limit} levels deep"
            children = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, [*path, key]) for key, child in children)
    return None


def _located(name: str | Path, line_of: Callable[[list[str | int]], int | None] | None,
             problem: tuple[list[str | int], str]) -> BadInput:
    path, message = problem
    key = ".".join(str(p) for p in path) or None
    return BadInput(message, path=name, line=line_of(path) if line_of else None, key=key)


def check_document(value: Any, name: str | Path, *, line_of: Callable[[list[str | int]], int | None] | None = None,
                   limits: Limits | None = None) -> Any:
    """``value`` itself, after checking its nesting and numbers (see :func:`depth_problem`)."""
    problem = depth_problem(value, (limits or current()).max_depth)
    if problem is not None:
        raise _located(name, line_of, problem)
    return value


def check_size(data: str | bytes, name: str | Path, limits: Limits | None = None) -> None:
    limit = (limits or current()).max_document_bytes
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if size > limit:
        raise BadInput(f"larger than {limit} bytes ({size}); raise max_document_bytes in {LIMITS_ENV} to read it",
                       path=name)


# --- JSON -------------------------------------------------------------------------------------------------


def load_json(data: str | bytes, name: str | Path, *, duplicates: bool = False) -> Any:
    """Parse JSON within the limits. Duplicate keys in an object are bad input (the last one would
    silently win) unless ``duplicates`` allows them; ``NaN``/``Infinity`` are refused."""
    check_size(data, name)
    text = data.decode("utf-8") if isinstance(data, bytes) else data

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out and not duplicates:
                raise _Duplicate(key)
            out[key] = value
        return out

    def constant(token: str) -> Any:
        raise _NotFinite(token)

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", path=name, line=exc.lineno) from exc
    except _Duplicate as exc:
        # The line of the second time the key is written: the duplicate.
        line = json_key_line(text, exc.args[0], occurrence=2)
        raise BadInput(f"duplicate key {exc.args[0]!r} in an object", path=name, line=line) from exc
    except _NotFinite as exc:
        raise BadInput(f"{exc.args[0]} is not a number JSON allows", path=name) from exc
    except RecursionError as exc:
        raise BadInput(f"nested more than {current().max_depth} levels deep", path=name) from exc
    except ValueError as exc:  # an integer longer than Python converts (4300 digits)
        raise BadInput(f"not acceptable JSON: {exc}", path=name) from exc
    return check_document(value, name)


class _Duplicate(Exception):
    pass


class _NotFinite(Exception):
    pass


# --- YAML -------------------------------------------------------------------------------------------------


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting aliases and refusing duplicate keys."""

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > current().max_yaml_aliases:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.YAMLError(f"more than {current().max_yaml_aliases} aliases (line {mark.line + 1}): refused, "
                                     "as an alias can expand a small file into a huge document")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                duplicate = False  # an unhashable key: PyYAML reports it itself
            if duplicate:
                raise _YamlDuplicate(key, key_node.start_mark.line + 1)
            if not isinstance(key, list | dict):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _YamlDuplicate(Exception):
    pass


def _expanded_size(node: yaml.Node, limit: int) -> int:
    """Nodes in the document once aliases are expanded, counted over the node graph with memoisation
    (an alias is the same node object), stopping as soon as the count passes ``limit``."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [node]
    seen: set[int] = set()
    while stack:  # post-order without recursion
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        order.append(item)
        if isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, yaml.MappingNode):
            for k, v in item.value:
                stack.extend((k, v))
    for item in reversed(order):
        total = 1
        if isinstance(item, yaml.SequenceNode):
            total += sum(sizes.get(id(c), 1) for c in item.value)
        elif isinstance(item, yaml.MappingNode):
            total += sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in item.value)
        sizes[id(item)] = min(total, limit + 1)
    return sizes[id(node)]


def _flow_depth_exceeds(text: str, limit: int) -> int | None:
    """The line where ``[``/``{`` brackets outside quotes and comments nest deeper than ``limit``, or None.

    PyYAML composes nested collections recursively and slowly: 5,000 levels of ``[`` took 18 s
    before its recursion gave out. This scan refuses them first, in linear time.
    """
    depth = 0
    quote = ""
    line = 1
    previous = "\n"
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\n":
            line += 1
        if quote:
            if char == "\\" and quote == '"':
                i += 2
                previous = ""
                continue
            if char == quote:
                quote = ""
        elif char in "\"'" and previous in " \t\n[{,:":
            quote = char
        elif char == "#" and previous in " \t\n":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char
        i += 1
    return None


def load_yaml(text: str, name: str | Path) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document within the limits: the data and its node tree (for line numbers)."""
    check_size(text, name)
    limits = current()
    too_deep = _flow_depth_exceeds(text, limits.max_depth)
    if too_deep is not None:
        raise BadInput(f"nested more than {limits.max_depth} levels deep", path=name, line=too_deep)
    loader: _LimitedLoader | None = None
    try:
        # The reader checks the text as the loader is made: a control character is a YAMLError here.
        loader = _LimitedLoader(text)
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, limits.max_yaml_nodes) > limits.max_yaml_nodes:
            raise BadInput(f"expands to more than {limits.max_yaml_nodes} nodes once its aliases are resolved",
                           path=name, line=node.start_mark.line + 1)
        document = loader.construct_document(node) if node is not None else None
    except _YamlDuplicate as exc:
        raise BadInput(f"duplicate key {exc.args[0]!r} (the last one would silently win)", path=name,
                       line=exc.args[1]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(f"invalid YAML: {problem}", path=name, line=mark.line + 1 if mark else None) from exc
    except RecursionError as exc:
        raise BadInput(f"nested more than {limits.max_depth} levels deep", path=name) from exc
    except ValueError as exc:
        # PyYAML's constructors convert scalars with int(), date() and friends: an integer of more
        # digits than Python converts, or a timestamp with month 13, raises ValueError there.
        raise BadInput(f"invalid YAML value: {exc}", path=name) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return check_document(document, name), node


# --- zip archives -----------------------------------------------------------------------------------------


def zip_members(archive: zipfile.ZipFile, name: str | Path) -> list[zipfile.ZipInfo]:
    """The archive's file members, after checking the limits on their number, their uncompressed
    sizes (each and together) and their compression ratios: a zip bomb is refused before a byte of
    it is inflated. Sizes come from the central directory; :func:`read_member` holds a member to
    its declared size while inflating, so a lying directory does not help either."""
    limits = current()
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > limits.max_zip_members:
        raise BadInput(f"holds {len(members)} members, more than {limits.max_zip_members}", path=name)
    total = 0
    for info in members:
        if info.file_size > limits.max_zip_member_bytes:
            raise BadInput(f"member {info.filename} inflates to {info.file_size} bytes, more than "
                           f"{limits.max_zip_member_bytes}", path=name)
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            raise BadInput(f"member {info.filename} inflates {info.file_size // max(info.compress_size, 1)} times "
                           f"(more than {limits.max_zip_ratio}): refused as a zip bomb", path=name)
        total += info.file_size
        if total > limits.max_zip_total_bytes:
            raise BadInput(f"inflates to more than {limits.max_zip_total_bytes} bytes", path=name)
    return members


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str | Path) -> bytes:
    """One member's bytes, never more than its declared size (checked by :func:`zip_members`)."""
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise BadInput(f"member {info.filename} inflates past the size its directory declares", path=name)
    return data


# --- TOML -------------------------------------------------------------------------------------------------


def load_toml(text: str, name: str | Path, *, line_of: Callable[[list[str | int]], int | None] | None = None) -> Any:
    """Parse TOML within the limits (TOML itself refuses duplicate keys); NaN and infinity are refused."""
    check_size(text, name)
    try:
        document = tomllib.loads(text)
    except RecursionError as exc:
        raise BadInput(f"nested more than {current().max_depth} levels deep", path=name) from exc
    except tomllib.TOMLDecodeError:
        raise  # the caller names the line its own way
    except ValueError as exc:  # an integer longer than Python converts (4300 digits)
        raise BadInput(f"not acceptable TOML: {exc}", path=name) from exc
    return check_document(document, name, line_of=line_of)
