"""Validation of an SBOM against the CycloneDX JSON schema, fast enough to leave on.

The schema files are the ones cyclonedx-python-lib ships (the official CycloneDX schemas,
with ``$ref`` s pointing at its bundled SPDX, JSF and cryptography definitions). The
validator is compiled once per process and per spec version.

Why not ``cyclonedx.validation.json.JsonValidator`` itself: with its ``json-validation``
extra it checks ``iri-reference`` through rfc3987-syntax, whose grammar takes seconds to
build on import (and, once installed, on *every* import of jsonschema in the process);
without the extra it skips those formats silently. Here every format the schema uses
(``date-time``, ``date``, ``iri-reference``, ``idn-email``) is checked by a small
standard-library function instead, so validation stays complete and costs milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cyclonedx.schema import SchemaVersion
from cyclonedx.schema._res import BOM_JSON, CRYPTOGRAPHY_DEFS, JSF, SPDX_JSON
from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SPEC_VERSIONS = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}

#: RFC 3339 date-time, as JSON Schema's ``date-time`` format means it.
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)
#: Characters RFC 3987 never allows in an IRI reference, even percent-encoding aside:
#: controls, space, and ``<>"{}|\\^``` (RFC 3986 section 2 and RFC 3987 section 2.2).
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_iri_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _IRI_FORBIDDEN.search(value) or _PERCENT.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    if ":" in value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0] and not parts.scheme:
        return False
    return not parts.scheme or bool(_SCHEME.fullmatch(parts.scheme))


def _is_idn_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    return bool(at and local and domain) and not _IRI_FORBIDDEN.search(value)


def format_checker() -> FormatChecker:
    """A checker for exactly the formats the CycloneDX schemas use."""
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    checker.checks("iri-reference")(_is_iri_reference)
    checker.checks("idn-email")(_is_idn_email)
    return checker


def schema_file(spec_version: str) -> Path:
    """The bundled JSON schema file for a CycloneDX spec version (``1.6``)."""
    path = BOM_JSON[SPEC_VERSIONS[spec_version]]
    if path is None:  # the library lists versions it has no JSON schema for (1.0, 1.1)
        raise ValueError(f"cyclonedx-python-lib ships no JSON schema for CycloneDX {spec_version}")
    return Path(path)


@cache
def _registry() -> Registry:
    prefix = "http://cyclonedx.org/schema/"
    resources = []
    for name, path in (
        ("spdx.SNAPSHOT.schema.json", SPDX_JSON),
        ("jsf-0.82.SNAPSHOT.schema.json", JSF),
        ("cryptography-defs.SNAPSHOT.schema.json", CRYPTOGRAPHY_DEFS),
    ):
        contents = json.loads(Path(path).read_text("utf-8"))
        resources.append((prefix + name, Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def _canonical(value: Any) -> Any:
    """JSON-equal values map to equal keys: ``1`` and ``1.0`` are equal, ``true`` and ``1`` are not."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    return ("other", repr(value))


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # jsonschema compares array items pairwise when they are objects (O(n^2) deep
    # comparisons: a quarter of a second for 130 components); hashing a canonical form
    # gives the same verdict in linear time.
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _canonical(item)
        if key in seen:
            yield ValidationError(f"{instance!r:.200} has non-unique elements")
            return
        seen.add(key)


#: Draft 7 with the linear-time ``uniqueItems`` above; every other keyword is jsonschema's own.
FastDraft7Validator = validators.extend(Draft7Validator, {"uniqueItems": _unique_items})  # type: ignore[no-untyped-call]


@cache
def validator(spec_version: str) -> Draft7Validator:
    """The compiled validator for one spec version (built once per process)."""
    schema = json.loads(schema_file(spec_version).read_text("utf-8"))
    checked: Draft7Validator = FastDraft7Validator(schema, registry=_registry(), format_checker=format_checker())
    return checked


def problems(document: Any, spec_version: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` schema violations of ``document``, each as ``json/path: message``."""
    found: list[str] = []
    for error in validator(spec_version).iter_errors(document):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        found.append(f"{where}: {error.message[:300]}")
        if len(found) >= limit:
            break
    return found
