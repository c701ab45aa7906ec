"""Live verification against loopback stand-ins for the providers' APIs.

The providers cannot be reached from a test, so each test starts a loopback stand-in: a real HTTP
server on 127.0.0.1 that speaks the provider's documented protocol for the one request gatecheck
sends (GitHub's REST ``GET /user``, Slack's Web API ``POST /api/auth.test``, Stripe's
``GET /v1/balance`` with Basic auth), answering as the documentation says a live, revoked or
unknown credential is answered. The verifier's connector is pointed at the stand-in; the request
it sends, Host header included, is the one the provider would receive.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import string
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.redact import Redactor
from gatecheck.repository import Repository
from gatecheck.runner import coerce_result
from gatecheck_plugins.secrets import verify
from gatecheck_plugins.secrets.check import SecretsCheck
from gatecheck_plugins.secrets.validators import crc32_suffix

ALNUM = string.ascii_letters + string.digits


def github_token(rng: random.Random) -> str:
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    return "ghp_" + body + crc32_suffix(body)


class StandIn:
    """A loopback HTTP server answering one provider's documented request; records what it received."""

    def __init__(self, answer: Callable[[str, str, dict[str, str], bytes], tuple[int, Any]]) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                stand_in.requests.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
                status, payload = stand_in.answer(self.command, self.path, headers, body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status in (301, 302):
                    self.send_header("Location", "https://elsewhere.example/")
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def connect_to(monkeypatch: pytest.MonkeyPatch) -> Callable[[StandIn], list[str]]:
    """Point every verification at a stand-in; returns the list of hosts the verifier asked for."""
    import http.client

    def use(stand_in: StandIn) -> list[str]:
        hosts: list[str] = []

        def connector(host: str, timeout: float) -> http.client.HTTPConnection:
            hosts.append(host)
            return http.client.HTTPConnection("127.0.0.1", stand_in.port, timeout=timeout)

        monkeypatch.setattr(verify, "connect", connector)
        return hosts

    return use


def github_api(live: set[str]) -> Callable[[str, str, dict[str, str], bytes], tuple[int, Any]]:
    """GitHub REST API, as documented for GET /user: 200 with the user for a good token, 401
    {"message": "Bad credentials"} otherwise, 403 when the token lacks access."""

    def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if method != "GET" or path != "/user":
            return 404, {"message": "Not Found"}
        if token in live:
            return 200, {"login": "octocat", "id": 1, "type": "User"}
        if token.endswith("forbidden"):
            return 403, {"message": "Resource not accessible by personal access token"}
        return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}

    return answer


def slack_api(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    """Slack Web API auth.test: always HTTP 200; {"ok": true, ...} or {"ok": false, "error": ...}."""
    token = headers.get("authorization", "").removeprefix("Bearer ")
    if path != "/api/auth.test":
        return 200, {"ok": False, "error": "unknown_method"}
    if token.endswith("LIVE"):
        return 200, {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "bot", "team_id": "T1",
                     "user_id": "U1"}
    if token.endswith("GONE"):
        return 200, {"ok": False, "error": "token_revoked"}
    return 200, {"ok": False, "error": "invalid_auth"}


def stripe_api(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    """Stripe API GET /v1/balance with the key as the Basic auth user: a balance object, or an error
    object whose code says why (api_key_expired for a rolled key)."""
    auth = headers.get("authorization", "")
    key = base64.b64decode(auth.removeprefix("Basic ")).decode().rstrip(":") if auth.startswith("Basic ") else ""
    if key.endswith("Expired"):
        return 401, {"error": {"code": "api_key_expired", "type": "invalid_request_error", "message": "Expired API Key"}}
    if key.endswith("Restricted"):
        return 403, {"error": {"type": "invalid_request_error", "message": "The provided key does not have access"}}
    if key:
        return 200, {"object": "balance", "available": [], "livemode": True, "pending": []}
    return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}


def test_github_stand_in_only_the_documented_success_is_live(connect_to: Callable[[StandIn], list[str]],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(1)
    good, bad = github_token(rng), github_token(rng)
    caplog.set_level(logging.DEBUG)
    with StandIn(github_api({good})) as stand_in:
        hosts = connect_to(stand_in)
        verifier = verify.LiveVerifier()
        live = verifier.verify("github-pat", good.encode())
        unknown = verifier.verify("github-pat", bad.encode())
        again = verifier.verify("github-pat", good.encode())
    assert live is not None and live.verdict == "live" and live.http_status == 200
    # 401 "Bad credentials" is not proof of revocation (a GitHub Enterprise token is refused too).
    assert unknown is not None and unknown.verdict == "unknown" and unknown.http_status == 401
    assert again == live and len(stand_in.requests) == 2  # one request per distinct value
    assert hosts == ["api.github.com", "api.github.com"]
    request = stand_in.requests[0]
    assert request["method"] == "GET" and request["path"] == "/user"
    assert request["headers"]["host"] == "api.github.com"
    assert request["headers"]["authorization"] == f"Bearer {good}"
    assert live.metadata() == {"verified": "live", "verification": {
        "provider": "GitHub", "endpoint": "https://api.github.com/user", "http_status": 200}}
    assert good not in caplog.text and bad not in caplog.text
    assert good not in json.dumps(live.metadata()) and bad not in json.dumps(unknown.metadata())


def test_slack_stand_in_revoked_only_on_the_documented_error(connect_to: Callable[[StandIn], list[str]]) -> None:
    base = "xoxb-123456789012-1234567890123-" + "a1B2c3D4e5F6g7H8i9J0"
    with StandIn(slack_api) as stand_in:
        connect_to(stand_in)
        verifier = verify.LiveVerifier()
        verdicts = {suffix: verifier.verify("slack-bot-token", (base + suffix).encode()) for suffix in ("LIVE", "GONE", "NOPE")}
    assert {k: v.verdict for k, v in verdicts.items() if v} == {"LIVE": "live", "GONE": "revoked", "NOPE": "unknown"}
    assert all(r["method"] == "POST" and r["path"] == "/api/auth.test" and r["headers"]["host"] == "slack.com"
               for r in stand_in.requests)


def test_stripe_stand_in_expired_is_revoked_and_forbidden_is_unknown(connect_to: Callable[[StandIn], list[str]]) -> None:
    key = "sk_live_51" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1cD4fG7"
    with StandIn(stripe_api) as stand_in:
        connect_to(stand_in)
        verifier = verify.LiveVerifier()
        results = {s: verifier.verify("stripe-secret-key", (key + s).encode()) for s in ("", "Expired", "Restricted")}
    assert {k: v.verdict for k, v in results.items() if v} == {"": "live", "Expired": "revoked", "Restricted": "unknown"}
    assert {r["path"] for r in stand_in.requests} == {"/v1/balance"}
    assert {r["headers"]["host"] for r in stand_in.requests} == {"api.stripe.com"}


@pytest.mark.parametrize("status, payload", [
    (200, {"message": "a captive portal's page"}),  # 200 without the documented body
    (302, {}),  # a redirect is never followed
    (429, {"message": "API rate limit exceeded"}),
    (500, b"<html>oops</html>"),
])
def test_anything_but_the_documented_answer_is_unknown(connect_to: Callable[[StandIn], list[str]], status: int,
                                                       payload: Any) -> None:
    with StandIn(lambda *_: (status, payload)) as stand_in:
        connect_to(stand_in)
        result = verify.LiveVerifier().verify("github-pat", github_token(random.Random(status)).encode())
    assert result is not None and result.verdict == "unknown" and result.http_status == status
    assert len(stand_in.requests) == 1


def test_no_answer_is_unknown_and_says_only_the_failure_type(monkeypatch: pytest.MonkeyPatch) -> None:
    token = github_token(random.Random(9))

    def refuse(host: str, timeout: float) -> Any:
        raise ConnectionRefusedError(f"cannot reach {host} with {token}")

    monkeypatch.setattr(verify, "connect", refuse)
    result = verify.LiveVerifier().verify("github-pat", token.encode())
    assert result is not None and result.verdict == "unknown" and result.http_status is None
    assert result.note == "no answer (ConnectionRefusedError)" and token not in json.dumps(result.metadata())


def test_rules_without_a_documented_endpoint_are_not_verified_and_the_budget_holds(
        connect_to: Callable[[StandIn], list[str]]) -> None:
    with StandIn(github_api(set())) as stand_in:
        connect_to(stand_in)
        verifier = verify.LiveVerifier(budget=2)
        assert verifier.verify("aws-access-key-id", b"AKIAABCDEFGHIJKLMNOP") is None
        rng = random.Random(4)
        results = [verifier.verify("github-pat", github_token(rng).encode()) for _ in range(3)]
    assert len(stand_in.requests) == 2
    assert results[2] is not None and results[2].note == "verification budget used up"
    # Every verified rule's endpoint is HTTPS on the provider's own API host, and a read.
    for endpoint in verify.ENDPOINTS.values():
        assert endpoint.url.startswith("https://") and endpoint.method in ("GET", "POST")
        assert endpoint.docs.startswith("https://")


def _run(root: Path, tmp_path: Path, *, network: bool, **options: Any) -> Any:
    ctx = CheckContext(root=root, options=options, network=network, work_dir=tmp_path / "work",
                       repo=Repository(root, untracked="all"), redactor=Redactor({}))
    check = SecretsCheck()
    ctx.prepared = check.prepare(ctx)
    check.inputs(ctx)
    return coerce_result("secrets", check.run(ctx))


def test_the_check_verifies_only_with_online_and_verify(connect_to: Callable[[StandIn], list[str]],
                                                        tmp_path: Path) -> None:
    rng = random.Random(12)
    live, dead = github_token(rng), github_token(rng)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "deploy.py").write_text(f'GITHUB_TOKEN = "{live}"\nOLD_TOKEN = "{dead}"\n')
    with StandIn(github_api({live})) as stand_in:
        connect_to(stand_in)
        offline = _run(root, tmp_path, network=False, verify=True)
        assert stand_in.requests == []  # no --online: nothing leaves the machine
        assert "needs `gatecheck run --online`" in offline.summary["verification"]["note"]
        not_asked = _run(root, tmp_path, network=True)
        assert stand_in.requests == [] and "verification" not in not_asked.summary
        online = _run(root, tmp_path, network=True, verify=True)
    verdicts = sorted(f.metadata["verified"] for f in online.findings)
    assert verdicts == ["live", "unknown"]
    assert online.summary["verification"] == {"requests": 2, "over_budget": 0, "live": 1, "unknown": 1}
    dumped = json.dumps(online.to_dict())
    assert live not in dumped and dead not in dumped
    # The policy still sees every finding: verification adds evidence, it never drops a secret.
    assert {f.rule_id for f in online.findings} == {"github-pat"} and len(online.findings) == 2
