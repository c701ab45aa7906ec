"""Loads and validates the configuration: ``gatecheck.toml`` or ``[tool.gatecheck]`` in ``pyproject.toml``.

Every error names the file, the key path and the line, so a typo is found in seconds
and never silently turns a control off (unknown keys are errors).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck import validation
from gatecheck.errors import BadInput

CONFIG_FILE = "gatecheck.toml"
PYPROJECT = "pyproject.toml"
RUNNER_KEYS = ("enabled", "timeout")


@dataclass
class Config:
    """A validated configuration and where it came from."""

    root: Path
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: Key prefix of the configuration inside its file (``tool.gatecheck`` for pyproject.toml).
    prefix: tuple[str, ...] = ()
    text: str = ""

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
        line = locate_key(self.text, [*self.prefix, *parts]) if self.text else None
        return BadInput(message, path=self.path, line=line, key=_dotted(parts) if parts else None)


def find_config(root: Path) -> Path | None:
    """``gatecheck.toml`` in ``root``, else ``pyproject.toml`` when it has ``[tool.gatecheck]``."""
    candidate = root / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            return pyproject  # let load() report the syntax error with its line
        if isinstance(data.get("tool"), dict) and "gatecheck" in data["tool"]:
            return pyproject
    return None


def load(root: Path, path: Path | None = None) -> Config:
    """Load the configuration for a project; no file at all means the defaults."""
    root = root.resolve()
    if path is None:
        path = find_config(root)
        if path is None:
            return Config(root=root)
    if not path.is_file():
        raise BadInput("configuration file not found", path=path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text: {exc}", path=path) from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"invalid TOML: {_strip_position(str(exc))}", path=path, line=_toml_error_line(exc)) from exc
    prefix: tuple[str, ...] = ()
    if path.name == PYPROJECT:
        prefix = ("tool", "gatecheck")
        data = document.get("tool", {}).get("gatecheck")
        if data is None:
            raise BadInput("no [tool.gatecheck] table", path=path)
        if not isinstance(data, dict):
            raise BadInput("[tool.gatecheck] must be a table", path=path, line=locate_key(text, list(prefix)))
    else:
        data = document
    config = Config(root=root, data=data, path=path, prefix=prefix, text=text)
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


# tomllib keeps no positions, so a schema error's key path is mapped back to a line by
# reading the table headers and key assignments. TOML's grammar for those is small; values
# (including multi-line strings and arrays) are skipped, not parsed.
_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _split_key(key: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", key)
    return [a or b or c for a, b, c in parts]


def locate_key(text: str, path: list[str]) -> int | None:
    """The 1-based line that defines the longest prefix of ``path`` in a TOML text."""
    best: tuple[int, int] | None = None  # (matched length, line)
    table: list[str] = []
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header and line.lstrip().startswith("["):
            table = _split_key(header.group(1))
            full = table
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            full = table + _split_key(assign.group(1))
            rest = line[assign.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
        matched = 0
        for a, b in zip(full, path, strict=False):
            if a != b:
                break
            matched += 1
        if matched == len(full) and matched > 0 and (best is None or matched > best[0]):
            best = (matched, number)
    return best[1] if best else None


STARTER = '''\
# gatecheck configuration. Reference: docs/configuration.md
# Every key is optional; unknown keys are errors, so a typo never switches a control off.
version = 1

[run]
# How many checks run at once, and the default per-check timeout in seconds.
jobs = 4
timeout = 600
# Reuse results of checks whose inputs, options and version did not change.
cache = true
cache_dir = ".gatecheck/cache"
# Deny findings at or above this severity (the Rego policy's threshold for the stage).
fail_on = "high"
# Paths never scanned by any check (globs, relative to this file).
exclude = [".venv/*", "build/*", "dist/*"]

# One table per check. `enabled` and `timeout` are the runner's; other keys are the
# check's own options (see `gatecheck plugins --format json` for each check's schema).
[checks.sarif]
enabled = true
# SARIF files written by other tools, to be judged with everything else.
files = ["reports/*.sarif"]

# Per-stage overrides: ci, deploy, admission.
[stages.ci]
fail_on = "high"
'''


def write_starter(path: Path, *, force: bool = False) -> None:
    """Write the commented starter configuration; refuse to overwrite unless ``force``."""
    if path.exists() and not force:
        raise BadInput("already exists; use --force to overwrite", path=path)
    path.write_text(STARTER, "utf-8")
