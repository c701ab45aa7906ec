"""SLSA Provenance v1 (``https://slsa.dev/provenance/v1``): the facts a verify-time policy judges.

The most common attestation there is: what built an artifact, from which source. gatecheck
does not write provenance; it reads provenance other builders signed (GitHub Actions, the SLSA
GitHub generator, Tekton Chains, Google Cloud Build) when ``gatecheck verify`` is given it,
checks the fields the spec requires (``buildDefinition.buildType``,
``buildDefinition.externalParameters``, ``runDetails.builder.id``), and hands a policy the few
facts policies ask about, computed here once so that Rego stays simple:

``builder``
    ``runDetails.builder.id`` (and its ``version`` map); ``buildType``; ``invocationId``.
``source_repository``, ``source_ref``, ``source_digest``
    the source repository: ``externalParameters.workflow.repository`` (GitHub Actions build
    types) or else the first ``resolvedDependencies`` entry whose URI is a ``git+`` URI,
    without the ``git+`` prefix, the ``@ref`` and a trailing ``.git``; the ref; the DigestSet
    (``gitCommit``, ``sha1``) of that ``git+`` dependency, the commit.
``startedOn_ns`` / ``finishedOn_ns``
    ``runDetails.metadata`` times in nanoseconds since the epoch, for comparisons.

The whole predicate is in the policy input's ``statements`` too, for anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatecheck.attest.dsse import MALFORMED, EnvelopeError
from gatecheck.timestamps import parse_rfc3339

#: The predicate type of SLSA Provenance v1.
PROVENANCE_PREDICATE_TYPE = "https://slsa.dev/provenance/v1"


def _object(doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise EnvelopeError(MALFORMED, f"SLSA provenance {where}.{key} is missing or not an object")
    return value


def _text(doc: Mapping[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise EnvelopeError(MALFORMED, f"SLSA provenance {where}.{key} is missing or not a string")
    return value


def _split_ref(uri: str) -> tuple[str, str | None]:
    """``git+https://github.com/acme/shop.git@refs/heads/main`` -> (``https://github.com/acme/shop``, the ref)."""
    plain = uri.removeprefix("git+")
    scheme, sep, rest = plain.partition("://")
    ref = None
    head, at, tail = rest.rpartition("@")
    if at and "/" in head:  # an "@" after the path starts the ref; one in the authority (user@host) does not
        rest, ref = head, tail
    repository = f"{scheme}{sep}{rest}" if sep else rest
    return repository.removesuffix("/").removesuffix(".git"), ref


def _source(build: Mapping[str, Any]) -> dict[str, Any] | None:
    external = build.get("externalParameters")
    workflow = external.get("workflow") if isinstance(external, dict) else None
    dependencies = build.get("resolvedDependencies")
    git_deps = [d for d in dependencies if isinstance(d, dict) and isinstance(d.get("uri"), str)
                and d["uri"].startswith("git+")] if isinstance(dependencies, list) else []
    digest = git_deps[0].get("digest") if git_deps else None
    commit = dict(digest) if isinstance(digest, dict) else {}
    if isinstance(workflow, dict) and isinstance(workflow.get("repository"), str):
        ref = workflow.get("ref")
        return {"repository": _split_ref(workflow["repository"])[0], "ref": ref if isinstance(ref, str) else None,
                "digest": commit}
    if git_deps:
        repository, ref = _split_ref(git_deps[0]["uri"])
        return {"repository": repository, "ref": ref, "digest": commit}
    return None


def _time(run: Mapping[str, Any], key: str) -> int | None:
    metadata = run.get("metadata")
    text = metadata.get(key) if isinstance(metadata, dict) else None
    if text is None:
        return None
    if not isinstance(text, str):
        raise EnvelopeError(MALFORMED, f"SLSA provenance runDetails.metadata.{key} is not a timestamp")
    try:
        moment = parse_rfc3339(text)
    except ValueError as exc:
        raise EnvelopeError(MALFORMED, f"SLSA provenance runDetails.metadata.{key}: {exc}") from None
    from gatecheck.policy.inputs import to_ns  # here: it imports the run-time policy input's modules

    return to_ns(moment)


def facts(predicate: Mapping[str, Any]) -> dict[str, Any]:
    """Check a provenance v1 predicate's required fields (EnvelopeError(MALFORMED) if one is missing)
    and return the facts the module docstring lists."""
    build = _object(predicate, "buildDefinition", "predicate")
    build_type = _text(build, "buildType", "buildDefinition")
    _object(build, "externalParameters", "buildDefinition")
    run = _object(predicate, "runDetails", "predicate")
    builder = _object(run, "builder", "runDetails")
    builder_id = _text(builder, "id", "runDetails.builder")
    version = builder.get("version", {})
    source = _source(build) or {"repository": None, "ref": None, "digest": {}}
    metadata = run.get("metadata")
    invocation = metadata.get("invocationId") if isinstance(metadata, dict) else None
    return {
        "buildType": build_type,
        "builder": {"id": builder_id, "version": version if isinstance(version, dict) else {}},
        "source_repository": source["repository"],
        "source_ref": source["ref"],
        "source_digest": source["digest"],
        "invocationId": invocation if isinstance(invocation, str) else None,
        "startedOn_ns": _time(run, "startedOn"),
        "finishedOn_ns": _time(run, "finishedOn"),
    }
