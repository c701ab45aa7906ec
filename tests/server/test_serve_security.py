"""`gatecheck serve` is safe by default: it binds loopback unless told otherwise, and /v1/verify and
/metrics answer only a caller with a bearer token from the operator's token file or a client
certificate from the operator's CA. Real processes, real HTTP and TLS on loopback."""

from __future__ import annotations

import datetime as dt
import secrets
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from attestation_factory import digest_of, new_key
from tls_server import Stored, client_identity, free_port, make_pki, running, serve_https

from gatecheck.attest.verify import VerifyOptions
from gatecheck.server.app import ServerSettings, create_app
from gatecheck.server.auth import BearerTokens
from gatecheck.store import Store

TOKEN = secrets.token_hex(32)
NEXT_TOKEN = secrets.token_urlsafe(32)  # a second line of the file: rotation without downtime
GOOD = f"registry.example/good@sha256:{digest_of('good')}"


def token_file(path: Path, *lines: str, mode: int = 0o600) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    path.chmod(mode)
    return path


def pod_review(namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": namespace,
                    "name": "p", "operation": "CREATE",
                    "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                               "spec": {"containers": [{"name": "app", "image": GOOD}]}}},
    }


# -- the application: bearer tokens over real HTTPS -------------------------------------------------


@dataclass
class Guarded:
    base: str
    webhook_guarded: str
    client: httpx.Client


@pytest.fixture(scope="module")
def guarded(stored: Stored, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    tmp = tmp_path_factory.mktemp("guarded")
    pki = make_pki(tmp)
    tokens = BearerTokens.from_file(token_file(tmp / "token", TOKEN, NEXT_TOKEN))
    with Store.open(stored.url) as store:
        options = VerifyOptions(keys=[new_key().public])
        app = create_app(store, ServerSettings(options=options, tokens=tokens, log_admissions=False))
        strict = create_app(store, ServerSettings(options=options, tokens=tokens, authenticate_webhook=True,
                                                  log_admissions=False))
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        with serve_https(app, pki) as base, serve_https(strict, pki) as strict_base, \
                httpx.Client(verify=context, timeout=10) as client:
            yield Guarded(base, strict_base, client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_verify_needs_a_bearer_token(guarded: Guarded) -> None:
    url = f"{guarded.base}/v1/verify"
    body = {"image": GOOD}
    missing = guarded.client.post(url, json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="gatecheck"'
    assert "Authorization: Bearer" in missing.json()["error"]
    for header in (bearer(TOKEN[:-1] + "x"), bearer(TOKEN + "x"), {"Authorization": f"Basic {TOKEN}"},
                   {"Authorization": "Bearer"}):
        wrong = guarded.client.post(url, json=body, headers=header)
        assert wrong.status_code == 401, header
        assert wrong.headers["www-authenticate"].startswith('Bearer realm="gatecheck"')
    assert 'error="invalid_token"' in guarded.client.post(url, json=body, headers=bearer("y" * 64)) \
        .headers["www-authenticate"]
    for token in (TOKEN, NEXT_TOKEN):
        ok = guarded.client.post(url, json=body, headers=bearer(token))
        assert ok.status_code == 200 and "target" in ok.json()
    # The scheme name is case-insensitive (RFC 7235); the token is not.
    assert guarded.client.post(url, json=body, headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    assert guarded.client.post(url, json=body, headers=bearer(TOKEN.upper())).status_code == 401


def test_a_malformed_body_is_judged_only_after_authentication(guarded: Guarded) -> None:
    assert guarded.client.post(f"{guarded.base}/v1/verify", content=b"{").status_code == 401
    assert guarded.client.post(f"{guarded.base}/v1/verify", content=b"{", headers=bearer(TOKEN)).status_code == 400


def test_metrics_need_the_token_and_count_refusals(guarded: Guarded) -> None:
    before = guarded.client.get(f"{guarded.base}/metrics", headers=bearer(TOKEN)).text
    assert guarded.client.get(f"{guarded.base}/metrics").status_code == 401
    guarded.client.post(f"{guarded.base}/v1/verify", json={"image": GOOD}, headers=bearer("z" * 64))
    text = guarded.client.get(f"{guarded.base}/metrics", headers=bearer(TOKEN)).text

    def count(sample: str, exposition: str) -> float:
        line = next((ln for ln in exposition.splitlines() if ln.startswith(sample + " ")), f"{sample} 0")
        return float(line.rsplit(" ", 1)[1])

    missing = 'gatecheck_unauthenticated_requests_total{reason="missing",route="metrics"}'
    invalid = 'gatecheck_unauthenticated_requests_total{reason="invalid",route="verify"}'
    assert count(missing, text) == count(missing, before) + 1
    assert count(invalid, text) == count(invalid, before) + 1


def test_health_probes_and_the_webhook_stay_open_by_default(guarded: Guarded) -> None:
    assert guarded.client.get(f"{guarded.base}/healthz").status_code == 200
    assert guarded.client.get(f"{guarded.base}/readyz").status_code == 200
    res = guarded.client.post(f"{guarded.base}/validate", json=pod_review())
    assert res.status_code == 200 and res.json()["response"]["uid"] == "u-1"


def test_authenticate_webhook_puts_validate_behind_the_token(guarded: Guarded) -> None:
    url = f"{guarded.webhook_guarded}/validate"
    refused = guarded.client.post(url, json=pod_review())
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert guarded.client.post(url, json=pod_review(), headers=bearer(TOKEN)).json()["response"]["uid"] == "u-1"
    assert guarded.client.get(f"{guarded.webhook_guarded}/healthz").status_code == 200


# -- the command: start-up refusals -----------------------------------------------------------------


def test_serve_refuses_to_start_without_authentication(stored: Stored) -> None:
    argv = stored.serve_argv("--insecure-http", "--port", str(free_port()))
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("gatecheck serve started with no authentication instead of refusing")
    assert res.returncode == 2, res.stderr
    assert "--token-file" in res.stderr and "--client-ca" in res.stderr and "--insecure-no-auth" in res.stderr


@pytest.mark.parametrize(("lines", "mode", "expected"), [
    (None, 0o600, "file not found"),
    ((), 0o600, "holds no token"),
    (("", "   "), 0o600, "holds no token"),
    ((TOKEN,), 0o644, "readable by other users"),
    ((TOKEN,), 0o606, "readable by other users"),
    (("short",), 0o600, "{path}:1: --token-file: a token must be at least 32 characters"),
    ((TOKEN, "# the old token, rotated out on Monday"), 0o600, "{path}:2: --token-file: not a bearer token"),
])
def test_bad_token_files_are_refused(cli: Callable[..., Any], stored: Stored, tmp_path: Path,
                                     lines: tuple[str, ...] | None, mode: int, expected: str) -> None:
    path = tmp_path / "token"
    if lines is not None:
        token_file(path, *lines, mode=mode)
    res = cli("serve", "--store", stored.url, "--key", str(stored.pub), "--insecure-http", "--token-file", str(path))
    assert res.exit_code == 2
    assert str(path) in res.stderr and expected.format(path=path) in res.stderr, res.stderr


def test_client_ca_needs_tls_and_a_certificate(cli: Callable[..., Any], stored: Stored, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    res = cli("serve", "--store", stored.url, "--key", str(stored.pub), "--insecure-http", "--client-ca",
              str(pki.ca_cert))
    assert res.exit_code == 2 and "--client-ca needs TLS" in res.stderr
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    res = cli("serve", "--store", stored.url, "--key", str(stored.pub), "--tls-cert", str(pki.server_cert),
              "--tls-key", str(pki.server_key), "--client-ca", str(junk))
    assert res.exit_code == 2 and str(junk) in res.stderr and "no PEM certificate" in res.stderr


def test_contradictory_options_are_refused(cli: Callable[..., Any], stored: Stored, tmp_path: Path) -> None:
    path = token_file(tmp_path / "token", TOKEN)
    res = cli("serve", "--store", stored.url, "--key", str(stored.pub), "--insecure-http", "--token-file", str(path),
              "--insecure-no-auth")
    assert res.exit_code == 2 and "--insecure-no-auth" in res.stderr
    res = cli("serve", "--store", stored.url, "--key", str(stored.pub), "--insecure-http", "--insecure-no-auth",
              "--authenticate-webhook")
    assert res.exit_code == 2 and "--authenticate-webhook needs --token-file" in res.stderr


# -- the command: a running server ------------------------------------------------------------------


def test_serve_binds_loopback_by_default(stored: Stored, tmp_path: Path) -> None:
    port = free_port()
    argv = stored.serve_argv("--insecure-http", "--port", str(port), "--token-file",
                      str(token_file(tmp_path / "token", TOKEN)))
    with httpx.Client(timeout=5) as client, running(argv, f"http://127.0.0.1:{port}/healthz", client):
        # All of 127.0.0.0/8 reaches this machine, but only a wildcard bind accepts on 127.0.0.2.
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.2", port), timeout=5):
            pass
        assert client.post(f"http://127.0.0.1:{port}/v1/verify", json={"image": GOOD}).status_code == 401
        assert client.post(f"http://127.0.0.1:{port}/v1/verify", json={"image": GOOD},
                           headers=bearer(TOKEN)).json()["ok"] is True


def test_host_option_binds_where_told(stored: Stored, tmp_path: Path) -> None:
    port = free_port()
    argv = stored.serve_argv("--insecure-http", "--port", str(port), "--host", "0.0.0.0", "--token-file",
                      str(token_file(tmp_path / "token", TOKEN)))
    with httpx.Client(timeout=5) as client, running(argv, f"http://127.0.0.2:{port}/healthz", client):
        assert client.get(f"http://127.0.0.2:{port}/readyz").status_code == 200


def test_insecure_no_auth_is_an_explicit_opt_out_and_says_so(stored: Stored) -> None:
    port = free_port()
    argv = stored.serve_argv("--insecure-http", "--port", str(port), "--insecure-no-auth")
    with httpx.Client(timeout=5) as client, running(argv, f"http://127.0.0.1:{port}/healthz", client) as proc:
        assert client.post(f"http://127.0.0.1:{port}/v1/verify", json={"image": GOOD}).json()["ok"] is True
        assert client.get(f"http://127.0.0.1:{port}/metrics").status_code == 200
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "without authentication" in err


def test_client_certificates_over_tls(stored: Stored, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    client_ca, cert, key = client_identity(tmp_path, "kube-apiserver")
    _, rogue_cert, rogue_key = client_identity(tmp_path, "stranger")
    port, probe = free_port(), free_port()
    argv = stored.serve_argv("--port", str(port), "--tls-cert", str(pki.server_cert), "--tls-key",
                      str(pki.server_key), "--client-ca", str(client_ca), "--probe-port", str(probe))
    base = f"https://127.0.0.1:{port}"

    def context(chain: tuple[Path, Path] | None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
        if chain is not None:
            ctx.load_cert_chain(str(chain[0]), str(chain[1]))
        return ctx

    with httpx.Client(timeout=5) as plain, running(argv, f"http://127.0.0.1:{probe}/readyz", plain):
        # Health probes answer on the probe port without a certificate; nothing else is served there.
        assert plain.get(f"http://127.0.0.1:{probe}/healthz").status_code == 200
        assert plain.post(f"http://127.0.0.1:{probe}/v1/verify", json={"image": GOOD}).status_code == 404
        for chain in (None, (rogue_cert, rogue_key)):
            with httpx.Client(verify=context(chain), timeout=5) as client, pytest.raises(httpx.TransportError):
                client.post(f"{base}/v1/verify", json={"image": GOOD})
        with httpx.Client(verify=context((cert, key)), timeout=5) as client:
            assert client.post(f"{base}/v1/verify", json={"image": GOOD}).json()["ok"] is True
            assert client.post(f"{base}/validate", json=pod_review()).json()["response"]["allowed"] is True
            assert client.get(f"{base}/metrics").status_code == 200


def test_a_lost_admission_record_is_reported_on_stderr(stored: Stored, tmp_path: Path) -> None:
    """The server's own log reaches stderr: a record the database refuses is named there, with the reason."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'refusing.sqlite'}"
    with Store.open(url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("CREATE TRIGGER refuse_namespace BEFORE INSERT ON admissions WHEN NEW.namespace = "
                             "'refused' BEGIN SELECT RAISE(ABORT, 'refuse_namespace'); END"))
    port = free_port()
    argv = Stored(url, stored.pub).serve_argv("--insecure-http", "--port", str(port), "--insecure-no-auth")
    with httpx.Client(timeout=5) as client, running(argv, f"http://127.0.0.1:{port}/healthz", client) as proc:
        for namespace in ("refused", "shop"):
            assert client.post(f"http://127.0.0.1:{port}/validate", json=pod_review(namespace)).status_code == 200
        with Store.open(url) as store:
            deadline = time.monotonic() + 15
            while not store.admissions_since(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)):
                assert time.monotonic() < deadline, "the record of namespace shop was not written"
                time.sleep(0.05)
        proc.terminate()  # the server finishes its admission log before it exits
        _, err = proc.communicate(timeout=20)
    assert "admission record not written: kind='Pod' namespace='refused' name='p'" in err, err
    assert "refuse_namespace" in err


def test_the_probe_port_is_not_ready_until_the_main_listener_is(tmp_path: Path) -> None:
    """The probe listener starts first; a readiness probe that passed then would send webhooks to a
    port that does not listen yet (seen as a refused connection right after start-up)."""
    from gatecheck.cli.serve_cmd import _serve_probes

    main_up = False
    with Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}") as store:
        port = free_port()
        probes = _serve_probes(store, "127.0.0.1", port, "warning", serving=lambda: main_up)
        try:
            with httpx.Client(timeout=5) as client:
                starting = client.get(f"http://127.0.0.1:{port}/readyz")
                assert starting.status_code == 503 and starting.json()["status"] == "starting"
                assert client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                main_up = True
                assert client.get(f"http://127.0.0.1:{port}/readyz").json()["status"] == "ready"
        finally:
            probes.should_exit = True
