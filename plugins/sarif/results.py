"""What one SARIF result says, read into gatecheck's terms: its title, severity, confidence,
location and identity, and the producing tool's description of its rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from gatecheck.api import CheckContext, Location, RuleDoc

LEVEL_SEVERITY = {"error": "high", "warning": "medium", "note": "low", "none": "info"}


def severity_from_score(score: float) -> str:
    """GitHub's bands for a numeric ``security-severity``."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "info"


def rule_doc(rule: dict[str, Any], props: dict[str, Any]) -> RuleDoc:
    """The producing tool's own description of a rule, carried through to gatecheck's reports."""

    def text(obj: Any, key: str = "text") -> str:
        value = obj.get(key) if isinstance(obj, dict) else None
        return value.strip() if isinstance(value, str) else ""

    doc: RuleDoc = {
        "summary": text(rule.get("shortDescription")),
        "description": text(rule.get("fullDescription")),
        "help": text(rule.get("help"), "markdown"),
        "help_text": text(rule.get("help")),
    }
    name = rule.get("name")
    if isinstance(name, str) and name != rule.get("id"):
        doc["name"] = name
    if isinstance(rule.get("helpUri"), str):
        doc["help_uri"] = rule["helpUri"]
    if isinstance(props.get("tags"), list):
        doc["tags"] = [t for t in props["tags"] if isinstance(t, str)]
    if isinstance(props.get("precision"), str):
        doc["precision"] = props["precision"]
    if isinstance(props.get("security-severity"), str | int | float):
        doc["security_severity"] = str(props["security-severity"])
    if not doc["help"] and doc["help_text"]:
        doc["help"], doc["help_text"] = doc["help_text"], ""  # a plain-text help reads as Markdown too
    return doc


def message(result: dict[str, Any], rule: dict[str, Any]) -> str:
    message = result["message"]
    text = message.get("text")
    if not text and message.get("id"):
        template = (rule.get("messageStrings", {}) or {}).get(message["id"], {}).get("text", "")
        text = template
        for i, arg in enumerate(message.get("arguments", []) or []):
            text = text.replace("{" + str(i) + "}", str(arg))
    if not text:
        text = (rule.get("shortDescription") or {}).get("text") or rule.get("id") or "finding"
    return str(text).strip().splitlines()[0][:500] if str(text).strip() else "finding"


def severity(result: dict[str, Any], rule: dict[str, Any]) -> str:
    for props in (result.get("properties"), rule.get("properties")):
        if isinstance(props, dict) and "security-severity" in props:
            try:
                return severity_from_score(float(props["security-severity"]))
            except (TypeError, ValueError):
                pass
    level = result.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning"
    return LEVEL_SEVERITY.get(str(level), "unknown")


def confidence(props: dict[str, Any]) -> str:
    value = str(props.get("precision", props.get("confidence", ""))).lower()
    if value in ("very-high", "high"):
        return "high"
    if value == "low":
        return "low"
    return "medium"


def location(ctx: CheckContext, result: dict[str, Any]) -> Location | None:
    for loc in result.get("locations", []) or []:
        physical = loc.get("physicalLocation") if isinstance(loc, dict) else None
        if not isinstance(physical, dict):
            continue
        uri = (physical.get("artifactLocation") or {}).get("uri")
        if not isinstance(uri, str) or not uri:
            continue
        parsed = urlparse(uri)
        raw = unquote(parsed.path) if parsed.scheme == "file" else unquote(uri)
        path = ctx.relpath(raw) if Path(raw).is_absolute() else Path(raw).as_posix().removeprefix("./")
        region = physical.get("region") or {}
        start = region.get("startLine") if isinstance(region.get("startLine"), int) else None
        end = region.get("endLine") if isinstance(region.get("endLine"), int) else start
        return Location(path=path, start_line=start, end_line=end)
    return None


def identity(result: dict[str, Any], title: str) -> str:
    """What identifies a result apart from its line: the tool's own content fingerprints
    where it gives them, else the flagged snippet, else the message."""
    for field in ("fingerprints", "partialFingerprints"):
        prints = result.get(field)
        if isinstance(prints, dict) and prints:
            return json.dumps(prints, sort_keys=True)
    for loc in result.get("locations", []) or []:
        snippet = ((loc.get("physicalLocation") or {}).get("region") or {}).get("snippet", {}).get("text")
        if isinstance(snippet, str) and snippet.strip():
            return " ".join(snippet.split())
    return title
