"""The rule packs a scan uses: gatecheck's own pack plus any rule directories the project adds.

Rule files are read here (not only by semgrep) for four reasons: a malformed rule file must
be reported with its file and line before semgrep gives a less precise message; the rules'
languages decide which files are scan targets; two packs that define the same rule id
would make findings ambiguous, which is a configuration error; and semgrep is handed the rules
as they parse (:meth:`RulePack.engine_config`), YAML anchors and aliases already resolved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gatecheck.api import BadInput, CheckFailed, limits

#: gatecheck's own rule pack; test files live in ``rules/tests`` (semgrep ``--test`` layout).
BUILTIN_RULES = Path(__file__).resolve().parent / "rules"

RULE_SUFFIXES = (".yaml", ".yml")

#: File name patterns per semgrep language. Rules in other languages need the check's
#: ``include`` option, because the check cannot guess which files they apply to.
LANGUAGE_PATTERNS: dict[str, tuple[str, ...]] = {
    "python": ("*.py", "*.pyi"),
    "py": ("*.py", "*.pyi"),
    "python3": ("*.py", "*.pyi"),
    "javascript": ("*.js", "*.jsx", "*.mjs", "*.cjs"),
    "js": ("*.js", "*.jsx", "*.mjs", "*.cjs"),
    "typescript": ("*.ts", "*.tsx", "*.mts", "*.cts"),
    "ts": ("*.ts", "*.tsx", "*.mts", "*.cts"),
    "go": ("*.go",),
    "golang": ("*.go",),
    "java": ("*.java",),
    "kotlin": ("*.kt", "*.kts"),
    "ruby": ("*.rb",),
    "php": ("*.php",),
    "c": ("*.c", "*.h"),
    "cpp": ("*.cpp", "*.cc", "*.cxx", "*.hpp", "*.hh", "*.h"),
    "csharp": ("*.cs",),
    "rust": ("*.rs",),
    "scala": ("*.scala",),
    "swift": ("*.swift",),
    "bash": ("*.sh", "*.bash"),
    "sh": ("*.sh", "*.bash"),
    "dockerfile": ("Dockerfile", "*.dockerfile", "Dockerfile.*"),
    "yaml": ("*.yaml", "*.yml"),
    "json": ("*.json",),
    "terraform": ("*.tf", "*.hcl"),
    "hcl": ("*.tf", "*.hcl"),
    "html": ("*.html", "*.htm"),
    "lua": ("*.lua",),
    "solidity": ("*.sol",),
}

#: Languages that match any text: a rule in one says which files it reads with ``paths.include``.
TEXT_LANGUAGES = frozenset({"regex", "generic", "none"})

#: semgrep's severity names (a rule's `severity`, a result's `extra.severity`) as gatecheck's scale.
SEMGREP_SEVERITY = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "ERROR": "high",
    "MEDIUM": "medium",
    "WARNING": "medium",
    "LOW": "low",
    # semgrep's lowest level is informational: reported, below every policy threshold.
    "INFO": "info",
    "EXPERIMENT": "info",
    "INVENTORY": "info",
}


@dataclass
class Rule:
    """What the check needs to know about one rule."""

    id: str
    languages: list[str]
    severity: str
    file: Path
    line: int
    metadata: dict[str, Any] = field(default_factory=dict)
    builtin: bool = False
    #: The rule's own ``paths.include`` globs: the file types of a rule in a language without
    #: file types of its own (``regex``, ``generic``: templates, configuration files).
    paths_include: list[str] = field(default_factory=list)
    #: The rule's message as written (with its $METAVARIABLES), for reports' rule help.
    message: str = ""
    #: The rule as YAML parses it, what semgrep is given.
    document: dict[str, Any] = field(default_factory=dict)


@dataclass
class RulePack:
    """Every rule of one scan, by id, and the files they came from."""

    files: list[Path] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)

    def engine_config(self, directory: Path) -> Path:
        """All rules in one JSON rule file under ``directory``, for semgrep.

        semgrep's native front end (the one ``--experimental`` selects, twice as fast to start
        as the Python one) does not resolve YAML aliases, which the built-in pack uses to share
        sources and sanitisers between taint rules; JSON written from the parsed rules has none.
        """
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / "gatecheck-rules.json"
        # default=str: YAML gives dates and other scalars JSON lacks (in metadata, which semgrep only
        # passes through); semgrep reads them as the strings they were written as.
        target.write_text(json.dumps({"rules": [r.document for r in self.rules.values()]}, default=str), "utf-8")
        return target

    def patterns(self) -> tuple[list[str], list[str]]:
        """File name patterns the rules apply to, and the languages the check cannot map."""
        patterns: list[str] = []
        unmapped: list[str] = []
        for rule in self.rules.values():
            for language in rule.languages:
                known = LANGUAGE_PATTERNS.get(language.lower())
                if known is None and language.lower() in TEXT_LANGUAGES and rule.paths_include:
                    known = tuple(rule.paths_include)
                if known is None:
                    if language not in unmapped:
                        unmapped.append(language)
                    continue
                patterns.extend(p for p in known if p not in patterns)
        return patterns, unmapped

    def resolve(self, name: str) -> Rule | None:
        """The rule a ``nosemgrep`` comment names: its full id, or a dotted suffix of it."""
        if name in self.rules:
            return self.rules[name]
        matches = [r for rid, r in self.rules.items() if rid.endswith("." + name)]
        return matches[0] if len(matches) == 1 else None


def rule_files(location: Path) -> list[Path]:
    """YAML rule files under ``location`` (a file or a directory), sorted, skipping test
    directories and semgrep test targets (``*.test.yaml``, ``*.fixed.*``)."""
    if location.is_file():
        return [location]
    found: list[Path] = []
    for path in sorted(location.rglob("*")):
        rel = path.relative_to(location)
        if not path.is_file() or path.suffix not in RULE_SUFFIXES:
            continue
        if any(part in ("tests", "test") or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if ".test." in path.name or ".fixed." in path.name or path.name.startswith("."):
            continue
        found.append(path)
    return found


def load_pack(
    locations: Iterable[tuple[Path, bool]],
    display: Callable[[Path], str],
    confine: Callable[[Path], None] | None = None,
) -> RulePack:
    """Read every rule file under ``locations`` (each ``(path, builtin)``).

    ``display`` turns a path into the name used in messages (project-relative for
    project rules); ``confine`` is called on every project rule file before it is read and
    raises for one that must not be (a symlink out of the tree). Raises :class:`CheckFailed`
    with ``bad_input`` naming the file and line for a malformed file, a rule without id or
    languages, or a duplicate id.
    """
    pack = RulePack()
    for location, builtin in locations:
        if not location.exists():
            raise CheckFailed(f"rule location {display(location)} does not exist", bad_input=not builtin)
        files = rule_files(location)
        if not files:
            raise CheckFailed(f"no rule files (*.yaml, *.yml) under {display(location)}", bad_input=not builtin)
        for path in files:
            if confine is not None and not builtin:
                confine(path)
            for rule in _read_rules(path, builtin, display):
                if rule.id in pack.rules:
                    other = pack.rules[rule.id]
                    raise CheckFailed(
                        f"{display(path)}:{rule.line}: rule id {rule.id!r} is already defined at "
                        f"{display(other.file)}:{other.line}",
                        bad_input=True,
                    )
                pack.rules[rule.id] = rule
            pack.files.append(path)
    return pack


def _read_rules(path: Path, builtin: bool, display: Callable[[Path], str]) -> list[Rule]:
    name = display(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckFailed(f"{name}: not UTF-8 text", bad_input=not builtin) from exc
    try:
        data, root = _builtin_yaml(text) if builtin else limits.load_yaml(text, name)
    except BadInput as exc:
        raise CheckFailed(exc.describe(), bad_input=True) from exc
    except yaml.YAMLError as exc:  # gatecheck's own pack: a bug in gatecheck, not bad input
        raise CheckFailed(f"{name}: invalid YAML: {exc}") from exc

    def bad(line: int, message: str) -> CheckFailed:
        return CheckFailed(f"{name}:{line}: {message}", bad_input=not builtin)

    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise bad(1, "a semgrep rule file is a mapping with a 'rules' list")
    lines = _rule_lines(root)
    rules: list[Rule] = []
    for index, entry in enumerate(data["rules"]):
        line = lines[index] if index < len(lines) else 1
        if not isinstance(entry, dict):
            raise bad(line, f"rule {index} is not a mapping")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id.strip():
            raise bad(line, f"rule {index} has no 'id'")
        languages = entry.get("languages")
        if not isinstance(languages, list) or not languages or not all(isinstance(x, str) for x in languages):
            raise bad(line, f"rule {rule_id!r} needs a non-empty 'languages' list")
        severity = str(entry.get("severity", "")).upper()
        if severity not in SEMGREP_SEVERITY:
            raise bad(line, f"rule {rule_id!r} has severity {entry.get('severity')!r} "
                            f"(one of {', '.join(SEMGREP_SEVERITY)})")
        if not isinstance(entry.get("message"), str):
            raise bad(line, f"rule {rule_id!r} has no 'message'")
        meta: dict[str, Any] = entry["metadata"] if isinstance(entry.get("metadata"), dict) else {}
        paths = entry.get("paths") if isinstance(entry.get("paths"), dict) else {}
        include = [g for g in paths.get("include", []) if isinstance(g, str)] if isinstance(paths, dict) else []
        rules.append(Rule(id=rule_id, languages=list(languages), severity=SEMGREP_SEVERITY[severity], file=path,
                          line=line, metadata=dict(meta), builtin=builtin, message=entry["message"],
                          paths_include=include, document=entry))
    return rules


def _builtin_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """A rule file of gatecheck's own pack, parsed by libyaml when PyYAML has it. The pack ships
    with gatecheck, so the limits a project's rule file is read within (:func:`limits.load_yaml`:
    aliases, their expansion, duplicate keys, all checked in Python) are not needed, and the C
    parser makes a cached run's start a fifth of a second faster."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _rule_lines(root: yaml.Node | None) -> list[int]:
    """1-based line of each entry of the top-level ``rules`` list."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "rules" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
