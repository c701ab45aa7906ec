"""contrib/kubernetes: the webhook configuration fails closed, covers every kind the server judges,
and the Deployment passes only options `gatecheck serve` has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gatecheck.server.admission import POD_SPEC_PATHS

KUBE = Path(__file__).resolve().parents[2] / "contrib" / "kubernetes"
RESOURCES = {"Pod": "pods", "Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets",
             "ReplicaSet": "replicasets", "ReplicationController": "replicationcontrollers", "Job": "jobs",
             "CronJob": "cronjobs"}


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((KUBE / name).read_text())
    assert isinstance(doc, dict)
    return doc


def test_webhook_configuration_fails_closed_with_a_short_timeout() -> None:
    config = load("validatingwebhookconfiguration.yaml")
    assert config["kind"] == "ValidatingWebhookConfiguration"
    (hook,) = config["webhooks"]
    assert hook["failurePolicy"] == "Fail" and 1 <= hook["timeoutSeconds"] <= 5
    assert hook["admissionReviewVersions"] == ["v1"] and hook["clientConfig"]["service"]["path"] == "/validate"
    resources = {r for rule in hook["rules"] for r in rule["resources"]}
    assert resources == {RESOURCES[k] for k in POD_SPEC_PATHS}
    assert all(set(rule["operations"]) == {"CREATE", "UPDATE"} for rule in hook["rules"])


def test_deployment_uses_real_serve_options_and_tls() -> None:
    from gatecheck.cli.serve_cmd import serve

    deployment = load("deployment.yaml")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[0] == "serve"
    known = {opt for param in serve.params for opt in getattr(param, "opts", [])}
    for arg in args[1:]:
        assert arg.split("=", 1)[0] in known, arg
    assert any(a.startswith("--tls-cert=") for a in args) and "--insecure-http" not in args
    service = load("service.yaml")
    assert service["spec"]["ports"][0]["port"] == 443
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
