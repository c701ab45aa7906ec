"""Loads the bundled JSON Schemas and validates documents against them at the boundaries.

Two implementations of the same schemas work together: jsonschema-rs (compiled Rust) answers
"is this valid?", which is all a valid document needs and is 10-50x faster on large ones
(a check result or policy input with 10,000 findings: ~5 ms instead of ~300 ms); the
``jsonschema`` package explains an invalid document, because its errors carry the paths,
messages and ordering the rest of gatecheck reports (file, line and key of the problem).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_NAMES = ("finding", "check-result", "policy-input", "decision", "config", "waivers", "report")


@cache
def load(name: str) -> dict[str, Any]:
    """Return the parsed schema ``schemas/<name>.schema.json`` from the installed package."""
    text = resources.files("gatecheck.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _registry() -> Registry:
    # Schemas refer to each other by relative file name ("finding.schema.json"); the
    # registry resolves those against the bundled copies, never over the network.
    resources_ = []
    for name in SCHEMA_NAMES:
        schema = load(name)
        resource = Resource.from_contents(schema)
        resources_.append((schema["$id"], resource))
    return Registry().with_resources(resources_)


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for one bundled schema."""
    return Draft202012Validator(load(name), registry=_registry())


@cache
def _fast_validator(name: str) -> Any:
    import jsonschema_rs  # imported on first use: most CLI commands never validate a document

    registry = jsonschema_rs.Registry([(load(n)["$id"], load(n)) for n in SCHEMA_NAMES])
    return jsonschema_rs.validator_for(load(name), registry=registry)


def is_valid(name: str, document: Any) -> bool:
    """Whether ``document`` satisfies schema ``name`` (the fast path; see the module docstring)."""
    try:
        return bool(_fast_validator(name).is_valid(document))
    except (ValueError, TypeError, OverflowError):
        # A value jsonschema-rs cannot read as JSON (a date, a non-string key, ...): let the
        # reference implementation judge it.
        return not any(True for _ in validator(name).iter_errors(document))


def errors(name: str, document: Any) -> list[jsonschema.ValidationError]:
    """All validation errors of ``document`` against schema ``name``, most specific first."""
    if is_valid(name, document):
        return []
    found: Iterator[jsonschema.ValidationError] = validator(name).iter_errors(document)
    return sorted(found, key=lambda e: (list(e.absolute_path), e.message))


def key_path(error: jsonschema.ValidationError) -> str:
    """A dotted key path (``checks.sarif.timeout``, ``waivers[2].expires``) for an error."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def first_error(name: str, document: Any) -> tuple[str, str] | None:
    """The first error as ``(key path, message)``, or None when the document is valid."""
    errs = errors(name, document)
    if not errs:
        return None
    err = errs[0]
    return key_path(err), err.message
