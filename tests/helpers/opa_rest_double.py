"""OpaRestDouble: a TEST DOUBLE of an OPA server, for tests only (no OPA binary can be installed here).

It speaks the part of OPA's REST API that gatecheck's ``opa`` engine uses, with OPA's
wire shapes, and evaluates with the embedded engine:

* ``GET /health`` -> 200 ``{}``
* ``GET /v1/policies`` -> ``{"result": [{"id", "raw"}...]}``
* ``PUT /v1/policies/{id}`` (text/plain Rego) -> 200 ``{}``; a module that does not
  compile -> 400 ``{"code": "invalid_parameter", "message": ..., "errors": [{"code":
  "rego_parse_error", "message", "location": {"file", "row", "col"}}]}``
* ``DELETE /v1/policies/{id}`` -> 200 ``{}``; unknown id -> 404 ``{"code": "resource_not_found", ...}``
* ``PUT /v1/data/{path}`` (JSON) -> 204 no body
* ``POST /v1/data/{path}`` with ``{"input": ...}`` -> 200 ``{"result": value}``, or 200
  ``{}`` when undefined (no ``result`` key); an evaluation error -> 500
  ``{"code": "internal_error", "message": ...}``
* a bearer token, when set, is required: 401 ``{"code": "unauthorized", "message": ...}``
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from gatecheck.errors import BadInput
from gatecheck.policy.embedded import EmbeddedEngine
from gatecheck.policy.engines import EngineError, EngineSettings
from gatecheck.policy.policy_bundle import Bundle


class OpaRestDouble:
    """A loopback HTTP server with OPA's REST API; start with ``with OpaRestDouble() as opa:``."""

    def __init__(self, token: str | None = None, port: int = 0) -> None:
        self.token = token
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_next_query: str | None = None
        self.engine = EmbeddedEngine(EngineSettings(timeout=60))
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any | None) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorized(self) -> bool:
                if double.token and self.headers.get("Authorization") != f"Bearer {double.token}":
                    self._send(401, {"code": "unauthorized", "message": "missing or invalid bearer token"})
                    return False
                return True

            def do_GET(self) -> None:
                double.requests.append(("GET", self.path))
                if self.path.startswith("/health"):
                    return self._send(200, {})
                if not self._authorized():
                    return None
                if self.path.rstrip("/") == "/v1/policies":
                    return self._send(200, {"result": [{"id": k, "raw": v} for k, v in sorted(double.policies.items())]})
                return self._send(404, {"code": "resource_not_found", "message": f"{self.path} not found"})

            def do_PUT(self) -> None:
                double.requests.append(("PUT", self.path))
                if not self._authorized():
                    return None
                body = self._body()
                if self.path.startswith("/v1/policies/"):
                    policy_id = self.path[len("/v1/policies/"):]
                    text = body.decode()
                    error = double.compile_error(policy_id, text)
                    if error:
                        return self._send(400, {"code": "invalid_parameter",
                                                "message": "error(s) occurred while compiling module(s)", "errors": [error]})
                    double.policies[policy_id] = text
                    return self._send(200, {})
                if self.path.startswith("/v1/data/"):
                    parts = [p for p in self.path[len("/v1/data/"):].split("/") if p]
                    node = double.data
                    for p in parts[:-1]:
                        node = node.setdefault(p, {})
                    node[parts[-1]] = json.loads(body)
                    return self._send(204, None)
                return self._send(404, {"code": "resource_not_found", "message": f"{self.path} not found"})

            def do_DELETE(self) -> None:
                double.requests.append(("DELETE", self.path))
                if not self._authorized():
                    return None
                policy_id = self.path[len("/v1/policies/"):]
                if policy_id not in double.policies:
                    message = f"storage_not_found_error: policy id {policy_id!r}"
                    return self._send(404, {"code": "resource_not_found", "message": message})
                del double.policies[policy_id]
                return self._send(200, {})

            def do_POST(self) -> None:
                double.requests.append(("POST", self.path))
                if not self._authorized():
                    return None
                if not self.path.startswith("/v1/data/"):
                    return self._send(404, {"code": "resource_not_found", "message": f"{self.path} not found"})
                if double.fail_next_query:
                    message, double.fail_next_query = double.fail_next_query, None
                    return self._send(500, {"code": "internal_error", "message": message})
                request = json.loads(self._body() or b"{}")
                query = "data." + ".".join(p for p in self.path.split("?")[0][len("/v1/data/"):].split("/") if p)
                bundle = double.bundle()
                try:
                    result = double.engine.evaluate(bundle, query, request.get("input"))
                except (EngineError, BadInput) as exc:
                    return self._send(500, {"code": "internal_error", "message": str(exc)})
                return self._send(200, {"result": result.value} if result.defined else {})

        # One thread serves every request: the embedded engine's objects must stay on one thread.
        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def compile_error(self, policy_id: str, text: str) -> dict[str, Any] | None:
        trial = Bundle(f"opa-double:{policy_id}", {policy_id: text}, files=(("x", str(hash(text))),), digest=f"t{hash(text)}")
        try:
            self.engine._engine_for(trial)
        except BadInput as exc:
            m = re.match(r"invalid Rego: (.*)", exc.message)
            return {"code": "rego_parse_error", "message": m.group(1) if m else exc.message,
                    "location": {"file": policy_id, "row": exc.line or 1, "col": 1}}
        return None

    def bundle(self) -> Bundle:
        key = json.dumps([sorted(self.policies.items()), self.data], sort_keys=True)
        return Bundle("opa-double", dict(self.policies), data=json.loads(json.dumps(self.data)),
                      files=(("state", str(hash(key))),), digest=f"state-{hash(key)}")

    def __enter__(self) -> OpaRestDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main(argv: list[str]) -> None:
    """Serve like ``opa run --server --addr HOST:PORT``: used as a test double of the opa binary."""
    addr = argv[argv.index("--addr") + 1] if "--addr" in argv else "127.0.0.1:8181"
    double = OpaRestDouble(port=int(addr.rsplit(":", 1)[1]))
    double.server.serve_forever()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
