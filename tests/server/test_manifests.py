"""contrib/kubernetes: the webhook configuration fails closed, covers every kind the server judges,
and the Deployment passes only options `gatecheck serve` has, says where to bind and authenticates."""

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
    assert "--insecure-no-auth" not in args
    service = load("service.yaml")
    assert service["spec"]["ports"][0]["port"] == 443
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_deployment_binds_all_addresses_explicitly_and_says_why() -> None:
    """`gatecheck serve` binds loopback by default; in a pod the Service reaches it on the pod IP."""
    text = (KUBE / "deployment.yaml").read_text().splitlines()
    (i,) = [n for n, line in enumerate(text) if line.strip() == "- --host=0.0.0.0"]
    comment = " ".join(line.strip() for line in text[i - 3:i] if line.strip().startswith("#")).lower()
    assert "loopback" in comment and "service" in comment, comment
    readme = (KUBE / "README.md").read_text()
    assert "--host=0.0.0.0" in readme and "127.0.0.1" in readme


def test_deployment_reads_its_token_from_a_secret_no_other_user_can_read() -> None:
    deployment = load("deployment.yaml")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (token_arg,) = [a for a in container["args"] if a.startswith("--token-file=")]
    path = Path(token_arg.split("=", 1)[1])
    (mount,) = [m for m in container["volumeMounts"] if path.parent == Path(m["mountPath"])]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["defaultMode"] & 0o007 == 0  # gatecheck serve refuses a world-readable token file
    # The Secret's files belong to root; the group (fsGroup) is how the non-root user reads them.
    assert volume["secret"]["defaultMode"] & 0o040 and pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"]
