"""The ``opa`` engine: an OPA server, driven over its REST API through opa-python-client.

The bundle's modules are pushed with ``PUT /v1/policies/{id}`` (ids ``gatecheck/<file>``,
stale ones from an older bundle deleted), its data with ``PUT /v1/data/{path}``, and the
decision read with ``POST /v1/data/{path}`` and ``{"input": ...}``. A response without a
``result`` key is OPA's "undefined". With no URL configured and an ``opa`` binary on
PATH, a private ``opa run --server`` is started on loopback for the life of the process.
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
import shutil
import socket
import subprocess
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import requests

from gatecheck.errors import BadInput
from gatecheck.policy.engines import UNDEFINED, EngineError, EngineSettings, EngineTimeout, QueryResult, data_path
from gatecheck.policy.policy_bundle import Bundle

POLICY_PREFIX = "gatecheck/"


@functools.cache
def _client_version() -> str:
    return importlib.metadata.version("opa-python-client")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalOpa:
    """An ``opa run --server`` on loopback, stopped when the process exits."""

    def __init__(self, binary: str, timeout: float) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "run", "--server", "--addr", f"127.0.0.1:{self.port}", "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        atexit.register(self.stop)
        client = _opa_client_class()(host="127.0.0.1", port=self.port, retries=0, timeout=1.0)
        try:
            client.wait_for_ready(timeout=max(timeout, 5.0), interval=0.05)
        except Exception as exc:
            self.stop()
            raise EngineError(f"the local OPA server did not start: {exc}") from exc
        finally:
            client.close_connection()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class OpaEngine:
    """Evaluates on an OPA server (``[policy] opa_url``), pushing the bundle once per digest."""

    name = "opa"

    def __init__(self, settings: EngineSettings, url: str) -> None:
        self.settings = settings
        self.url = url.rstrip("/")
        parsed = urlparse(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise BadInput(f"OPA URL {url!r} is not an http(s) URL", key="policy.opa_url")
        https = parsed.scheme == "https"
        self.client = _opa_client_class()(
            host=parsed.hostname,
            port=parsed.port or (443 if https else 80),
            ssl=https,
            cert=settings.opa_client_cert,
            token=settings.opa_token,
            retries=0,  # a retry would double the time a fail-closed answer takes
            timeout=settings.timeout,
        )
        if https:
            # The client's ``ssl`` flag only switches verification on; a CA bundle path
            # (or False for a test server) is set on its session directly.
            self.client._session.verify = settings.opa_tls_verify
        self._pushed: str | None = None
        self._server_version: str | None = None

    def version(self) -> str:
        return f"OPA at {self.url} (opa-python-client {_client_version()})"

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except requests.Timeout as exc:
            raise EngineTimeout(f"OPA {what}: no answer within {self.settings.timeout:g}s") from exc
        except requests.HTTPError as exc:
            raise EngineError(f"OPA {what}: {_error_body(exc.response)}") from exc
        except requests.RequestException as exc:
            raise EngineError(f"OPA {what}: {exc}") from exc

    def push(self, bundle: Bundle) -> None:
        """Make the server hold exactly this bundle's modules and data."""
        if self._pushed == bundle.cache_key()[0] + "|" + ",".join(sorted(bundle.modules)):
            return
        wanted = {POLICY_PREFIX + name: (name, text) for name, text in bundle.modules.items()}
        existing = self._call("listing policies", self.client.get_policies_list)
        for policy_id in existing:
            if policy_id.startswith(POLICY_PREFIX) and policy_id not in wanted:
                self._call("deleting a stale policy", self.client.delete_policy, policy_id)
        for policy_id, (name, text) in sorted(wanted.items()):
            try:
                self._call("loading a policy", self.client.update_policy_from_string, text, policy_id, rego_compat=False)
            except EngineError:
                raise
            except Exception as exc:  # opa_client's RegoParseError: the policy does not compile
                errors = getattr(exc, "errors", None) or []
                first = errors[0] if errors else {}
                line = (first.get("location") or {}).get("row")
                detail = first.get("message") or getattr(exc, "message", None) or str(exc)
                raise BadInput(f"invalid Rego (rejected by OPA): {detail}", path=bundle.display_path(name), line=line) from exc
        for path, value in _data_documents(bundle.data):
            try:
                self._call("loading data", self.client.update_or_create_data, value, path)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"OPA refused data at {path}: {getattr(exc, 'message', exc)}") from exc
        self._pushed = bundle.cache_key()[0] + "|" + ",".join(sorted(bundle.modules))

    def evaluate(self, bundle: Bundle, query: str, input: Mapping[str, Any] | None) -> QueryResult:
        parts = data_path(query)
        self.push(bundle)
        body = self._call(
            "query", self.client.query_rule, dict(input) if input is not None else None, ".".join(parts[:-1]), parts[-1],
        )
        if not isinstance(body, dict):
            raise EngineError(f"OPA query: unexpected response {body!r}")
        if "result" not in body:
            return UNDEFINED
        return QueryResult(True, body["result"])

    def close(self) -> None:
        self.client.close_connection()


def _error_body(response: requests.Response | None) -> str:
    if response is None:
        return "no response"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    code = body.get("code", "") if isinstance(body, dict) else ""
    message = body.get("message", "") if isinstance(body, dict) else ""
    return f"HTTP {response.status_code} {code}: {message}".strip()


def _data_documents(data: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Data split into documents two levels down, so that a document never sits on a path
    that a package's rules also define (``data.gatecheck.config`` next to ``data.gatecheck.decision``)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for top, value in sorted(data.items()):
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            out.extend((f"{top}/{key}", sub) for key, sub in sorted(value.items()))
        elif isinstance(value, dict):
            out.append((top, value))
        else:
            raise EngineError(f"top-level policy data {top!r} must be an object to be pushed to OPA")
    return out


class OpaProvider:
    """Registers :class:`OpaEngine` as ``opa``."""

    name = "opa"
    description = "an OPA server over its REST API (opa-python-client); starts a local one if `opa` is on PATH"

    _local: LocalOpa | None = None

    def create(self, settings: EngineSettings) -> OpaEngine:
        url = settings.opa_url
        if not url:
            binary = shutil.which("opa")
            if binary is None:
                raise EngineError("the opa engine needs [policy] opa_url, or an `opa` binary on PATH to start one")
            if OpaProvider._local is None or OpaProvider._local.process.poll() is not None:
                OpaProvider._local = LocalOpa(binary, settings.timeout)
            url = OpaProvider._local.url
        return OpaEngine(settings, url)




def _opa_client_class() -> Any:
    """opa-python-client's ``OpaClient``, imported on first use: the package also imports its
    aiohttp-based async client, which costs every gatecheck command a third of a second at
    start-up even when no OPA server is involved."""
    from opa_client import OpaClient  # type: ignore[import-untyped]

    return OpaClient
