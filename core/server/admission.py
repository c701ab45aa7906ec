"""Kubernetes AdmissionReview v1: read a review, find every container image, write the response.

Pods carry their containers in ``spec``; the workload kinds carry a pod template:
Deployment, StatefulSet, DaemonSet, ReplicaSet and Job in ``spec.template.spec``, CronJob in
``spec.jobTemplate.spec.template.spec``. Init and ephemeral containers count like the others:
each runs code in the cluster. ``kubectl debug`` adds an ephemeral container through the
``pods/ephemeralcontainers`` subresource; its AdmissionReview is an UPDATE of kind Pod whose
object is the whole Pod, so the same walk finds the new container (the webhook configuration
must list that subresource, or the API server never asks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

API_VERSION = "admission.k8s.io/v1"

#: Where the pod spec sits in each kind the webhook checks.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")

# NAME[:TAG]@sha256:HEX. The digest is what the kubelet pulls, whatever the tag says.
_PINNED = re.compile(r"^(?P<name>[^@\s]+)@sha256:(?P<hex>[0-9a-f]{64})$")
# A \uD800-\uDFFF escape: valid JSON, but alone it is half a character no UTF-8 can hold.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class MalformedReview(ValueError):
    """The request body is not an AdmissionReview v1 request (answered with HTTP 400)."""


class UnsupportedObject(ValueError):
    """The object is of a kind without pod spec, or its pod spec is not shaped as Kubernetes writes it."""


@dataclass(frozen=True)
class AdmissionRequest:
    """The parts of ``request`` the webhook decides on."""

    uid: str
    kind: str
    namespace: str
    name: str
    operation: str
    obj: dict[str, Any] | None
    dry_run: bool = False


@dataclass(frozen=True)
class ContainerImage:
    """One container's image and where it sits in the object (for messages)."""

    path: str
    image: str

    @property
    def digest(self) -> str | None:
        """The lowercase sha256 hex the image is pinned to, None for a tag (or anything else)."""
        m = _PINNED.match(self.image)
        return m.group("hex") if m else None


def load_json(body: bytes) -> Any:
    """The JSON document of a request body; MalformedReview for anything that is not JSON text.

    Besides syntax errors: nesting deeper than the parser recurses, and a lone surrogate escape
    (``"\\ud800"``), which parses but could be neither answered nor stored as UTF-8.
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedReview(f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise MalformedReview("the body is not JSON this server reads: nested too deeply") from None
    # The scan is cheap and almost never matches (the API server writes non-ASCII as UTF-8);
    # only then is the document walked.
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(doc):
        raise MalformedReview("the body is not Unicode text: it holds a lone surrogate escape (\\ud800-\\udfff)")
    return doc


def _has_lone_surrogate(doc: Any) -> bool:
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def parse_review(body: bytes) -> AdmissionRequest:
    """Parse an AdmissionReview v1 request body; MalformedReview with a plain reason otherwise."""
    doc = load_json(body)
    if not isinstance(doc, dict):
        raise MalformedReview("the body is not a JSON object")
    if doc.get("apiVersion") != API_VERSION or doc.get("kind") != "AdmissionReview":
        raise MalformedReview(f"expected apiVersion {API_VERSION} and kind AdmissionReview, got "
                              f"{doc.get('apiVersion')!r} and {doc.get('kind')!r}")
    request = doc.get("request")
    if not isinstance(request, dict):
        raise MalformedReview("the AdmissionReview has no 'request' object")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise MalformedReview("request.uid is missing or not a string")
    kind = request.get("kind")
    if not isinstance(kind, dict) or not isinstance(kind.get("kind"), str):
        raise MalformedReview("request.kind.kind is missing")
    operation = request.get("operation")
    if not isinstance(operation, str):
        raise MalformedReview("request.operation is missing")
    obj = request.get("object")
    if obj is not None and not isinstance(obj, dict):
        raise MalformedReview("request.object is not an object")
    namespace = request.get("namespace") or ""
    name = request.get("name") or ""
    if not name and isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            name = meta.get("name") or meta.get("generateName") or ""
    if not isinstance(namespace, str) or not isinstance(name, str):
        raise MalformedReview("request.namespace and request.name must be strings")
    return AdmissionRequest(uid, kind["kind"], namespace, name, operation, obj, request.get("dryRun") is True)


def images_of(kind: str, obj: dict[str, Any]) -> list[ContainerImage]:
    """Every container image of a Pod or pod template; UnsupportedObject when there is none to find."""
    path = POD_SPEC_PATHS.get(kind)
    if path is None:
        raise UnsupportedObject(f"kind {kind} has no pod template; the webhook checks {', '.join(POD_SPEC_PATHS)}")
    spec: Any = obj
    for part in path:
        spec = spec.get(part) if isinstance(spec, dict) else None
        if spec is None:
            raise UnsupportedObject(f"{kind} has no {'.'.join(path)}")
    if not isinstance(spec, dict):
        raise UnsupportedObject(f"{kind} {'.'.join(path)} is not an object")
    found: list[ContainerImage] = []
    for field in CONTAINER_FIELDS:
        containers = spec.get(field) or []
        if not isinstance(containers, list):
            raise UnsupportedObject(f"{'.'.join(path)}.{field} is not a list")
        for i, container in enumerate(containers):
            image = container.get("image") if isinstance(container, dict) else None
            if not isinstance(image, str) or not image:
                raise UnsupportedObject(f"{'.'.join(path)}.{field}[{i}] has no image")
            label = container.get("name") if isinstance(container.get("name"), str) else str(i)
            found.append(ContainerImage(f"{'.'.join(path)}.{field}[{label}]", image))
    if not found:
        raise UnsupportedObject(f"{kind} {'.'.join(path)} lists no container")
    return found


def review_response(uid: str, *, allowed: bool, message: str = "", warnings: list[str] | None = None,
                    code: int = 403, reason: str | None = None) -> dict[str, Any]:
    """An AdmissionReview v1 response document."""
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if not allowed:
        response["status"] = {"code": code, "message": message, **({"reason": reason} if reason else {})}
    if warnings:
        # The API server caps each warning at 256 characters and shows them to kubectl users.
        response["warnings"] = [w[:256] for w in warnings]
    return {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": response}
