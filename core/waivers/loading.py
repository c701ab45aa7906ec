"""Reading a waivers file: TOML or YAML, validated against ``schemas/waivers.schema.json``.

A waivers file (``gatecheck.waivers.toml`` by default; ``.yaml``/``.yml`` also read) holds
a list of waivers, each with ``id``, ``match`` (rule, finding id, package or purl, path
glob, check: all given fields must match), ``reason``, ``owner``, optional ``ticket`` and a
mandatory ``expires`` no further ahead than ``[waivers] max_days``. Errors name the file
and line. An expired waiver is kept (so it can be reported with its age) but never applied.

TOML::

    [[waivers]]
    id = "WVR-12"
    reason = "eval only sees constant strings; rewrite tracked in OPS-88"
    owner = "team-web"
    ticket = "OPS-88"
    expires = 2026-12-31
    match = { rule = "ESLint/no-eval", path = "static/js/**" }
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from gatecheck import limits, validation
from gatecheck.errors import BadInput
from gatecheck.model import Finding
from gatecheck.positions import locate_toml, toml_table_lines
from gatecheck.timestamps import utc_now
from gatecheck.trust import ConfigSource
from gatecheck.waivers.expiry import parse_expiry
from gatecheck.waivers.model import Waiver, WaiverFile

DEFAULT_FILES = ("gatecheck.waivers.toml", "gatecheck.waivers.yaml", "gatecheck.waivers.yml")
DEFAULT_MAX_DAYS = 90
#: How far ahead the waiver :func:`snippet` writes for one finding expires.
SNIPPET_DAYS = 30


def find(source: ConfigSource, configured: str | None) -> Path | None:
    """The waivers file of a configuration source: the configured one (which must exist) or a default name.

    With a trusted source (``--trusted-ref``, ``--trusted-config``) this is the trusted file,
    never one the change under judgement wrote.
    """
    if configured:
        path = source.file(configured, what="waivers.file")
        if path is None:
            raise BadInput("waivers file not found", path=source.display(configured), key="waivers.file")
        return path
    for name in DEFAULT_FILES:
        found = source.file(name, what="waivers file")
        if found is not None:
            return found
    return None


def load(path: Path | None, *, max_days: int = DEFAULT_MAX_DAYS, now: dt.datetime | None = None,
         name: str | None = None) -> WaiverFile:
    """Load and validate a waivers file; None means no waivers. ``name`` is how messages name it
    (``origin/main:gatecheck.waivers.toml`` for a trusted copy)."""
    if path is None:
        return WaiverFile(None)
    now = now or utc_now()
    shown: Path | str = name or path
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read waivers file: {exc}", path=shown) from exc
    if path.suffix in (".yaml", ".yml"):
        document, line_of = _parse_yaml(text, shown)
    else:
        document, line_of = _parse_toml(text, shown)
    if document is None:
        document = {"waivers": []}
    document = _dates_to_text(document)
    errors = validation.errors("waivers", document)
    if errors:
        err = errors[0]
        parts = tuple(err.absolute_path)
        raise BadInput(err.message, path=shown, line=line_of(parts), key=validation.key_path(err))
    waivers: list[Waiver] = []
    seen: dict[str, int | None] = {}
    try:
        limit = now + dt.timedelta(days=max_days)
    except OverflowError as exc:
        raise BadInput(f"waivers.max_days = {max_days} reaches past the year 9999", key="waivers.max_days") from exc
    for index, raw in enumerate(document["waivers"]):
        line = line_of(("waivers", index))
        expires_line = line_of(("waivers", index, "expires"))
        if raw["id"] in seen:
            raise BadInput(f"duplicate waiver id {raw['id']!r} (first at line {seen[raw['id']]})", path=shown, line=line,
                           key=f"waivers[{index}].id")
        seen[raw["id"]] = line
        expires_at = parse_expiry(raw["expires"], shown, expires_line, index)
        if expires_at > limit:
            raise BadInput(
                f"waiver {raw['id']} expires {raw['expires']}, more than {max_days} days ahead; "
                "waivers are time-boxed (raise [waivers] max_days to allow longer)",
                path=shown, line=expires_line, key=f"waivers[{index}].expires",
            )
        waivers.append(Waiver(
            id=raw["id"], match=dict(raw["match"]), reason=raw["reason"], owner=raw["owner"], expires=raw["expires"],
            expires_at=expires_at, ticket=raw.get("ticket"), source=str(shown), line=line,
        ))
    return WaiverFile(path, waivers)


def _dates_to_text(document: Any) -> Any:
    """TOML and YAML parse bare dates into objects; the schema (and JSON) wants text."""
    if isinstance(document, dict):
        return {k: _dates_to_text(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_dates_to_text(v) for v in document]
    if isinstance(document, dt.datetime | dt.date):
        return document.isoformat()
    return document


Lines = dict[tuple[str | int, ...], int]
#: The line of the longest prefix of a key path (as jsonschema reports it) that has one.
Locator = Callable[[tuple[str | int, ...]], int | None]


def _line_for(lines: Lines, parts: tuple[str | int, ...]) -> int | None:
    """The line of the longest prefix of ``parts`` that has one."""
    for end in range(len(parts), 0, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


def _parse_yaml(text: str, path: Path | str) -> tuple[Any, Locator]:
    # Limits (aliases, expansion, nesting, size) and duplicate keys are refused here.
    document, node = limits.load_yaml(text, path)
    lines: Lines = {}

    def walk(n: yaml.Node | None, prefix: tuple[str | int, ...]) -> None:
        if n is None:
            return
        lines.setdefault(prefix, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                key = (*prefix, str(key_node.value))
                lines[key] = key_node.start_mark.line + 1
                walk(value_node, key)
                lines[key] = key_node.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*prefix, i))

    walk(node, ())
    return document, lambda parts: _line_for(lines, parts)


def _parse_toml(text: str, path: Path | str) -> tuple[Any, Locator]:
    try:
        document = limits.load_toml(text, path)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise BadInput(f"invalid TOML: {message}", path=path, line=int(match.group(1)) if match else None) from exc
    lines = text.splitlines()
    headers = toml_table_lines(lines, "waivers", array=True)

    def line_of(parts: tuple[str | int, ...]) -> int | None:
        keys = [str(p) for p in parts]
        if not headers or parts[:1] != ("waivers",):
            return locate_toml(text, keys)
        if len(parts) < 2 or not isinstance(parts[1], int) or parts[1] >= len(headers):
            return None
        # Waiver number N is the text from its [[waivers]] header to the next one.
        start = headers[parts[1]]
        end = headers[parts[1] + 1] - 1 if parts[1] + 1 < len(headers) else len(lines)
        found = locate_toml("\n".join(lines[start - 1:end]), ["waivers", *keys[2:]])
        return start + found - 1 if found else start

    return document, line_of


def snippet(finding: Finding, now: dt.datetime) -> str:
    """A ready-to-paste TOML waiver for exactly this finding: it names the finding id, the one match
    that also waives a secret or an unsafe migration."""
    expires = (now + dt.timedelta(days=SNIPPET_DAYS)).date().isoformat()
    return (
        "[[waivers]]\n"
        f'id = "WVR-{finding.id[:8]}"\n'
        'reason = "<why this risk is accepted, and what will end it>"\n'
        'owner = "<team or person>"\n'
        f"expires = {expires}\n"
        f'match = {{ finding_id = "{finding.id}" }}\n'
    )
