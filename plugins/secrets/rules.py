"""Secret rules and allowlists, and the parser of the gitleaks configuration format that holds them.

The built-in pack (``rules.toml`` next to this module) and a team's own gitleaks
configuration are read by the same parser, so both support the same fields:

- ``[[rules]]``: ``id``, ``description``, ``regex``, ``secretGroup``, ``entropy``,
  ``keywords``, ``path``, ``tags``, ``[[rules.allowlists]]`` (and the older single
  ``[rules.allowlist]``), plus gatecheck's ``severity``, ``confidence``, ``family`` (the
  provider or kind of credential the rule belongs to) and ``validate`` (names of checks in
  :mod:`gatecheck_plugins.secrets.validators` a match must pass: checksums, structure,
  secret-likeness);
- ``[[allowlists]]`` (and the older ``[allowlist]``): global allowlists, optionally
  limited to some rules with ``targetRules``;
- ``[extend]``: ``useDefault`` (add gatecheck's built-in pack), ``path`` (another
  configuration file, relative to this one) and ``disabledRules``.

An allowlist has ``description``, ``condition`` (``OR``, the default, or ``AND``),
``paths`` (regexes on the path), ``regexes`` with ``regexTarget`` (``secret``, the
default, ``match`` or ``line``), ``stopwords`` (substrings of the secret) and
``commits``. Every error names the file and the line of the offending rule.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from gatecheck.api import SEVERITIES as _ALL_SEVERITIES
from gatecheck.api import BadInput, CheckFailed, Severity, toml_key_line, toml_table_lines
from gatecheck_plugins.secrets.validators import VALIDATORS, Validator

#: The severities a rule may declare: every finding severity but "unknown".
SEVERITIES: tuple[Severity, ...] = tuple(s for s in _ALL_SEVERITIES if s != "unknown")
#: The family of a rule that does not name one (a team's own gitleaks rules).
CUSTOM_FAMILY = "custom"
Confidence = Literal["high", "medium", "low"]
CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")
BUILTIN_SOURCE = "builtin"

try:  # RE2 confirms matches in linear time; it also reads gitleaks' Go regex syntax natively.
    import re2 as _re2  # type: ignore[import-untyped]  # google-re2 ships no type information

    _RE2_OPTIONS = _re2.Options()
    _RE2_OPTIONS.log_errors = False
    _RE2_OPTIONS.encoding = _re2.Options.Encoding.LATIN1
except ImportError:  # pragma: no cover - google-re2 is a dependency; this keeps a broken install usable
    _re2 = None


def compile_path_regex(pattern: str) -> Any:
    """Compile a regex that only ever sees file paths: ``re`` first (cheaper per call on short
    strings), RE2 for Go-only syntax."""
    try:
        return re.compile(pattern.encode("utf-8"))
    except re.error:
        return compile_regex(pattern)


def compile_regex(pattern: str) -> Any:
    """Compile ``pattern`` for bytes: with RE2 where it can (linear time, Go syntax), else with ``re``
    (rules that need lookarounds or back-references). Raises ``ValueError`` when neither accepts it."""
    raw = pattern.encode("utf-8")
    if _re2 is not None:
        try:
            return _re2.compile(raw, _RE2_OPTIONS)
        except Exception:  # re2 raises its own error type; fall through to re
            pass
    try:
        return re.compile(raw)
    except re.error as exc:
        raise ValueError(str(exc)) from exc


@dataclass
class Allowlist:
    """Conditions under which a match is not a finding."""

    description: str = ""
    condition: str = "OR"
    paths: list[Any] = field(default_factory=list)
    regexes: list[Any] = field(default_factory=list)
    regex_target: str = "secret"
    stopwords: list[bytes] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    target_rules: list[str] = field(default_factory=list)

    def allows(self, path: str, secret: bytes, match: bytes, line: bytes, commit: str | None = None) -> bool:
        """Whether this allowlist covers a match (``OR``: any criterion; ``AND``: all that are set)."""
        checks: list[bool] = []
        if self.commits:
            checks.append(commit is not None and any(commit.startswith(c) for c in self.commits))
        if self.paths:
            encoded = path.encode("utf-8", "surrogateescape")
            checks.append(any(p.search(encoded) for p in self.paths))
        if self.regexes:
            target = {"match": match, "line": line}.get(self.regex_target, secret)
            checks.append(any(r.search(target) for r in self.regexes))
        if self.stopwords:
            lowered = secret.lower()
            checks.append(any(word in lowered for word in self.stopwords))
        if not checks:
            return False
        return all(checks) if self.condition == "AND" else any(checks)

    def allows_path(self, path: str) -> bool:
        """Whether the path alone settles it (an ``OR`` allowlist with a matching path)."""
        if not self.paths or (self.condition == "AND" and (self.regexes or self.stopwords or self.commits)):
            return False
        encoded = path.encode("utf-8", "surrogateescape")
        return any(p.search(encoded) for p in self.paths)


@dataclass
class Rule:
    """One detection rule."""

    id: str
    description: str
    regex: str | None = None
    secret_group: int = 0
    entropy: float = 0.0
    keywords: tuple[bytes, ...] = ()
    path: str | None = None
    tags: tuple[str, ...] = ()
    severity: Severity = "high"
    confidence: Confidence = "medium"
    #: The provider (``github``, ``aws``) or kind of credential (``private-key``, ``generic``) it finds.
    family: str = CUSTOM_FAMILY
    #: Names of the validators a match must pass, and the functions themselves.
    validate: tuple[str, ...] = ()
    validators: tuple[Validator, ...] = ()
    allowlists: list[Allowlist] = field(default_factory=list)
    source: str = BUILTIN_SOURCE
    line: int | None = None
    compiled: Any = None
    path_compiled: Any = None
    #: Number of capture groups in ``regex`` (asking RE2 each time costs a call into C).
    groups: int = 0

    @property
    def generic(self) -> bool:
        """Generic rules give way to a specific rule that matched the same text."""
        return "generic" in self.tags

    def applies_to(self, path: str) -> bool:
        return self.path_compiled is None or bool(self.path_compiled.search(path.encode("utf-8", "surrogateescape")))


@dataclass
class RuleSet:
    """The rules and global allowlists in force for one scan."""

    rules: list[Rule] = field(default_factory=list)
    allowlists: list[Allowlist] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def extend(self, other: RuleSet) -> None:
        """Add ``other``'s rules; a rule with an id already present replaces it (a team's override)."""
        index = {r.id: i for i, r in enumerate(self.rules)}
        for rule in other.rules:
            if rule.id in index:
                self.rules[index[rule.id]] = rule
            else:
                index[rule.id] = len(self.rules)
                self.rules.append(rule)
        self.allowlists.extend(other.allowlists)
        self.sources.extend(other.sources)

    def without(self, disabled: Sequence[str]) -> RuleSet:
        drop = set(disabled)
        return RuleSet([r for r in self.rules if r.id not in drop], list(self.allowlists), list(self.sources))


def builtin_rules() -> RuleSet:
    """gatecheck's own rule pack."""
    text = resources.files("gatecheck_plugins.secrets").joinpath("rules.toml").read_text("utf-8")
    return parse_config(text, BUILTIN_SOURCE)


#: Reads a rules file by name and returns (text, how the file is named in messages).
Reader = Callable[[str], tuple[str, str]]
#: How deep ``[extend] path`` may chain files.
MAX_EXTEND_DEPTH = 8


def read_local_file(name: str) -> tuple[str, str]:
    """A :data:`Reader` for a file the operator names on the command line (any local path)."""
    path = Path(name)
    try:
        return path.read_text("utf-8"), name
    except FileNotFoundError as exc:
        raise CheckFailed(f"{name}: secret rules file not found", bad_input=True) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckFailed(f"{name}: cannot read secret rules file: {exc}", bad_input=True) from exc


def load_config(name: str, read: Reader = read_local_file, *, _chain: tuple[str, ...] = ()) -> RuleSet:
    """Read the gitleaks-format file ``name`` through ``read``, and the files its ``[extend] path`` names.

    An ``[extend] path`` is relative to the file that names it and is read through the same
    ``read``, so a check that reads configuration from a trusted source follows includes there too.
    """
    if name in _chain:
        raise CheckFailed(f"{name}:1: [extend] path includes itself", bad_input=True)
    if len(_chain) >= MAX_EXTEND_DEPTH:
        raise CheckFailed(f"{name}:1: [extend] path chains more than {MAX_EXTEND_DEPTH} files", bad_input=True)
    text, shown = read(name)

    def include(target: str) -> RuleSet:
        joined = target if posixpath.isabs(target) else posixpath.join(posixpath.dirname(name), target)
        return load_config(posixpath.normpath(joined), read, _chain=(*_chain, name))

    return parse_config(text, shown, include=include)


def parse_config(text: str, source: str, *, include: Callable[[str], RuleSet] | None = None) -> RuleSet:
    """Parse gitleaks-format TOML text; ``source`` names it in errors; ``include`` reads an ``[extend] path``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise CheckFailed(f"{source}:{line or 1}: invalid TOML: {str(exc).split(' (at line')[0]}", bad_input=True) from exc
    where = _Locator(text, source)
    result = RuleSet(sources=[source])
    extend = doc.get("extend", {})
    if not isinstance(extend, dict):
        raise where.bad("[extend] must be a table", where.table_line("extend"))
    if extend.get("useDefault"):
        result.extend(builtin_rules())
    if extend.get("path"):
        if include is None:
            raise where.bad("[extend] path is not supported here", where.table_line("extend"))
        target = str(extend["path"])
        try:
            result.extend(include(target))
        except BadInput as exc:  # a path that leaves the tree or the trusted source
            raise where.bad(f"[extend] path {target!r}: {exc.message}",
                            where.key_line(where.table_line("extend"), "path")) from exc
    rules_data = doc.get("rules", [])
    if not isinstance(rules_data, list):
        raise where.bad("'rules' must be an array of tables ([[rules]])", 1)
    own = RuleSet()
    for index, data in enumerate(rules_data):
        own.rules.append(_rule(data, index, where))
    seen_ids: dict[str, int] = {}
    for rule in own.rules:
        if rule.id in seen_ids:
            raise where.bad(f"duplicate rule id {rule.id!r} (first defined at line {seen_ids[rule.id]})", rule.line)
        seen_ids[rule.id] = rule.line or 0
    global_lists: list[Any] = []
    if "allowlist" in doc:
        global_lists.append(("allowlist", None, doc["allowlist"]))
    for i, item in enumerate(doc.get("allowlists", []) or []):
        global_lists.append(("allowlists", i, item))
    for key, i, item in global_lists:
        line = where.array_table_line(key, i) if i is not None else where.table_line(key)
        own.allowlists.append(_allowlist(item, where, line, global_=True))
    result.extend(own)
    disabled = extend.get("disabledRules", [])
    if disabled:
        result = result.without([str(d) for d in disabled])
    return result


def _rule(data: Any, index: int, where: _Locator) -> Rule:
    line = where.array_table_line("rules", index)
    if not isinstance(data, dict):
        raise where.bad("a rule must be a table", line)
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise where.bad(f"rule {index + 1} has no 'id'", line)
    regex = data.get("regex")
    path = data.get("path")
    if regex is None and path is None:
        raise where.bad(f"rule {rule_id!r} needs a 'regex' or a 'path'", line)
    for key in ("regex", "path", "description"):
        if key in data and not isinstance(data[key], str):
            raise where.bad(f"rule {rule_id!r}: '{key}' must be a string", where.key_line(line, key))
    rule = Rule(
        id=rule_id,
        description=str(data.get("description") or rule_id),
        regex=regex,
        path=path,
        source=where.source,
        line=line,
    )
    if regex is not None:
        try:
            rule.compiled = compile_regex(regex)
        except ValueError as exc:
            raise where.bad(f"rule {rule_id!r}: invalid regex: {exc}", where.key_line(line, "regex")) from exc
    if path is not None:
        try:
            rule.path_compiled = compile_path_regex(path)
        except ValueError as exc:
            raise where.bad(f"rule {rule_id!r}: invalid path regex: {exc}", where.key_line(line, "path")) from exc
    rule.groups = int(rule.compiled.groups or 0) if rule.compiled is not None else 0
    group = data.get("secretGroup", 0)
    if not isinstance(group, int) or group < 0:
        raise where.bad(f"rule {rule_id!r}: 'secretGroup' must be a non-negative integer", where.key_line(line, "secretGroup"))
    if rule.compiled is not None and group > rule.groups:
        raise where.bad(f"rule {rule_id!r}: secretGroup {group} but the regex has {rule.groups} group(s)",
                        where.key_line(line, "secretGroup"))
    rule.secret_group = group
    entropy = data.get("entropy", 0.0)
    if not isinstance(entropy, int | float) or isinstance(entropy, bool) or entropy < 0:
        raise where.bad(f"rule {rule_id!r}: 'entropy' must be a non-negative number", where.key_line(line, "entropy"))
    rule.entropy = float(entropy)
    keywords = data.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise where.bad(f"rule {rule_id!r}: 'keywords' must be a list of strings", where.key_line(line, "keywords"))
    rule.keywords = tuple(k.lower().encode("utf-8") for k in keywords if k)
    tags = data.get("tags", [])
    if not isinstance(tags, list):
        raise where.bad(f"rule {rule_id!r}: 'tags' must be a list of strings", where.key_line(line, "tags"))
    rule.tags = tuple(str(t) for t in tags)
    severity = str(data.get("severity", "high")).lower()
    known_severity = next((s for s in SEVERITIES if s == severity), None)
    if known_severity is None:
        raise where.bad(f"rule {rule_id!r}: severity {severity!r} is not one of {', '.join(SEVERITIES)}",
                        where.key_line(line, "severity"))
    rule.severity = known_severity
    confidence = str(data.get("confidence", "medium")).lower()
    known_confidence = next((c for c in CONFIDENCES if c == confidence), None)
    if known_confidence is None:
        raise where.bad(f"rule {rule_id!r}: confidence {confidence!r} is not one of {', '.join(CONFIDENCES)}",
                        where.key_line(line, "confidence"))
    rule.confidence = known_confidence
    family = data.get("family", CUSTOM_FAMILY)
    if not isinstance(family, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", family):
        raise where.bad(f"rule {rule_id!r}: 'family' must be a lower-case name like \"github\"", where.key_line(line, "family"))
    rule.family = family
    validate = data.get("validate", [])
    if not isinstance(validate, list) or not all(isinstance(v, str) for v in validate):
        raise where.bad(f"rule {rule_id!r}: 'validate' must be a list of strings", where.key_line(line, "validate"))
    unknown = [v for v in validate if v not in VALIDATORS]
    if unknown:
        raise where.bad(f"rule {rule_id!r}: unknown validator(s) {', '.join(map(repr, unknown))}; known: "
                        f"{', '.join(sorted(VALIDATORS))}", where.key_line(line, "validate"))
    rule.validate = tuple(validate)
    rule.validators = tuple(VALIDATORS[v] for v in validate)
    lists: list[Any] = []
    if "allowlist" in data:
        lists.append(data["allowlist"])
    lists.extend(data.get("allowlists", []) or [])
    for item in lists:
        rule.allowlists.append(_allowlist(item, where, line, global_=False))
    return rule


def _allowlist(data: Any, where: _Locator, line: int | None, *, global_: bool) -> Allowlist:
    if not isinstance(data, dict):
        raise where.bad("an allowlist must be a table", line)
    condition = str(data.get("condition", "OR")).upper()
    if condition not in ("OR", "AND"):
        raise where.bad(f"allowlist condition {condition!r} must be OR or AND", line)
    target = str(data.get("regexTarget", "secret")).lower()
    if target not in ("secret", "match", "line"):
        raise where.bad(f"allowlist regexTarget {target!r} must be secret, match or line", line)

    def strings(key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise where.bad(f"allowlist '{key}' must be a list of strings", line)
        return value

    def regexes(key: str) -> list[Any]:
        compiled = []
        compile_ = compile_path_regex if key == "paths" else compile_regex
        for pattern in strings(key):
            try:
                compiled.append(compile_(pattern))
            except ValueError as exc:
                raise where.bad(f"allowlist {key} regex {pattern!r} is invalid: {exc}", line) from exc
        return compiled

    return Allowlist(
        description=str(data.get("description", "")),
        condition=condition,
        paths=regexes("paths"),
        regexes=regexes("regexes"),
        regex_target=target,
        stopwords=[s.lower().encode("utf-8") for s in strings("stopwords") if s],
        commits=strings("commits"),
        target_rules=strings("targetRules") if global_ else [],
    )


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


class _Locator:
    """Finds the line of a table or key in TOML text, for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self._array_tables: dict[str, list[int]] = {}

    def bad(self, message: str, line: int | None) -> CheckFailed:
        return CheckFailed(f"{self.source}:{line or 1}: {message}", bad_input=True)

    def array_table_line(self, name: str, index: int) -> int | None:
        # Every rule asks for its own header line: one pass per table name instead of one per rule
        # (the quadratic scan was most of the time it took to load the built-in pack).
        numbers = self._array_tables.get(name)
        if numbers is None:
            numbers = self._array_tables[name] = toml_table_lines(self.lines, name, array=True)
        return numbers[index] if 0 <= index < len(numbers) else None

    def table_line(self, name: str) -> int | None:
        return next(iter(toml_table_lines(self.lines, name)), None)

    def key_line(self, start: int | None, key: str) -> int | None:
        """The line of ``key = ...`` in the table that begins at ``start`` (its ``rules.`` sub-tables
        included); the table's own line when the key is not written there."""
        if start is None:
            return None
        return toml_key_line(self.lines, key, start, sub_tables=("rules.",)) or start
