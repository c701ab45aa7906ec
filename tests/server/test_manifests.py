"""contrib/kubernetes: valid Kubernetes 1.30 objects (checked offline against the API's own schema);
a webhook configuration that fails closed, covers every kind the server judges and the ephemeral
containers of `kubectl debug`, and trusts the CA cert-manager injects; a certificate cert-manager
issues and renews into the Secret the Deployment mounts; two replicas kept apart and kept up; the
image's own user; and a Deployment that passes only options `gatecheck serve` has, says where to
bind and authenticates."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from gatecheck.server.admission import POD_SPEC_PATHS

REPO = Path(__file__).resolve().parents[2]
KUBE = REPO / "contrib" / "kubernetes"
KUBERNETES = "1.30"
RESOURCES = {"Pod": "pods", "Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets",
             "ReplicaSet": "replicasets", "ReplicationController": "replicationcontrollers", "Job": "jobs",
             "CronJob": "cronjobs"}
#: Kinds kubernetes-validate has no schema for: it bundles the Kubernetes API's own schemas only.
#: cert-manager's are checked by test_cert_manager_objects_have_the_documented_shape, kustomize's
#: file by test_kustomization_lists_every_manifest.
CERT_MANAGER = {("cert-manager.io/v1", "Issuer"), ("cert-manager.io/v1", "Certificate")}
KUSTOMIZE = {("kustomize.config.k8s.io/v1beta1", "Kustomization")}


def manifests() -> list[tuple[str, dict[str, Any]]]:
    """Every object of every manifest file, with the file's name."""
    found = []
    for path in sorted(KUBE.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            assert isinstance(doc, dict), path
            found.append((path.name, doc))
    return found


def only(kind: str, name: str | None = None) -> dict[str, Any]:
    (doc,) = [d for _, d in manifests() if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    return doc


def validate(doc: dict[str, Any]) -> None:
    """kubernetes_validate.ValidationError unless ``doc`` is a valid Kubernetes 1.30 object.

    Strict: a field the schema does not have is an error too, as it is for `kubectl apply` (which
    asks the API server for strict field validation since 1.27).
    """
    assert kubernetes_validate.validate(doc, KUBERNETES, strict=True) == KUBERNETES


# -- the Kubernetes 1.30 schema -----------------------------------------------------------------------


def test_every_manifest_is_a_valid_kubernetes_1_30_object() -> None:
    validated = []
    for name, doc in manifests():
        kind = (doc["apiVersion"], doc["kind"])
        if kind in CERT_MANAGER | KUSTOMIZE:
            continue
        try:
            validate(doc)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {doc['kind']} {doc['metadata'].get('name')}: {exc.message} at {list(exc.path)}")
        validated.append(doc["kind"])
    assert sorted(validated) == ["Deployment", "Namespace", "PodDisruptionBudget", "Service",
                                 "ValidatingWebhookConfiguration"]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets the dotted ``path`` (numbers index lists) to ``value``; None deletes it."""
    def change(doc: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = doc
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return change


@pytest.mark.parametrize(("kind", "change", "error"), [
    ("Deployment", _set("spec.replica", 2), "'replica' was unexpected"),  # a misspelt field
    ("Deployment", _set("spec.replicas", "two"), "'two' is not of type 'integer'"),
    ("Deployment", _set("spec.template.spec.containers.0.readinessProbe.httpGet.port", None),
     "'port' is a required property"),
    ("Deployment", _set("spec.template.spec.securityContext.runAsUser", "10001"), "is not of type 'integer'"),
    ("Deployment", _set("spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"
                        ".0.weight", None), "'weight' is a required property"),
    ("ValidatingWebhookConfiguration", _set("webhooks.0.sideEffects", None), "'sideEffects' is a required property"),
    ("ValidatingWebhookConfiguration", _set("webhooks.0.clientConfig.caBundel", "x"), "'caBundel' was unexpected"),
    ("PodDisruptionBudget", _set("spec.minAvailble", 1), "'minAvailble' was unexpected"),
    ("Service", _set("spec.ports.0.port", "https"), "is not of type 'integer'"),
])
def test_the_schema_check_refuses_a_broken_manifest(kind: str, change: Callable[[dict[str, Any]], None],
                                                    error: str) -> None:
    """Not vacuous: the same check fails on a copy of a manifest with one mistake in it."""
    broken = copy.deepcopy(only(kind))
    change(broken)
    with pytest.raises(kubernetes_validate.ValidationError) as caught:
        validate(broken)
    assert error in caught.value.message


# -- the webhook configuration ------------------------------------------------------------------------


def test_webhook_configuration_fails_closed_with_a_short_timeout() -> None:
    config = only("ValidatingWebhookConfiguration")
    (hook,) = config["webhooks"]
    assert hook["failurePolicy"] == "Fail" and 1 <= hook["timeoutSeconds"] <= 5
    assert hook["admissionReviewVersions"] == ["v1"] and hook["clientConfig"]["service"]["path"] == "/validate"
    operations = {r: set(rule["operations"]) for rule in hook["rules"] for r in rule["resources"]}
    # Every kind the server reads images from, on CREATE and UPDATE ...
    assert {r: ops for r, ops in operations.items() if "/" not in r} == \
        {RESOURCES[k]: {"CREATE", "UPDATE"} for k in POD_SPEC_PATHS}
    # ... and the subresource `kubectl debug` updates to add an ephemeral container to a running Pod.
    assert {r: ops for r, ops in operations.items() if "/" in r} == {"pods/ephemeralcontainers": {"UPDATE"}}
    (core,) = [rule for rule in hook["rules"] if "pods/ephemeralcontainers" in rule["resources"]]
    assert core["apiGroups"] == [""] and core["apiVersions"] == ["v1"]


def test_webhook_configuration_trusts_the_ca_cert_manager_injects() -> None:
    """The API server refuses a caBundle that is not base64 (`format: byte`, which the schema check does not
    test); the CA injector fills it in from the Certificate the annotation names."""
    config = only("ValidatingWebhookConfiguration")
    (hook,) = config["webhooks"]
    assert "caBundle" not in hook["clientConfig"]
    namespace, name = config["metadata"]["annotations"]["cert-manager.io/inject-ca-from"].split("/")
    certificate = only("Certificate", name)
    assert certificate["metadata"]["namespace"] == namespace
    # The serving certificate names the Service the API server calls, and is for serving.
    service = hook["clientConfig"]["service"]
    assert f"{service['name']}.{service['namespace']}.svc" in certificate["spec"]["dnsNames"]
    assert "server auth" in certificate["spec"]["usages"]
    assert only("Service")["metadata"]["name"] == service["name"]


def test_excluded_namespaces_agree_between_the_webhook_and_the_server() -> None:
    (hook,) = only("ValidatingWebhookConfiguration")["webhooks"]
    (expression,) = hook["namespaceSelector"]["matchExpressions"]
    assert expression["key"] == "kubernetes.io/metadata.name" and expression["operator"] == "NotIn"
    args = only("Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    excluded = {a.split("=", 1)[1] for a in args if a.startswith("--exclude-namespace=")}
    assert set(expression["values"]) == excluded
    # Its own namespace, and cert-manager's, which renews its certificate.
    assert {"gatecheck", "kube-system", "cert-manager"} <= excluded


# -- cert-manager --------------------------------------------------------------------------------------

# cert-manager.io/v1 Issuer and Certificate as cert-manager's API reference documents them
# (https://cert-manager.io/docs/reference/api-docs/): kubernetes-validate bundles Kubernetes' own
# schemas only, and no package on PyPI ships cert-manager's CRDs. Written out here for the fields a
# Certificate spec has (so a misspelt or misplaced one fails) and, in full, for the ones the manifests
# use (types, enums, required fields, one issuer type per Issuer).
_DURATION = {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"}
_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
_KEY_USAGES = ["signing", "digital signature", "content commitment", "key encipherment", "key agreement",
               "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
               "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel",
               "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"]
_OBJECT_META = {"type": "object", "required": ["name", "namespace"],
                "properties": {"name": {"type": "string"}, "namespace": {"type": "string"},
                               "labels": {"type": "object"}, "annotations": {"type": "object"}}}
CERT_MANAGER_SCHEMAS: dict[str, dict[str, Any]] = {
    "Issuer": {
        "type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "cert-manager.io/v1"}, "kind": {"const": "Issuer"}, "metadata": _OBJECT_META,
            "spec": {
                "type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
                "properties": {
                    "selfSigned": {"type": "object", "additionalProperties": False,
                                   "properties": {"crlDistributionPoints": _NAMES}},
                    "ca": {"type": "object", "additionalProperties": False, "required": ["secretName"],
                           "properties": {"secretName": {"type": "string", "minLength": 1},
                                          "crlDistributionPoints": _NAMES, "ocspServers": _NAMES,
                                          "issuingCertificateURLs": _NAMES}},
                    "acme": {"type": "object"}, "vault": {"type": "object"}, "venafi": {"type": "object"},
                },
            },
        },
    },
    "Certificate": {
        "type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "cert-manager.io/v1"}, "kind": {"const": "Certificate"}, "metadata": _OBJECT_META,
            "spec": {
                "type": "object", "additionalProperties": False, "required": ["secretName", "issuerRef"],
                "properties": {
                    "secretName": {"type": "string", "minLength": 1},
                    "issuerRef": {"type": "object", "additionalProperties": False, "required": ["name"],
                                  "properties": {"name": {"type": "string", "minLength": 1},
                                                 "kind": {"enum": ["Issuer", "ClusterIssuer"]},
                                                 "group": {"const": "cert-manager.io"}}},
                    "commonName": {"type": "string", "maxLength": 64},
                    "dnsNames": _NAMES, "ipAddresses": _NAMES, "uris": _NAMES, "emailAddresses": _NAMES,
                    "duration": _DURATION, "renewBefore": _DURATION,
                    "renewBeforePercentage": {"type": "integer", "minimum": 1, "maximum": 99},
                    "isCA": {"type": "boolean"},
                    "usages": {"type": "array", "items": {"enum": _KEY_USAGES}},
                    "privateKey": {"type": "object", "additionalProperties": False, "properties": {
                        "algorithm": {"enum": ["RSA", "ECDSA", "Ed25519"]},
                        "size": {"type": "integer"},
                        "encoding": {"enum": ["PKCS1", "PKCS8"]},
                        "rotationPolicy": {"enum": ["Never", "Always"]}}},
                    "subject": {"type": "object"}, "literalSubject": {"type": "string"},
                    "secretTemplate": {"type": "object"}, "keystores": {"type": "object"},
                    "additionalOutputFormats": {"type": "array"}, "encodeUsagesInRequest": {"type": "boolean"},
                    "nameConstraints": {"type": "object"}, "otherNames": {"type": "array"},
                    "revisionHistoryLimit": {"type": "integer"}, "signatureAlgorithm": {"type": "string"},
                },
            },
        },
    },
}


def check_cert_manager(doc: dict[str, Any]) -> None:
    """jsonschema.ValidationError unless ``doc`` has the documented shape of its cert-manager kind."""
    jsonschema.validate(doc, CERT_MANAGER_SCHEMAS[doc["kind"]])


def _hours(duration: str) -> float:
    units = {"h": 1.0, "m": 1 / 60, "s": 1 / 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"([0-9.]+)(h|m|s)", duration))


def test_cert_manager_objects_have_the_documented_shape() -> None:
    objects = [doc for _, doc in manifests() if (doc["apiVersion"], doc["kind"]) in CERT_MANAGER]
    assert sorted(d["kind"] for d in objects) == ["Certificate", "Certificate", "Issuer", "Issuer"]
    issuers = {d["metadata"]["name"]: d for d in objects if d["kind"] == "Issuer"}
    for doc in objects:
        check_cert_manager(doc)
        assert doc["metadata"]["namespace"] == "gatecheck"
        if doc["kind"] == "Certificate":
            spec = doc["spec"]
            # An Issuer is namespaced: the Certificate's must be among the manifests.
            assert spec["issuerRef"]["kind"] == "Issuer" and spec["issuerRef"]["name"] in issuers
            # cert-manager refuses a duration under an hour or a renewBefore not shorter than it.
            assert 1 <= _hours(spec["renewBefore"]) < _hours(spec["duration"])
    # The chain: a self-signed Issuer makes the CA, whose Secret the CA Issuer signs with.
    (ca_issuer,) = [d for d in issuers.values() if "ca" in d["spec"]]
    (ca,) = [d for d in objects if d["kind"] == "Certificate" and d["spec"].get("isCA")]
    assert ca["spec"]["secretName"] == ca_issuer["spec"]["ca"]["secretName"]
    assert "selfSigned" in issuers[ca["spec"]["issuerRef"]["name"]]["spec"]
    # The CA keeps its key when renewed, so certificates it signed before still verify against it.
    assert ca["spec"]["privateKey"]["rotationPolicy"] == "Never"
    serving = only("Certificate", "gatecheck-webhook")
    assert serving["spec"]["issuerRef"]["name"] == ca_issuer["metadata"]["name"]
    # The Deployment mounts the CA's Secret nowhere: only cert-manager needs the CA key.
    volumes = only("Deployment")["spec"]["template"]["spec"]["volumes"]
    assert ca["spec"]["secretName"] not in {v.get("secret", {}).get("secretName") for v in volumes}


@pytest.mark.parametrize(("kind", "name", "change", "error"), [
    ("Certificate", "gatecheck-webhook", _set("spec.dnsName", ["x"]), "'dnsName' was unexpected"),
    ("Certificate", "gatecheck-webhook", _set("spec.secretName", None), "'secretName' is a required property"),
    ("Certificate", "gatecheck-webhook", _set("spec.privateKey.rotationPolicy", "Sometimes"),
     "'Sometimes' is not one of"),
    ("Certificate", "gatecheck-webhook", _set("spec.usages", ["server-auth"]), "'server-auth' is not one of"),
    ("Certificate", "gatecheck-webhook", _set("spec.duration", "90d"), "does not match"),
    ("Certificate", "gatecheck-webhook", _set("spec.issuerRef.kind", "CertificateAuthority"), "is not one of"),
    ("Certificate", "gatecheck-ca", _set("spec.isCA", "yes"), "is not of type 'boolean'"),
    ("Issuer", "gatecheck-selfsigned", _set("spec.ca", {"secretName": "gatecheck-ca"}), "has too many properties"),
    ("Issuer", "gatecheck-ca", _set("spec.ca.secretName", None), "'secretName' is a required property"),
])
def test_the_cert_manager_check_refuses_a_broken_object(kind: str, name: str, change: Callable[[dict[str, Any]], None],
                                                        error: str) -> None:
    """Not vacuous either: one mistake in a copy of a cert-manager object fails the same check."""
    broken = copy.deepcopy(only(kind, name))
    change(broken)
    with pytest.raises(jsonschema.ValidationError) as caught:
        check_cert_manager(broken)
    assert error in caught.value.message


# -- the Deployment ------------------------------------------------------------------------------------


def test_deployment_uses_real_serve_options_and_tls() -> None:
    from gatecheck.cli.serve_cmd import serve

    deployment = only("Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[0] == "serve"
    known = {opt for param in serve.params for opt in getattr(param, "opts", [])}
    for arg in args[1:]:
        assert arg.split("=", 1)[0] in known, arg
    assert any(a.startswith("--tls-cert=") for a in args) and "--insecure-http" not in args
    assert "--insecure-no-auth" not in args
    service = only("Service")
    assert service["spec"]["ports"][0]["port"] == 443
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_deployment_serves_the_certificate_cert_manager_renews_from_a_live_mount() -> None:
    """The Secret is mounted as a directory: the kubelet updates it in place (a subPath mount it never updates)."""
    pod = only("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    files = {a.split("=", 1)[0]: Path(a.split("=", 1)[1]) for a in container["args"]
             if a.startswith(("--tls-cert=", "--tls-key="))}
    assert files["--tls-cert"].name == "tls.crt" and files["--tls-key"].name == "tls.key"
    assert files["--tls-cert"].parent == files["--tls-key"].parent
    (mount,) = [m for m in container["volumeMounts"] if Path(m["mountPath"]) == files["--tls-cert"].parent]
    assert "subPath" not in mount and "subPathExpr" not in mount
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == only("Certificate", "gatecheck-webhook")["spec"]["secretName"]


def test_two_replicas_on_different_nodes_and_one_always_up() -> None:
    deployment = only("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["replicas"] == 2 and deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (term,) = deployment["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert term["podAffinityTerm"]["labelSelector"]["matchLabels"].items() <= labels.items()
    budget = only("PodDisruptionBudget")
    assert budget["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_deployment_runs_as_the_images_user() -> None:
    dockerfile = (REPO / "contrib" / "docker" / "Dockerfile").read_text()
    final_stage = dockerfile.split("\nFROM ")[-1]
    (user,) = re.findall(r"^USER\s+(\d+):(\d+)\s*$", final_stage, re.MULTILINE)
    context = only("Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user
    assert context["runAsNonRoot"] is True


def test_deployment_binds_all_addresses_explicitly_and_says_why() -> None:
    """`gatecheck serve` binds loopback by default; in a pod the Service reaches it on the pod IP."""
    text = (KUBE / "deployment.yaml").read_text().splitlines()
    (i,) = [n for n, line in enumerate(text) if line.strip() == "- --host=0.0.0.0"]
    comment = " ".join(line.strip() for line in text[i - 3:i] if line.strip().startswith("#")).lower()
    assert "loopback" in comment and "service" in comment, comment
    readme = (KUBE / "README.md").read_text()
    assert "--host=0.0.0.0" in readme and "127.0.0.1" in readme


def test_deployment_reads_its_token_from_a_secret_no_other_user_can_read() -> None:
    pod = only("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (token_arg,) = [a for a in container["args"] if a.startswith("--token-file=")]
    path = Path(token_arg.split("=", 1)[1])
    (mount,) = [m for m in container["volumeMounts"] if path.parent == Path(m["mountPath"])]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["defaultMode"] & 0o007 == 0  # gatecheck serve refuses a world-readable token file
    # The Secret's files belong to root; the group (fsGroup) is how the non-root user reads them.
    context = pod["securityContext"]
    assert volume["secret"]["defaultMode"] & 0o040 and context["fsGroup"] == context["runAsGroup"]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in KUBE.glob("*.yaml")
                                                        if p.name != "kustomization.yaml")
