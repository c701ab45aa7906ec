"""Loads and validates the configuration: ``gatecheck.toml`` or ``[tool.gatecheck]`` in ``pyproject.toml``.

Every error names the file, the key path and the line, so a typo is found in seconds
and never silently turns a control off (unknown keys are errors).
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck import limits, trust, validation
from gatecheck.errors import BadInput
from gatecheck.positions import locate_toml
from gatecheck.repository import OutsideRepository, normalize

CONFIG_FILE = trust.CONFIG_FILE
PYPROJECT = trust.PYPROJECT
RUNNER_KEYS = ("enabled", "timeout")
#: Schema annotations (in schemas/config.schema.json and every check's options schema):
#: a key only the operator may set (URLs, tokens, environment-variable names, paths anywhere)...
OPERATOR_ONLY = "x-gatecheck-operator"
#: ...values of a key that only the operator may use (``environment = "current"``)...
OPERATOR_VALUES = "x-gatecheck-operator-values"
#: ...and a key whose string (or strings) name a path that repository configuration must keep inside the tree.
PATH_KEY = "x-gatecheck-path"
#: On a check's ``baseline_ref`` option: without ``--baseline-ref`` or a configured value, the gate
#: passes the ``--trusted-ref`` (a pull request's base) as the check's baseline. For a check whose
#: baseline only says which files the change adds (the migrations check's new migrations), not
#: one that sets pre-existing findings aside (diff-aware sast, secrets, sca: the operator's choice).
TRUSTED_REF_BASELINE = "x-gatecheck-trusted-ref-baseline"


@dataclass
class Config:
    """A validated configuration and where it came from."""

    root: Path
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: Key prefix of the configuration inside its file (``tool.gatecheck`` for pyproject.toml).
    prefix: tuple[str, ...] = ()
    text: str = ""
    #: Where configuration-side files (this file, waivers, policy, baselines, ignore files) come from.
    source: trust.ConfigSource = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    #: How the configuration file is named in messages (``origin/main:gatecheck.toml``).
    name: str | None = None

    def __post_init__(self) -> None:
        if self.source is None:
            self.source = trust.RepositorySource(self.root)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return dict(value) if isinstance(value, dict) else {}

    def run_setting(self, key: str, default: Any, stage: str | None = None) -> Any:
        """A ``[run]`` setting, overridden by ``[stages.<stage>]`` where the stage sets it."""
        if stage:
            stage_table = self.section("stages").get(stage, {})
            if key in stage_table:
                return stage_table[key]
        return self.section("run").get(key, default)

    def check_table(self, name: str) -> dict[str, Any]:
        table = self.section("checks").get(name, {})
        return dict(table) if isinstance(table, dict) else {}

    def check_options(self, name: str) -> dict[str, Any]:
        """The check's own options: its table without the runner's keys."""
        return {k: v for k, v in self.check_table(name).items() if k not in RUNNER_KEYS}

    def bad(self, message: str, *keys: str | int) -> BadInput:
        """A :class:`BadInput` located at ``keys`` inside this configuration."""
        parts = [str(k) for k in keys]
        line = locate_toml(self.text, [*self.prefix, *parts]) if self.text else None
        return BadInput(message, path=self.name or self.path, line=line, key=_dotted(parts) if parts else None)

    def check_trust(self, schema: Any, data: Any, *keys: str) -> None:
        """Refuse, in configuration the change under judgement can write, what only the operator may set.

        ``schema`` describes ``data``, which sits at ``keys`` inside this configuration. Keys
        annotated :data:`OPERATOR_ONLY` (URLs, tokens, environment-variable names, signing keys,
        stores, the cache) are bad input there, and so is a :data:`PATH_KEY` path that is
        absolute or climbs out of the tree. Trusted configuration may set them all.
        """
        if self.source.trusted:
            return
        problems: list[tuple[list[str], str]] = []
        _trust_walk(schema, data, list(keys), problems)
        if problems:
            where, message = problems[0]
            raise self.bad(message, *where)


def _trust_walk(schema: Any, value: Any, keys: list[str], out: list[tuple[list[str], str]]) -> None:
    if not isinstance(schema, dict):
        return
    dotted = _dotted(keys)
    if schema.get(OPERATOR_ONLY):
        out.append((keys, f"{dotted} can only be set by the operator (on the command line, in the environment or in a "
                          "trusted configuration: --trusted-config / --trusted-ref), never by the repository being gated, "
                          "which must not choose where the gate connects, what it reads outside the tree, or which "
                          "environment variables it reads"))
        return
    if value in schema.get(OPERATOR_VALUES, ()):
        out.append((keys, f"{dotted} = {value!r} reads outside the repository; only the operator may choose it"))
        return
    if schema.get(PATH_KEY):
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, str):
                try:
                    normalize(item, what=dotted)
                except OutsideRepository as exc:
                    out.append((keys + ([str(index)] if isinstance(value, list) else []), exc.message))
        return
    if isinstance(value, dict):
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                sub = next((s for p, s in patterns.items() if re.search(p, key)), extra)
            _trust_walk(sub, item, [*keys, str(key)], out)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _trust_walk(schema["items"], item, [*keys, str(index)], out)


def find_config(source: trust.ConfigSource) -> tuple[str, Path] | None:
    """``gatecheck.toml`` of a source, else its ``pyproject.toml`` when that has ``[tool.gatecheck]``."""
    candidate = source.file(CONFIG_FILE, what="configuration file")
    if candidate is not None:
        return CONFIG_FILE, candidate
    pyproject = source.file(PYPROJECT, what="configuration file")
    if pyproject is not None:
        try:
            data = tomllib.loads(trust.read_limited_text(pyproject, source.display(PYPROJECT)))
        except (tomllib.TOMLDecodeError, BadInput):
            return PYPROJECT, pyproject  # let load() report the syntax error with its line
        if isinstance(data.get("tool"), dict) and "gatecheck" in data["tool"]:
            return PYPROJECT, pyproject
    return None


def load(root: Path, path: Path | None = None, *, source: trust.ConfigSource | None = None) -> Config:
    """Load the configuration for a project; no file at all means the defaults.

    ``source`` says where configuration-side files come from (see :mod:`gatecheck.trust`);
    without one, ``path`` (``-c``) decides: inside the tree it is repository configuration,
    outside it the operator's.
    """
    root = root.resolve()
    if source is None:
        if path is not None and not path.is_file():
            raise BadInput("configuration file not found", path=path)
        source = trust.open_source(root, config=path)
    if source.config_file is not None:
        rel = source.config_file
        local = source.file(rel, what="configuration file")
        if local is None:
            raise BadInput("configuration file not found", path=source.display(rel))
    else:
        found = find_config(source)
        if found is None:
            return Config(root=root, source=source)
        rel, local = found
    name = source.display(rel)
    text = trust.read_limited_text(local, name)
    try:
        document = limits.load_toml(text, name, line_of=lambda keys: locate_toml(text, [str(k) for k in keys]))
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"invalid TOML: {_strip_position(str(exc))}", path=name, line=_toml_error_line(exc)) from exc
    prefix: tuple[str, ...] = ()
    if Path(rel).name == PYPROJECT:
        prefix = ("tool", "gatecheck")
        data = document.get("tool", {}).get("gatecheck")
        if data is None:
            raise BadInput("no [tool.gatecheck] table", path=name)
        if not isinstance(data, dict):
            raise BadInput("[tool.gatecheck] must be a table", path=name, line=locate_toml(text, list(prefix)))
    else:
        data = document
    config = Config(root=root, data=data, path=local, prefix=prefix, text=text, source=source, name=name)
    problem = validation.errors("config", data)
    if problem:
        err = problem[0]
        parts = [str(p) for p in err.absolute_path]
        message = str(err.message)
        unknown = _unknown_keys(err)
        if unknown:
            schema = err.schema if isinstance(err.schema, dict) else {}
            allowed = sorted(schema.get("properties", {}))
            message = f"unknown key {unknown[0]!r}" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
            parts.append(unknown[0])
        raise config.bad(message, *parts)
    config.check_trust(validation.load("config"), {k: v for k, v in data.items() if k != "checks"})
    return config


def _unknown_keys(err: Any) -> list[str]:
    """The keys an ``additionalProperties: false`` error is about, in document order."""
    if err.validator != "additionalProperties" or not isinstance(err.instance, dict):
        return []
    known = set(err.schema.get("properties", {}))
    patterns = [re.compile(p) for p in err.schema.get("patternProperties", {})]
    return [k for k in err.instance if k not in known and not any(p.search(k) for p in patterns)]


def _dotted(parts: list[str]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out


_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)  # Python 3.14+
    if isinstance(lineno, int):
        return lineno
    match = _POS.search(str(exc))
    return int(match.group(1)) if match else None


def _strip_position(message: str) -> str:
    return _POS.sub("", message).strip()


STARTER_HEAD = '''\
# gatecheck configuration, written by `gatecheck init` for the project it found here.
# Reference: docs/configuration.md. Every key is optional; unknown keys are errors, so a typo
# never switches a control off. For pull requests, keep this file (and the waivers) on the
# operator's side: `gatecheck run . --trusted-ref origin/main` (docs/security.md).
version = 1

[run]
# How many checks run at once, and the default per-check timeout in seconds.
jobs = 4
timeout = 600
# Deny findings at or above this severity (the Rego policy's threshold for the stage).
fail_on = "high"
# Paths never scanned by any check (globs, relative to the project).
exclude = [".venv/*", "build/*", "dist/*"]
'''

STARTER_TAIL = '''
# Per-stage overrides: ci, deploy, admission.
[stages.deploy]
fail_on = "high"
'''


def starter_for(root: Path) -> tuple[str, list[str]]:
    """A commented starter configuration for the project at ``root``, and what it found there.

    Every check is on by default; the starter writes out the tables whose options matter for what
    the project holds (dependency files, migrations, SARIF files of other tools, tests), so a new
    user sees the knobs that apply to them.
    """
    from gatecheck.repository import Repository

    files = Repository(root).files()
    names = {posixpath.basename(f) for f in files}
    found: list[str] = []
    parts = [STARTER_HEAD]
    locks = sorted({f for f in files if posixpath.basename(f) in ("uv.lock", "poetry.lock", "pylock.toml")
                    or fnmatch.fnmatch(posixpath.basename(f), "requirements*.txt")})
    if locks or "pyproject.toml" in names or "setup.cfg" in names:
        found.append("dependencies: " + (", ".join(locks[:5]) if locks else "pyproject.toml/setup.cfg (declared ranges)"))
        parts.append('''
# Known-vulnerable dependencies, from an offline OSV database: run `gatecheck db update` once
# (and regularly), or point `database` at an OSV zip or directory on the operator's side.
[checks.sca]
# database = "/var/lib/gatecheck/osv/PyPI-all.zip"

# A CycloneDX SBOM of the dependencies; written to .gatecheck/sbom.cdx.json (keep it out of git).
[checks.sbom]
source = "auto"
''')
    sql = sorted(f for f in files if f.endswith(".sql") and "/migrations/" in f"/{f}")
    python_migrations = sorted(f for f in files if fnmatch.fnmatch(f, "*migrations/*.py") or fnmatch.fnmatch(f, "*versions/*.py"))
    if sql or python_migrations:
        directory = posixpath.dirname(sql[0]) if sql else None
        found.append(f"migrations: {directory or posixpath.dirname(python_migrations[0])}")
        parts.append("\n# PostgreSQL migrations: locks, rewrites and breaking changes (needs the migrations extra).\n"
                     "[checks.migrations]\n"
                     + (f'directory = "{directory}"\n' if directory else "")
                     + "# postgres_version = 14   # the server the migrations run on\n")
    sarif = sorted(f for f in files if f.endswith((".sarif", ".sarif.json")))
    if sarif:
        found.append(f"SARIF files: {', '.join(sarif[:5])}")
        globs = sorted({(posixpath.dirname(f) + "/" if posixpath.dirname(f) else "") + "*.sarif" for f in sarif})
        parts.append("\n# SARIF files other tools write, judged with everything else.\n[checks.sarif]\n"
                     f"files = {json.dumps(globs)}\n")
    tests = sorted({f.split("/", 1)[0] for f in files if f.startswith(("tests/", "test/"))})
    if tests:
        found.append(f"tests: {', '.join(t + '/' for t in tests)}")
        parts.append("\n# Findings in tests, docs and examples are reported without denying (secrets excepted).\n"
                     "# [locations]\n# test = [\"tests/**\", \"**/test_*.py\"]\n")
    parts.append(STARTER_TAIL)
    return "".join(parts), found


def write_starter(path: Path, *, force: bool = False) -> list[str]:
    """Write a starter configuration for the project beside ``path``; refuse to overwrite unless ``force``.
    Returns what the starter was made for (one line per kind of file found)."""
    if path.exists() and not force:
        raise BadInput("already exists; use --force to overwrite", path=path)
    text, found = starter_for(path.parent)
    path.write_text(text, "utf-8")
    return found
