"""The admission webhook over real HTTPS on loopback: AdmissionReview v1 in, AdmissionReview v1 out."""

from __future__ import annotations

import json
import ssl
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key
from tls_server import make_pki, serve_https

from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.server.app import ServerSettings, create_app
from gatecheck.store import Store

IMAGES = {name: f"registry.example/{name}@sha256:{digest_of(name)}"
          for name in ("good", "failed", "expired", "untrusted", "unsigned", "other")}
TAGGED = "registry.example/good:1.4.2"


@dataclass
class Env:
    store: Store
    ci: PrivateKey
    stranger: PrivateKey
    enforce: str
    warn: str
    client: httpx.Client


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("webhook")
    ci, stranger = new_key(), new_key("ecdsa-p256")
    store = Store.open(f"sqlite:///{tmp / 'store.sqlite'}")
    # The store trusts both teams' keys; the webhook trusts only the CI key.
    both = VerifyOptions(keys=[ci.public, stranger.public])
    store.push(entries(make_bundle(ci, digest_of("good"))), both)
    store.push(entries(make_bundle(ci, digest_of("failed"), passed=False)), both)
    store.push(entries(make_bundle(ci, digest_of("expired"), when=datetime.now(UTC) - timedelta(days=3))), both)
    store.push(entries(make_bundle(stranger, digest_of("untrusted"))), both)
    # An "unsigned" attestation: a real VSA envelope with its signatures taken off.
    unsigned_doc = json.loads(make_bundle(ci, digest_of("unsigned"))[-1])
    unsigned_doc["signatures"] = []
    unsigned = json.dumps(unsigned_doc).encode()
    refused = store.push([("unsigned.jsonl:1", unsigned)], both)
    assert [r.code for r in refused.refused] == ["SIGNATURE_INVALID"]  # the store never holds it
    options = VerifyOptions(keys=[ci.public], max_age=timedelta(hours=24))
    pki = make_pki(tmp)
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    enforce_app = create_app(store, ServerSettings(options=options, exclude_namespaces=frozenset({"kube-system"})))
    warn_app = create_app(store, ServerSettings(options=options, warn=True))
    with serve_https(enforce_app, pki) as enforce, serve_https(warn_app, pki) as warn, \
            httpx.Client(verify=context, timeout=10) as client:
        yield Env(store, ci, stranger, enforce, warn, client)
    store.close()


def pod(*images: str, init: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "shop-0", "namespace": "shop"},
        "spec": {"containers": [{"name": f"c{i}", "image": img} for i, img in enumerate(images)],
                 "initContainers": [{"name": f"init{i}", "image": img} for i, img in enumerate(init)]},
    }


def workload(kind: str, *images: str) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": "shop"}}, "spec": pod(*images)["spec"]}
    spec: dict[str, Any] = {"template": template}
    if kind == "CronJob":
        spec = {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}
    group = {"Job": "batch", "CronJob": "batch"}.get(kind, "apps")
    return {"apiVersion": f"{group}/v1", "kind": kind, "metadata": {"name": "shop", "namespace": "shop"}, "spec": spec}


def review(obj: dict[str, Any], *, namespace: str = "shop", operation: str = "CREATE") -> dict[str, Any]:
    kind = obj["kind"]
    group, _, version = obj["apiVersion"].rpartition("/")
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": kind.lower() + "s"},
            "requestKind": {"group": group, "version": version, "kind": kind},
            "name": obj["metadata"]["name"], "namespace": namespace, "operation": operation,
            "userInfo": {"username": "system:serviceaccount:ci:deployer"},
            "object": obj, "oldObject": None, "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
        },
    }


def admit(env: Env, doc: dict[str, Any], base: str | None = None) -> dict[str, Any]:
    res = env.client.post(f"{base or env.enforce}/validate", json=doc)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["apiVersion"] == "admission.k8s.io/v1" and out["kind"] == "AdmissionReview"
    assert out["response"]["uid"] == doc["request"]["uid"]
    return dict(out["response"])


def test_signed_passing_fresh_image_is_allowed(env: Env) -> None:
    response = admit(env, review(pod(IMAGES["good"])))
    assert response["allowed"] is True and "status" not in response


@pytest.mark.parametrize(("image", "reason"), [
    (IMAGES["unsigned"], "NO_ATTESTATION"),
    (IMAGES["failed"], "RESULT_FAILED"),
    (IMAGES["expired"], "EXPIRED"),
    (IMAGES["untrusted"], "UNTRUSTED_KEY"),
    (TAGGED, "NOT_PINNED"),
])
def test_denials_name_the_image_and_the_reason(env: Env, image: str, reason: str) -> None:
    response = admit(env, review(pod(IMAGES["good"], image)))
    assert response["allowed"] is False
    assert response["status"]["code"] == 403
    message = response["status"]["message"]
    assert f"image {image} " in message and f": {reason}: " in message
    assert IMAGES["good"] not in message  # only the failing image is named


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"])
def test_workload_kinds_are_checked_through_their_pod_template(env: Env, kind: str) -> None:
    assert admit(env, review(workload(kind, IMAGES["good"])))["allowed"] is True
    denied = admit(env, review(workload(kind, IMAGES["good"], IMAGES["failed"])))
    assert denied["allowed"] is False and "RESULT_FAILED" in denied["status"]["message"]
    assert kind in denied["status"]["message"]


def test_init_containers_are_checked(env: Env) -> None:
    response = admit(env, review(pod(IMAGES["good"], init=(TAGGED,))))
    assert response["allowed"] is False and "initContainers[init0]" in response["status"]["message"]


def debug_review(image: str) -> dict[str, Any]:
    """What the API server (1.30) sends for `kubectl debug -it shop-0 --image=IMAGE --target=c0`.

    kubectl patches the Pod's ``ephemeralcontainers`` subresource; the webhook gets an UPDATE whose
    object is the whole Pod, the new ephemeral container in ``spec.ephemeralContainers``.
    """
    old = pod(IMAGES["good"])
    old["metadata"].update({"uid": "6f1c3c52-8d5e-4b8e-9a39-1f1e6f0e2a11", "resourceVersion": "48213"})
    old["status"] = {"phase": "Running", "containerStatuses": [{"name": "c0", "image": IMAGES["good"], "ready": True}]}
    new = json.loads(json.dumps(old))
    new["spec"]["ephemeralContainers"] = [{
        "name": "debugger-7xk2p", "image": image, "imagePullPolicy": "IfNotPresent", "resources": {},
        "stdin": True, "tty": True, "targetContainerName": "c0",
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    }]
    pods = {"group": "", "version": "v1", "resource": "pods"}
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": "", "version": "v1", "kind": "Pod"}, "resource": pods,
            "subResource": "ephemeralcontainers",
            "requestKind": {"group": "", "version": "v1", "kind": "Pod"}, "requestResource": pods,
            "requestSubResource": "ephemeralcontainers",
            "name": "shop-0", "namespace": "shop", "operation": "UPDATE",
            "userInfo": {"username": "alice@example.com", "groups": ["developers", "system:authenticated"]},
            "object": new, "oldObject": old, "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "UpdateOptions", "fieldManager": "kubectl-debug"},
        },
    }


@pytest.mark.parametrize(("image", "reason"), [
    ("busybox:1.36", "NOT_PINNED"),  # what `kubectl debug --image=busybox:1.36` asks for
    (IMAGES["failed"], "RESULT_FAILED"),
    (IMAGES["unsigned"], "NO_ATTESTATION"),
])
def test_kubectl_debug_ephemeral_containers_are_judged(env: Env, image: str, reason: str) -> None:
    response = admit(env, debug_review(image))
    assert response["allowed"] is False and response["status"]["code"] == 403
    message = response["status"]["message"]
    assert f"image {image} (spec.ephemeralContainers[debugger-7xk2p]): {reason}: " in message
    assert IMAGES["good"] not in message  # the Pod's own container has a passing verdict
    warned = admit(env, debug_review(image), env.warn)
    assert warned["allowed"] is True and any("ephemeralContainers[debugger-7xk2p]" in w for w in warned["warnings"])


def test_kubectl_debug_with_an_attested_image_is_allowed(env: Env) -> None:
    assert admit(env, debug_review(IMAGES["good"]))["allowed"] is True


def test_excluded_namespace_is_admitted_unchecked(env: Env) -> None:
    assert admit(env, review(pod(TAGGED), namespace="kube-system"))["allowed"] is True
    assert admit(env, review(pod(TAGGED), namespace="shop"))["allowed"] is False


def test_warn_mode_admits_with_warnings(env: Env) -> None:
    response = admit(env, review(pod(IMAGES["good"], IMAGES["expired"], TAGGED)), env.warn)
    assert response["allowed"] is True
    warnings = response["warnings"]
    assert len(warnings) == 2
    assert any("EXPIRED" in w for w in warnings) and any("NOT_PINNED" in w for w in warnings)
    assert "warnings" not in admit(env, review(pod(IMAGES["good"])), env.warn)


def test_delete_is_not_judged(env: Env) -> None:
    doc = review(pod(TAGGED), operation="DELETE")
    doc["request"]["object"] = None
    assert admit(env, doc)["allowed"] is True


def test_object_without_pod_spec_is_denied_with_400_status(env: Env) -> None:
    obj = pod(IMAGES["good"])
    obj["spec"] = {"containers": [{"name": "x"}]}
    response = admit(env, review(obj))
    assert response["allowed"] is False and response["status"]["code"] == 400
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}}
    assert admit(env, review(svc))["allowed"] is False


@pytest.mark.parametrize("body", [
    b"not json at all",
    b"[]",
    b'{"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "x"}}',
    b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}',
    b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"kind": {"kind": "Pod"}}}',
    b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u", "kind": "Pod", '
    b'"operation": "CREATE"}}',
    "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": \"\udcff\"}".encode(
        "utf-8", "surrogateescape"),
    # Valid JSON, but a lone surrogate is no Unicode text: it cannot be answered or stored.
    json.dumps(review(pod(IMAGES["good"]), namespace="shop\ud800")).encode(),
    b"[" * 100_000,  # deeper than the JSON parser recurses
])
def test_malformed_review_is_400_and_the_server_keeps_answering(env: Env, body: bytes) -> None:
    res = env.client.post(f"{env.enforce}/validate", content=body, headers={"content-type": "application/json"})
    assert res.status_code == 400
    assert "malformed AdmissionReview" in res.json()["error"]
    assert env.client.get(f"{env.enforce}/healthz").status_code == 200
    assert admit(env, review(pod(IMAGES["good"])))["allowed"] is True


def test_oversized_body_is_refused(env: Env) -> None:
    res = env.client.post(f"{env.enforce}/validate", content=b"x" * (4 * 1024 * 1024))
    assert res.status_code == 413


def test_verify_endpoint(env: Env) -> None:
    ok = env.client.post(f"{env.enforce}/v1/verify", json={"image": IMAGES["good"]}).json()
    assert ok["ok"] is True and ok["verdict"]["result"] == "PASSED"
    failed = env.client.post(f"{env.enforce}/v1/verify", json={"digest": f"sha256:{digest_of('failed')}"}).json()
    assert failed["ok"] is False and failed["reason"] == "RESULT_FAILED"
    tagged = env.client.post(f"{env.enforce}/v1/verify", json={"image": TAGGED}).json()
    assert tagged["ok"] is False and tagged["reason"] == "NOT_PINNED"
    assert env.client.post(f"{env.enforce}/v1/verify", content=b"{").status_code == 400
    assert env.client.post(f"{env.enforce}/v1/verify", json={"img": 1}).status_code == 400
    assert env.client.post(f"{env.enforce}/v1/verify", content=b"[" * 100_000).status_code == 400
    assert env.client.post(f"{env.enforce}/v1/verify", content=b'{"image": "a\\udc00@sha256:0"}').status_code == 400


def test_health_readiness_and_metrics(env: Env) -> None:
    assert env.client.get(f"{env.enforce}/healthz").json() == {"status": "ok"}
    ready = env.client.get(f"{env.enforce}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    admit(env, review(pod(IMAGES["failed"])))
    text = env.client.get(f"{env.enforce}/metrics").text
    assert 'gatecheck_admission_requests_total{decision="denied",reason="RESULT_FAILED"}' in text
    assert 'gatecheck_admission_requests_total{decision="allowed",reason="VERIFIED"}' in text
    assert 'gatecheck_request_duration_seconds_bucket{le="0.02",route="validate"}' in text
    assert "gatecheck_store_query_seconds_count" in text
    assert 'gatecheck_bad_requests_total{route="validate"}' in text


def test_cache_is_used_and_a_new_push_is_seen_at_once(env: Env) -> None:
    image = IMAGES["other"]
    assert admit(env, review(pod(image)))["allowed"] is False  # nothing stored yet
    env.store.push(entries(make_bundle(env.ci, digest_of("other"), when=datetime.now(UTC) - timedelta(minutes=2))),
                   VerifyOptions(keys=[env.ci.public]))
    assert admit(env, review(pod(image)))["allowed"] is True
    first = env.client.post(f"{env.enforce}/v1/verify", json={"image": image}).json()
    assert first["ok"] is True and first["cached"] is True
    # A push about another image leaves this image's cached answer in place.
    env.store.push(entries(make_bundle(env.ci, digest_of("unrelated"))), VerifyOptions(keys=[env.ci.public]))
    assert env.client.post(f"{env.enforce}/v1/verify", json={"image": image}).json()["cached"] is True
    # A newer FAILED verdict for the same subject and policy supersedes the passing one.
    env.store.push(entries(make_bundle(env.ci, digest_of("other"), passed=False)), VerifyOptions(keys=[env.ci.public]))
    response = admit(env, review(pod(image)))
    assert response["allowed"] is False and "RESULT_FAILED" in response["status"]["message"]


def test_admissions_are_logged_for_the_audit(env: Env) -> None:
    admit(env, review(pod(IMAGES["expired"])), env.warn)
    deadline = time.monotonic() + 10
    rows: list[Any] = []
    while time.monotonic() < deadline:
        rows = [r for r in env.store.admissions_since(datetime.now(UTC) - timedelta(hours=1))
                if r["digest"] == digest_of("expired") and r["mode"] == "warn"]
        if rows:
            break
        time.sleep(0.05)
    assert rows and rows[0]["allowed"] is True and rows[0]["passing"] is False and rows[0]["reason"] == "EXPIRED"


def test_serve_refuses_to_start_without_tls(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = new_key()
    (tmp_path / "ci.pub").write_bytes(key.public.pem())
    res = cli("serve", "--store", f"sqlite:///{tmp_path / 's.sqlite'}", "--key", str(tmp_path / "ci.pub"))
    assert res.exit_code == 2 and "--tls-cert" in res.stderr
    res = cli("serve", "--store", f"sqlite:///{tmp_path / 's.sqlite'}", "--key", str(tmp_path / "missing.pub"),
              "--insecure-http", "--insecure-no-auth")
    assert res.exit_code == 2 and "missing.pub" in res.stderr


def test_webhook_on_a_postgresql_store(tmp_path: Path) -> None:
    """The same decisions with the store on the real PostgreSQL server (the store suite covers the rest)."""
    from store_backends import fresh_store_url

    ci = new_key()
    with fresh_store_url("postgresql", tmp_path) as url, Store.open(url) as store:
        opts = VerifyOptions(keys=[ci.public])
        store.push(entries(make_bundle(ci, digest_of("good"))), opts)
        store.push(entries(make_bundle(ci, digest_of("failed"), passed=False)), opts)
        pki = make_pki(tmp_path)
        app = create_app(store, ServerSettings(options=opts))
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        with serve_https(app, pki) as base, httpx.Client(verify=context, timeout=10) as client:
            env = Env(store, ci, ci, base, base, client)
            assert admit(env, review(pod(IMAGES["good"])))["allowed"] is True
            denied = admit(env, review(workload("Deployment", IMAGES["good"], IMAGES["failed"], IMAGES["unsigned"])))
            assert denied["allowed"] is False
            assert "RESULT_FAILED" in denied["status"]["message"] and "NO_ATTESTATION" in denied["status"]["message"]
            assert client.get(f"{base}/readyz").json()["status"] == "ready"


def test_an_unreadable_store_denies_and_is_not_ready(tmp_path: Path) -> None:
    import sqlalchemy as sa

    ci = new_key()
    with Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}") as store:
        opts = VerifyOptions(keys=[ci.public])
        store.push(entries(make_bundle(ci, digest_of("good"))), opts)
        pki = make_pki(tmp_path)
        app = create_app(store, ServerSettings(options=opts, log_admissions=False))
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        with serve_https(app, pki) as base, httpx.Client(verify=context, timeout=10) as client:
            env = Env(store, ci, ci, base, base, client)
            assert admit(env, review(pod(IMAGES["good"])))["allowed"] is True
            with store.engine.begin() as conn:  # the database loses its tables under the running server
                for table in ("inputs", "signers", "subjects", "chain_head", "attestations"):
                    conn.execute(sa.text(f"DROP TABLE {table}"))
            response = admit(env, review(pod(IMAGES["other"])))
            assert response["allowed"] is False and "STORE_UNAVAILABLE" in response["status"]["message"]
            assert client.get(f"{base}/readyz").status_code == 503
            assert client.get(f"{base}/healthz").status_code == 200
