"""Optional live verification: ask a credential's provider whether it still works.

Only with ``gatecheck run --online`` and ``[checks.secrets] verify = true``; nothing here runs
otherwise. For the providers below, a finding gets ``metadata.verified``:

- ``live``: the provider's documented success answer to a read-only identity request (HTTP 200
  with the documented body: GitHub's user with a ``login``, Slack's ``"ok": true`` ...);
- ``revoked``: the provider's own documented answer that the credential was revoked or expired
  (Slack's ``token_revoked``, ``token_expired`` and ``account_inactive`` errors, Stripe's
  ``api_key_expired`` error code);
- ``unknown``: anything else. A 401 or 403 is not proof of anything (a GitHub Enterprise token is
  refused by github.com, a restricted Stripe key may not read the balance), nor is a redirect, a
  rate limit, a server error, a timeout or a body that is not the documented one.

Each request goes only to the provider's documented API host over HTTPS with certificate checks,
is a read (GET, or Slack's ``auth.test``), follows no redirect, reads at most 64 KiB of answer and
waits at most a few seconds; a run verifies at most :data:`MAX_VERIFICATIONS` distinct values.
The raw value is sent only in the request's authorization header and never logged, never put in
a message or an exception, and never stored: a finding records the verdict, the provider, the
endpoint and the HTTP status.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["live", "revoked", "unknown"]
#: Opens a connection to a provider's API host; tests replace it with a loopback stand-in.
Connector = Callable[[str, float], http.client.HTTPConnection]

MAX_VERIFICATIONS = 100
TIMEOUT = 5.0
MAX_BODY = 64 * 1024
USER_AGENT = "gatecheck-secrets-verify"


def https_connection(host: str, timeout: float) -> http.client.HTTPConnection:
    """A TLS connection to ``host`` with the system's trust store and hostname checking."""
    return http.client.HTTPSConnection(host, 443, timeout=timeout, context=ssl.create_default_context())


#: The connector every verification uses (module-level so tests can put a loopback stand-in in).
connect: Connector = https_connection


@dataclass(frozen=True)
class Endpoint:
    """A provider's documented read-only identity request and how to read its answer."""

    provider: str
    host: str
    method: str
    path: str
    #: The provider's documentation of this request.
    docs: str
    #: Headers (and a body) carrying the credential.
    request: Callable[[str], tuple[dict[str, str], bytes | None]]
    #: The verdict from the HTTP status and the JSON answer (None when it is not JSON).
    judge: Callable[[int, Any], Verdict]

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}"


def _bearer(token: str) -> tuple[dict[str, str], bytes | None]:
    return {"Authorization": f"Bearer {token}"}, None


def _ok_with(field: str) -> Callable[[int, Any], Verdict]:
    """Live on 200 with ``field`` in the JSON object, unknown otherwise."""

    def judge(status: int, body: Any) -> Verdict:
        return "live" if status == 200 and isinstance(body, dict) and field in body else "unknown"

    return judge


def _github(token: str) -> tuple[dict[str, str], bytes | None]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28"}, None


def _slack_judge(status: int, body: Any) -> Verdict:
    # Slack answers 200 to almost everything; the verdict is in "ok" and "error".
    if status != 200 or not isinstance(body, dict):
        return "unknown"
    if body.get("ok") is True and "user_id" in body:
        return "live"
    if body.get("ok") is False and body.get("error") in ("token_revoked", "token_expired", "account_inactive"):
        return "revoked"
    return "unknown"


def _stripe(token: str) -> tuple[dict[str, str], bytes | None]:
    return {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}, None


def _stripe_judge(status: int, body: Any) -> Verdict:
    if status == 200 and isinstance(body, dict) and body.get("object") == "balance":
        return "live"
    error = body.get("error") if isinstance(body, dict) else None
    if status == 401 and isinstance(error, dict) and error.get("code") == "api_key_expired":
        return "revoked"
    return "unknown"


def _gitlab(token: str) -> tuple[dict[str, str], bytes | None]:
    return {"PRIVATE-TOKEN": token}, None


def _gitlab_judge(status: int, body: Any) -> Verdict:
    ok = status == 200 and isinstance(body, dict) and body.get("active") is True and body.get("revoked") is False
    return "live" if ok else "unknown"


def _anthropic(token: str) -> tuple[dict[str, str], bytes | None]:
    return {"x-api-key": token, "anthropic-version": "2023-06-01"}, None


GITHUB_USER = Endpoint("GitHub", "api.github.com", "GET", "/user",
                       "https://docs.github.com/en/rest/users/users#get-the-authenticated-user", _github, _ok_with("login"))
GITHUB_INSTALLATION = Endpoint("GitHub", "api.github.com", "GET", "/installation/repositories",
                               "https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-app-installation",
                               _github, _ok_with("repositories"))
SLACK = Endpoint("Slack", "slack.com", "POST", "/api/auth.test", "https://api.slack.com/methods/auth.test",
                 lambda t: ({"Authorization": f"Bearer {t}", "Content-Type": "application/x-www-form-urlencoded"}, b""),
                 _slack_judge)
STRIPE = Endpoint("Stripe", "api.stripe.com", "GET", "/v1/balance", "https://docs.stripe.com/api/balance/balance_retrieve",
                  _stripe, _stripe_judge)
GITLAB = Endpoint("GitLab", "gitlab.com", "GET", "/api/v4/personal_access_tokens/self",
                  "https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token",
                  _gitlab, _gitlab_judge)
OPENAI = Endpoint("OpenAI", "api.openai.com", "GET", "/v1/models", "https://platform.openai.com/docs/api-reference/models/list",
                  _bearer, _ok_with("data"))
ANTHROPIC = Endpoint("Anthropic", "api.anthropic.com", "GET", "/v1/models", "https://docs.anthropic.com/en/api/models-list",
                     _anthropic, _ok_with("data"))
NPM = Endpoint("npm", "registry.npmjs.org", "GET", "/-/whoami", "https://docs.npmjs.com/cli/commands/npm-whoami",
               _bearer, _ok_with("username"))
SENDGRID = Endpoint("SendGrid", "api.sendgrid.com", "GET", "/v3/scopes",
                    "https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access",
                    _bearer, _ok_with("scopes"))
DIGITALOCEAN = Endpoint("DigitalOcean", "api.digitalocean.com", "GET", "/v2/account",
                        "https://docs.digitalocean.com/reference/api/digitalocean/#tag/Account", _bearer, _ok_with("account"))
HUGGINGFACE = Endpoint("Hugging Face", "huggingface.co", "GET", "/api/whoami-v2",
                       "https://huggingface.co/docs/hub/api#get-apiwhoami-v2", _bearer, _ok_with("name"))

#: Rule id -> the documented request that verifies its credentials.
ENDPOINTS: dict[str, Endpoint] = {
    "github-pat": GITHUB_USER, "github-oauth": GITHUB_USER, "github-user-to-server": GITHUB_USER,
    "github-fine-grained-pat": GITHUB_USER, "github-app-installation": GITHUB_INSTALLATION,
    "slack-bot-token": SLACK, "slack-user-token": SLACK,
    "stripe-secret-key": STRIPE, "stripe-restricted-key": STRIPE, "stripe-test-key": STRIPE,
    "gitlab-pat": GITLAB, "openai-api-key": OPENAI, "anthropic-api-key": ANTHROPIC, "npm-access-token": NPM,
    "sendgrid-api-key": SENDGRID, "digitalocean-pat": DIGITALOCEAN, "huggingface-token": HUGGINGFACE,
}


@dataclass(frozen=True)
class Verification:
    """The outcome of one verification (what a finding records; never the value)."""

    verdict: Verdict
    provider: str
    endpoint: str
    http_status: int | None
    #: Why the verdict is unknown when no answer came back (an exception's type, not its text).
    note: str | None = None

    def metadata(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"provider": self.provider, "endpoint": self.endpoint, "http_status": self.http_status}
        if self.note:
            detail["note"] = self.note
        return {"verified": self.verdict, "verification": detail}


class LiveVerifier:
    """Verifies credentials with their providers, each distinct value at most once per run."""

    def __init__(self, *, budget: int = MAX_VERIFICATIONS, timeout: float = TIMEOUT) -> None:
        self.budget = budget
        self.timeout = timeout
        self.requests = 0
        self.skipped = 0
        self._seen: dict[tuple[str, bytes], Verification] = {}

    @staticmethod
    def supports(rule_id: str) -> bool:
        return rule_id in ENDPOINTS

    def verify(self, rule_id: str, secret: bytes) -> Verification | None:
        """The verdict for ``secret`` found by ``rule_id``; None when no provider endpoint covers the rule."""
        endpoint = ENDPOINTS.get(rule_id)
        if endpoint is None:
            return None
        # Remember by digest, not by value: the value must not outlive the scan in yet another place.
        key = (endpoint.url, hashlib.sha256(secret).digest())
        if key in self._seen:
            return self._seen[key]
        if self.requests >= self.budget:
            self.skipped += 1
            return Verification("unknown", endpoint.provider, endpoint.url, None, "verification budget used up")
        self.requests += 1
        result = self._ask(endpoint, secret.decode("ascii", "replace"))
        self._seen[key] = result
        return result

    def _ask(self, endpoint: Endpoint, token: str) -> Verification:
        headers, body = endpoint.request(token)
        # The Host header names the documented host whatever the connection is (a test's loopback
        # stand-in sees exactly the request the provider would).
        headers = {**headers, "Host": endpoint.host, "User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        connection = None
        try:
            connection = connect(endpoint.host, self.timeout)
            connection.request(endpoint.method, endpoint.path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read(MAX_BODY + 1)
            status = response.status
        except Exception as exc:  # any failure to get an answer is "unknown"; only the type is kept
            return Verification("unknown", endpoint.provider, endpoint.url, None, f"no answer ({type(exc).__name__})")
        finally:
            if connection is not None:
                connection.close()
        parsed: Any = None
        if len(raw) <= MAX_BODY:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        return Verification(endpoint.judge(status, parsed), endpoint.provider, endpoint.url, status)
