"""The ``approvals`` check: the signed approvals of the artifact being promoted, as facts for the policy.

Everything it reads is the operator's (every option is ``x-gatecheck-operator``): which artifact
(``subject``), who may approve (``reviewers``: named sets of public keys), and where approvals are
(``bundles`` and/or a ``store``). It verifies each approval against the reviewer keys and lists
them, with the distinct counted keys per reviewer set, in its summary; the policy decides how many
a stage needs (``data.gatecheck.config.approvals.required``; policies/gatecheck/approvals.rego).
Registered through the ``gatecheck`` entry-point group like every other check.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatecheck import __version__, hookimpl
from gatecheck.approve import APPROVAL_PREDICATE_TYPE
from gatecheck.approve.evaluate import evaluate
from gatecheck.attest.keys import PublicKey, load_public_pem
from gatecheck.attest.subjects import resolve
from gatecheck.attest.verify import read_bundle
from gatecheck.checks import Check, CheckContext
from gatecheck.errors import BadInput, CheckFailed, GatecheckError
from gatecheck.model import CheckResult, Tool
from gatecheck.redact import scrub

_OPERATOR_PATHS = {"type": "array", "items": {"type": "string", "minLength": 1}, "x-gatecheck-operator": True}

OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "subject": {"type": "string", "minLength": 1, "x-gatecheck-operator": True,
                    "description": "The artifact being promoted: PATH, sha256:HEX, NAME@sha256:HEX, or env:VAR naming "
                                   "an environment variable that holds one of those (operator only)."},
        "reviewers": {"type": "object", "minProperties": 1, "x-gatecheck-operator": True,
                      "additionalProperties": {**_OPERATOR_PATHS, "minItems": 1},
                      "description": "Named reviewer sets: set name -> public key files (PEM) (operator only)."},
        "bundles": {**_OPERATOR_PATHS, "description": "Approval bundles (*.intoto.jsonl) or globs (operator only)."},
        "store": {"type": "string", "x-gatecheck-operator": True,
                  "description": "An attestation store to read approvals of the subject from (operator only)."},
    },
}


class ApprovalsCheck:
    """Lists and counts the signed approvals of the artifact being promoted."""

    name = "approvals"
    version = "1.0.0"
    description = "Signed approvals of the artifact by named reviewer sets (for a deploy-stage policy)."
    #: Runs only when the operator configures it ([checks.approvals], or `--check approvals`).
    enabled_by_default = False
    options_schema: Mapping[str, Any] = OPTIONS_SCHEMA

    def inputs(self, ctx: CheckContext) -> list[Path]:
        return []

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """Never answer from the cache: approvals expire and arrive in the store without any file changing."""
        raise CheckFailed("an approvals result is never reused")

    def run(self, ctx: CheckContext) -> CheckResult:
        tool = Tool(self.name, self.version)
        options = ctx.options
        if not options.get("subject") and not options.get("reviewers"):
            return CheckResult(tool=tool, status="skipped", summary={"approvals": []},
                               error="no approvals configured (set [checks.approvals] subject and reviewers in the "
                                     "operator's configuration)")
        if not options.get("subject"):
            raise CheckFailed("checks.approvals.subject is not set: approvals of what?", bad_input=True)
        if not options.get("reviewers"):
            raise CheckFailed("checks.approvals.reviewers names no reviewer set", bad_input=True)
        if not options.get("bundles") and not options.get("store"):
            raise CheckFailed("checks.approvals names neither bundles nor a store to read approvals from",
                              bad_input=True)
        subject = _subject(str(options["subject"]))
        reviewers = {name: _keys(name, paths) for name, paths in options["reviewers"].items()}
        entries = _bundle_entries(options.get("bundles") or [])
        if options.get("store"):
            entries += _store_entries(str(options["store"]), subject)
        report = evaluate(subject, entries, reviewers)
        summary = report.to_dict()
        summary["sources"] = {"bundles": list(options.get("bundles") or []),
                              "store": scrub(str(options["store"])) if options.get("store") else None}
        summary["subject_name"] = str(options["subject"])
        return CheckResult(tool=tool, summary=summary)


def _subject(spec: str) -> dict[str, str]:
    if spec.startswith("env:"):
        name = spec[4:]
        value = os.environ.get(name)
        if not value:
            raise CheckFailed(f"environment variable {name} (checks.approvals.subject) is not set", bad_input=True)
        spec = value
    try:
        return dict(resolve(spec).subject.digest)
    except BadInput as exc:
        raise CheckFailed(f"checks.approvals.subject: {exc.describe()}", bad_input=True) from None


def _keys(name: str, paths: list[str]) -> list[PublicKey]:
    keys = []
    for path in paths:
        try:
            keys.append(load_public_pem(Path(path).read_bytes(), path))
        except OSError as exc:
            raise CheckFailed(f"checks.approvals.reviewers.{name}: cannot read {path}: {exc.strerror or exc}",
                              bad_input=True) from None
        except BadInput as exc:
            raise CheckFailed(f"checks.approvals.reviewers.{name}: {exc.describe()}", bad_input=True) from None
    return keys


def _bundle_entries(patterns: list[str]) -> list[tuple[str, bytes]]:
    entries: list[tuple[str, bytes]] = []
    for pattern in patterns:
        paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        for path in paths:
            try:
                entries.extend(read_bundle(path))
            except BadInput as exc:
                raise CheckFailed(exc.describe(), bad_input=True) from None
    return entries


def _store_entries(url: str, subject: dict[str, str]) -> list[tuple[str, bytes]]:
    from gatecheck.plugin_manager import Plugins
    from gatecheck.store.providers import open_store

    try:
        with open_store(url, Plugins()) as store:
            return store.statements(subject, APPROVAL_PREDICATE_TYPE)
    except BadInput as exc:
        raise CheckFailed(f"checks.approvals.store: {exc.describe()}", bad_input=True) from None
    except GatecheckError as exc:
        raise CheckFailed(f"cannot read approvals from the store: {exc}") from None


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [ApprovalsCheck()]


__all__ = ["ApprovalsCheck", "__version__", "gatecheck_checks"]
