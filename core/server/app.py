"""The ASGI application behind ``gatecheck serve`` (Starlette; uvicorn runs it over TLS).

Routes:

``POST /validate``
    Kubernetes ``ValidatingAdmissionWebhook`` (AdmissionReview v1). Every container image
    must be pinned by digest and have a stored, verifying, fresh, PASSED verdict.
``POST /v1/verify``
    ``{"image": "NAME@sha256:HEX"}`` or ``{"digest": "sha256:HEX"}``: the verifier's answer as JSON.
``GET /healthz``, ``GET /readyz``
    Liveness (the process answers) and readiness (the store answers).
``GET /metrics``
    Prometheus text format: requests by decision and reason, latency, cache hits, store query time.

Authentication: with :attr:`ServerSettings.tokens`, ``/v1/verify`` and ``/metrics`` (and
``/validate`` with :attr:`ServerSettings.authenticate_webhook`) answer only a request whose
``Authorization: Bearer`` header carries one of the tokens; anything else gets 401 with a
``WWW-Authenticate: Bearer`` challenge, counted in ``gatecheck_unauthenticated_requests_total``.
Client certificates are checked before a request gets here, by the TLS layer (``gatecheck
serve --client-ca``). The health probes are always open; :func:`create_probe_app` serves them
alone, for a listener kubelet can reach without a client certificate.

A request body that is not what the route expects is answered with HTTP 400 and a JSON
error; an exception while deciding denies (fail closed) with reason ``STORE_UNAVAILABLE``.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gatecheck.attest.verify import VerifyOptions
from gatecheck.server.admission import (
    AdmissionRequest,
    ContainerImage,
    MalformedReview,
    UnsupportedObject,
    images_of,
    load_json,
    parse_review,
    review_response,
)
from gatecheck.server.auth import BearerTokens
from gatecheck.server.decisions import Answer, VerdictService
from gatecheck.store.providers import AttestationStore
from gatecheck.timestamps import format_micro, utc_now

log = logging.getLogger("gatecheck.server")

#: Reason codes the server adds to the verifier's own.
NOT_PINNED = "NOT_PINNED"
UNSUPPORTED_OBJECT = "UNSUPPORTED_OBJECT"
STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
MAX_BODY_BYTES = 3 * 1024 * 1024  # the API server's own request limit is about this size
_DIGEST = re.compile(r"(?:[^@\s]+@)?sha256:([0-9a-f]{64})")
#: Failed admission records logged one by one per reason, before the rest are only counted.
_FAILURES_LOGGED = 10

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class ServerSettings:
    """What the server enforces, from ``gatecheck serve``'s options.

    ``tokens`` None means the application checks no credentials: the TLS layer checks client
    certificates, or the operator chose ``--insecure-no-auth`` (``gatecheck serve`` starts with
    neither only then).
    """

    options: VerifyOptions
    exclude_namespaces: frozenset[str] = field(default_factory=frozenset)
    warn: bool = False
    cache_size: int = 10_000
    cache_ttl: float = 60.0
    log_admissions: bool = True
    tokens: BearerTokens | None = None
    #: Ask for the token on /validate too (the kube-apiserver sends one when its admission kubeconfig names it).
    authenticate_webhook: bool = False


class Metrics:
    """The server's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("gatecheck_admission_requests", "Admission reviews answered, by decision and reason.",
                                ["decision", "reason"], registry=self.registry)
        self.images = Counter("gatecheck_admission_images", "Container images judged, by decision and reason.",
                              ["decision", "reason"], registry=self.registry)
        self.verify = Counter("gatecheck_verify_requests", "POST /v1/verify answers, by result and reason.",
                              ["result", "reason"], registry=self.registry)
        self.latency = Histogram("gatecheck_request_duration_seconds", "Time to answer, by route.", ["route"],
                                 buckets=(.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5),
                                 registry=self.registry)
        self.store_query = Histogram("gatecheck_store_query_seconds", "Time to read the stored verdicts of one digest.",
                                     buckets=(.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1),
                                     registry=self.registry)
        self.cache = Counter("gatecheck_verdict_cache", "Verdict cache lookups, by outcome.", ["outcome"],
                             registry=self.registry)
        self.bad_requests = Counter("gatecheck_bad_requests", "Requests answered with HTTP 400, by route.", ["route"],
                                    registry=self.registry)
        self.unauthenticated = Counter("gatecheck_unauthenticated_requests",
                                       "Requests answered with HTTP 401, by route and reason (missing, invalid).",
                                       ["route", "reason"], registry=self.registry)
        self.admission_log = Counter("gatecheck_admission_log_records",
                                     "Admission records by outcome: written, failed (the store refused it), "
                                     "dropped (the writer's queue was full).", ["outcome"], registry=self.registry)


class AdmissionLog:
    """Writes admission decisions to the store from a background thread, off the request path.

    A record the store cannot write is logged with its reason and counted (``failed``); the
    store writes the others of its batch regardless (see :meth:`Store.log_admissions`).
    """

    def __init__(self, store: AttestationStore, metrics: Metrics, linger: float = 0.25) -> None:
        self.store = store
        self.records = metrics.admission_log
        self.linger = linger
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=100_000)
        self.thread = threading.Thread(target=self._run, name="gatecheck-admission-log", daemon=True)
        self.thread.start()

    def add(self, row: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(row)
        except queue.Full:
            self.records.labels("dropped").inc()
            log.warning("admission log queue full; dropping a record")

    def _run(self) -> None:
        # Gather rows for a moment before writing: one transaction per batch instead of one per
        # request keeps the writer's share of the process (and of SQLite's write lock) small.
        while True:
            row = self.queue.get()
            if row is None:
                return
            batch = [row]
            deadline = time.monotonic() + self.linger
            while len(batch) < 1000:
                try:
                    nxt = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if nxt is None:
                    self._write(batch)
                    return
                batch.append(nxt)
            self._write(batch)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            failed = self.store.log_admissions(batch)
        except Exception as exc:  # the log must never take the webhook down
            failed = [(row, f"{type(exc).__name__}: {exc}") for row in batch]
        if len(batch) > len(failed):
            self.records.labels("written").inc(len(batch) - len(failed))
        if not failed:
            return
        self.records.labels("failed").inc(len(failed))
        # One line per lost record, but an unreachable store fails a whole batch for one reason:
        # a few examples and a count say that as well as a thousand lines would.
        by_reason: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for row, reason in failed:
            by_reason[reason].append(row)
        for reason, rows in by_reason.items():
            for row in rows[:_FAILURES_LOGGED]:
                # repr, cut short: the values come from the request, and a newline in one must not
                # forge a line of the server's log.
                log.error("admission record not written: kind=%.100r namespace=%.300r name=%.300r image=%.300r "
                          "at=%.40r: %s", row.get("kind"), row.get("namespace"), row.get("name"), row.get("image"),
                          row.get("at"), reason)
            if len(rows) > _FAILURES_LOGGED:
                log.error("%d more admission record(s) not written: %s", len(rows) - _FAILURES_LOGGED, reason)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=10)


def _bad_request(metrics: Metrics, route: str, message: str, status: int = 400) -> JSONResponse:
    metrics.bad_requests.labels(route).inc()
    return JSONResponse({"error": message}, status_code=status)


def _guard(endpoint: Endpoint, route: str, tokens: BearerTokens | None, metrics: Metrics) -> Endpoint:
    """``endpoint`` behind the bearer tokens (unchanged without tokens); 401 for anyone else, before the body is read."""
    if tokens is None:
        return endpoint

    async def guarded(request: Request) -> Response:
        reason = tokens.check(request.headers.get("authorization"))
        if reason is None:
            return await endpoint(request)
        metrics.unauthenticated.labels(route, reason).inc()
        # RFC 6750 section 3: no error code when no credentials came, invalid_token when wrong ones did.
        if reason == "missing":
            challenge, message = 'Bearer realm="gatecheck"', "authentication required: send Authorization: Bearer TOKEN"
        else:
            challenge, message = 'Bearer realm="gatecheck", error="invalid_token"', "the bearer token is not valid"
        return JSONResponse({"error": message}, status_code=401, headers={"WWW-Authenticate": challenge})

    return guarded


def _health_routes(store: AttestationStore, serving: Callable[[], bool] = lambda: True) -> list[Route]:
    """``/healthz`` and ``/readyz``: open to anyone, they say only whether the process and the store
    answer, and (``serving``) whether the main listener accepts connections yet."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if not serving():
            return JSONResponse({"status": "starting", "error": "the main listener is not accepting connections yet"},
                                status_code=503)
        try:
            version = await run_in_threadpool(store.ping)
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": f"{type(exc).__name__}: {exc}"}, status_code=503)
        return JSONResponse({"status": "ready", "schema": version})

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]


def create_probe_app(store: AttestationStore, serving: Callable[[], bool]) -> Starlette:
    """The health probes alone, for a second listener (``--probe-port``) that needs no client
    certificate; ``/readyz`` answers 503 until ``serving()`` says the main listener is up (it starts
    after the probes, and a Kubernetes readiness probe must not route webhooks to it before)."""
    return Starlette(routes=_health_routes(store, serving))


async def _body(request: Request) -> bytes | None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            return None
    return bytes(data)


def create_app(store: AttestationStore, settings: ServerSettings) -> Starlette:
    """The Starlette application; the caller owns ``store`` (the app closes its admission log only)."""
    metrics = Metrics()
    service = VerdictService(store, settings.options, cache_size=settings.cache_size, cache_ttl=settings.cache_ttl,
                             on_query=metrics.store_query.observe)
    admission_log = AdmissionLog(store, metrics) if settings.log_admissions else None

    def decide(digest: str) -> Answer:
        try:
            answer = service.decide(digest)
        except Exception as exc:
            log.exception("deciding about sha256:%s failed", digest)
            return Answer(False, STORE_UNAVAILABLE, f"the verdict could not be read: {type(exc).__name__}", None)
        metrics.cache.labels("hit" if answer.cached else "miss").inc()
        return answer

    def judge(req: AdmissionRequest, images: list[ContainerImage]) -> list[tuple[ContainerImage, Answer]]:
        judged: list[tuple[ContainerImage, Answer]] = []
        for image in images:
            digest = image.digest
            if digest is None:
                judged.append((image, Answer(False, NOT_PINNED, "the image is not pinned by digest "
                                                                "(use NAME@sha256:DIGEST)", None)))
            else:
                judged.append((image, decide(digest)))
        return judged

    async def validate(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await _body(request)
            if body is None:
                return _bad_request(metrics, "validate", f"request body over {MAX_BODY_BYTES} bytes", 413)
            try:
                req = parse_review(body)
            except MalformedReview as exc:
                return _bad_request(metrics, "validate", f"malformed AdmissionReview: {exc}")
            doc, decision, reason = await _admit(req)
            metrics.requests.labels(decision, reason).inc()
            return JSONResponse(doc)
        finally:
            metrics.latency.labels("validate").observe(time.perf_counter() - started)

    async def _admit(req: AdmissionRequest) -> tuple[dict[str, Any], str, str]:
        if req.operation not in ("CREATE", "UPDATE") or req.obj is None:
            return review_response(req.uid, allowed=True), "allowed", "NOT_APPLICABLE"
        if req.namespace in settings.exclude_namespaces:
            return review_response(req.uid, allowed=True), "allowed", "EXCLUDED_NAMESPACE"
        try:
            images = images_of(req.kind, req.obj)
        except UnsupportedObject as exc:
            message = f"{req.kind} {req.namespace}/{req.name}: {UNSUPPORTED_OBJECT}: {exc}"
            metrics.images.labels("denied", UNSUPPORTED_OBJECT).inc()
            if settings.warn:
                return review_response(req.uid, allowed=True, warnings=[message]), "warned", UNSUPPORTED_OBJECT
            return (review_response(req.uid, allowed=False, message=message, code=400, reason="BadRequest"),
                    "denied", UNSUPPORTED_OBJECT)
        # Inline, not in a worker thread: a decision is an indexed read or two plus signature
        # checks, shorter than the hand-off to a thread costs under load (measured in bench/admission.py).
        judged = judge(req, images)
        failures = [(img, ans) for img, ans in judged if not ans.ok]
        at = format_micro(utc_now())
        mode = "warn" if settings.warn else "enforce"
        for img, ans in judged:
            metrics.images.labels("allowed" if ans.ok else ("warned" if settings.warn else "denied"),
                                  ans.reason or "VERIFIED").inc()
            # Dry runs change nothing in the cluster, so they leave no trace in the log either
            # (the webhook is registered with sideEffects: NoneOnDryRun).
            if admission_log is not None and not req.dry_run:
                # Values longer than their column are cut and marked by the store, not here.
                admission_log.add({"at": at, "namespace": req.namespace, "kind": req.kind, "name": req.name,
                                   "image": img.image, "digest": img.digest, "allowed": ans.ok or settings.warn,
                                   "passing": ans.ok, "reason": ans.reason, "mode": mode})
        if not failures:
            return review_response(req.uid, allowed=True), "allowed", "VERIFIED"
        messages = [f"image {img.image} ({img.path}): {ans.reason}: {ans.message}" for img, ans in failures]
        primary = failures[0][1].reason or "DENIED"
        if settings.warn:
            return (review_response(req.uid, allowed=True, warnings=[f"gatecheck (warn mode) would deny {m}"
                                                                     for m in messages]), "warned", primary)
        message = f"gatecheck denied {req.kind} {req.namespace}/{req.name}: " + "; ".join(messages)
        return review_response(req.uid, allowed=False, message=message, reason="Forbidden"), "denied", primary

    async def verify(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await _body(request)
            if body is None:
                return _bad_request(metrics, "verify", f"request body over {MAX_BODY_BYTES} bytes", 413)
            try:
                doc = load_json(body)
            except MalformedReview as exc:
                return _bad_request(metrics, "verify", str(exc))
            target = doc.get("image", doc.get("digest")) if isinstance(doc, dict) else None
            if not isinstance(target, str):
                return _bad_request(metrics, "verify", 'expected {"image": "NAME@sha256:HEX"} or {"digest": "sha256:HEX"}')
            m = _DIGEST.fullmatch(target.strip())
            if not m:
                metrics.verify.labels("fail", NOT_PINNED).inc()
                return JSONResponse({"target": target, "ok": False, "reason": NOT_PINNED,
                                     "reasons": [{"code": NOT_PINNED, "message": "not pinned by a sha256 digest"}]})
            answer = decide(m.group(1))
            metrics.verify.labels("pass" if answer.ok else "fail", answer.reason or "VERIFIED").inc()
            out: dict[str, Any] = {"target": target}
            if answer.result is not None:
                out.update(answer.result.to_dict())
            else:
                out.update({"ok": answer.ok, "reason": answer.reason,
                            "reasons": [{"code": answer.reason, "message": answer.message}]})
            out["cached"] = answer.cached
            return JSONResponse(out)
        finally:
            metrics.latency.labels("verify").observe(time.perf_counter() - started)

    async def metrics_route(_request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if admission_log is not None:
            admission_log.close()

    tokens = settings.tokens
    webhook_tokens = tokens if settings.authenticate_webhook else None
    app = Starlette(
        routes=[
            Route("/validate", _guard(validate, "validate", webhook_tokens, metrics), methods=["POST"]),
            Route("/v1/verify", _guard(verify, "verify", tokens, metrics), methods=["POST"]),
            Route("/metrics", _guard(metrics_route, "metrics", tokens, metrics), methods=["GET"]),
            *_health_routes(store),
        ],
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    app.state.service = service
    app.state.admission_log = admission_log
    return app
