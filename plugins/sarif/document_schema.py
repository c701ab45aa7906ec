"""The shape of the SARIF 2.1.0 parts the ``sarif`` check reads, checked before anything is read.

Another tool's SARIF file is input from the tree under judgement. Rather than guard every
``.get`` chain, the check validates the document once against this schema, which states the JSON
types SARIF 2.1.0's object model gives the properties the check uses (a ``message`` is an object
with a string ``text``, an ``artifactLocation`` an object with a string ``uri``, a ``region``'s
lines are integers from 1, ...); anything else a document carries is left alone. A document that
breaks it is bad input naming the file and line, never an ``AttributeError``.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema

_STR = {"type": "string"}
_INT1 = {"type": "integer", "minimum": 1}
_MESSAGE = {"type": "object", "properties": {"text": _STR, "markdown": _STR, "id": _STR,
                                             "arguments": {"type": "array", "items": _STR}}}
_MULTIFORMAT = {"type": "object", "properties": {"text": _STR, "markdown": _STR}}
_PROPERTIES = {"type": "object"}
_REGION = {"type": "object", "properties": {
    "startLine": _INT1, "endLine": _INT1, "startColumn": _INT1, "endColumn": _INT1,
    "snippet": {"type": "object", "properties": {"text": _STR}},
}}
_PHYSICAL = {"type": "object", "properties": {
    "artifactLocation": {"type": "object", "properties": {"uri": _STR, "uriBaseId": _STR, "index": {"type": "integer"}}},
    "region": _REGION,
}}
_LOCATION = {"type": "object", "properties": {"physicalLocation": _PHYSICAL, "message": _MESSAGE}}
_RULE = {"type": "object", "properties": {
    "id": _STR, "name": _STR, "shortDescription": _MULTIFORMAT, "fullDescription": _MULTIFORMAT, "help": _MULTIFORMAT,
    "helpUri": _STR, "messageStrings": {"type": "object", "additionalProperties": _MULTIFORMAT},
    "defaultConfiguration": {"type": "object", "properties": {"level": {"enum": ["none", "note", "warning", "error"]}}},
    "properties": _PROPERTIES,
}}
_RESULT = {"type": "object", "required": ["message"], "properties": {
    "ruleId": _STR, "ruleIndex": {"type": "integer", "minimum": -1},
    "rule": {"type": "object", "properties": {"id": _STR, "index": {"type": "integer", "minimum": -1}}},
    "message": _MESSAGE, "level": {"enum": ["none", "note", "warning", "error"]},
    "locations": {"type": "array", "items": _LOCATION},
    "suppressions": {"type": "array", "items": {"type": "object", "properties": {
        "status": {"enum": ["accepted", "underReview", "rejected"]}, "kind": _STR}}},
    "baselineState": {"enum": ["new", "unchanged", "updated", "absent"]},
    "fingerprints": {"type": "object", "additionalProperties": _STR},
    "partialFingerprints": {"type": "object", "additionalProperties": _STR},
    "properties": _PROPERTIES,
}}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "items": {"type": "object", "required": ["tool"], "properties": {
            "tool": {"type": "object", "required": ["driver"], "properties": {
                "driver": {"type": "object", "required": ["name"], "properties": {
                    "name": _STR, "version": _STR, "semanticVersion": _STR, "informationUri": _STR,
                    "rules": {"type": "array", "items": _RULE},
                }},
            }},
            "results": {"type": "array", "items": _RESULT},
            "invocations": {"type": "array", "items": {"type": "object", "properties": {
                "executionSuccessful": {"type": "boolean"},
                "toolExecutionNotifications": {"type": "array", "items": {"type": "object", "properties": {
                    "level": {"enum": ["none", "note", "warning", "error"]}, "message": _MESSAGE}}},
            }}},
            "originalUriBaseIds": {"type": "object"},
        }}},
    },
}


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA)


def problem(document: Any) -> tuple[list[str | int], str] | None:
    """The key path and message of the first place ``document`` breaks the shape, or None."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is None:
        return None
    return list(error.absolute_path), error.message
