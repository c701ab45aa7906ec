"""TEST DOUBLE of osv.dev's query API (``POST /v1/query``), served on loopback from local OSV data.

osv.dev cannot be reached from tests or benchmarks, so this implements the real wire
protocol over the same records the offline database holds: a JSON body
``{"package": {"name", "ecosystem"}, "version"}`` answered with ``{"vulns": [...]}`` (or
``{}`` when nothing matches), per the OSV API documentation. Matching here is written
independently of the plugin (it is the reference the tests compare against), following
the OSV schema's evaluation rules. It also serves any file under ``static`` by path (for
``gatecheck db update``) and can be told to fail (``fail_status``) or to count requests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


def load_records(directory: Path) -> list[dict[str, Any]]:
    """Every OSV record (a JSON object with an ``id``) under ``directory``."""
    records = []
    for path in sorted(directory.rglob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, dict) and "id" in data and "affected" in data:
            records.append(data)
    return records


def _v(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def reference_affected(record: dict[str, Any], name: str, version: str) -> bool:
    """The OSV schema's evaluation, written out plainly for the tests (no shared code with the plugin)."""
    if record.get("withdrawn"):
        return False
    wanted = canonicalize_name(name)
    target = Version(version)
    for affected in record.get("affected", []):
        pkg = affected.get("package", {})
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != wanted:
            continue
        for listed in affected.get("versions", []):
            parsed = _v(listed)
            if parsed is not None and parsed == target:
                return True
        for rng in affected.get("ranges", []):
            if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            # Walk events in version order; the state after the last event <= target decides.
            events = []
            for event in rng.get("events", []):
                ((kind, value),) = event.items()
                at = Version("0") if value == "0" else _v(value)
                if at is not None and not (kind == "limit" and value == "*"):
                    events.append((at, kind != "introduced", kind))
            inside = False
            for at, _, kind in sorted(events):
                if kind == "introduced" and target >= at:
                    inside = True
                elif (kind in ("fixed", "limit") and target >= at) or (kind == "last_affected" and target > at):
                    inside = False
            if inside:
                return True
    return False


class OsvApiDouble:
    """A loopback HTTP server speaking OSV's ``/v1/query`` over ``records``."""

    def __init__(self, records: list[dict[str, Any]], static: dict[str, bytes] | None = None) -> None:
        self.records = records
        # Indexed by package name so the double answers fast (the benchmark times pip-audit
        # through it and must not charge pip-audit for a slow server).
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            names = {canonicalize_name(a["package"]["name"]) for a in record.get("affected", [])
                     if a.get("package", {}).get("ecosystem") == "PyPI"}
            for name in names:
                self.by_name.setdefault(name, []).append(record)
        self.static = dict(static or {})
        self.fail_status: int | None = None
        self.requests: list[dict[str, Any]] = []
        self.etag: str | None = None
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json",
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                double.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                if double.fail_status:
                    self._send(double.fail_status, b"{}")
                    return
                body = double.static.get(self.path)
                if body is None:
                    self._send(404, b'{"message": "not found"}')
                    return
                headers = {"ETag": double.etag} if double.etag else {}
                if double.etag and self.headers.get("If-None-Match") == double.etag:
                    self.send_response(304)
                    self.send_header("ETag", double.etag)
                    self.end_headers()
                    return
                self._send(200, body, "application/zip", headers)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                query = json.loads(self.rfile.read(length) or b"{}")
                double.requests.append({"method": "POST", "path": self.path, "query": query})
                if double.fail_status:
                    self._send(double.fail_status, b'{"code": 5, "message": "failure injected"}')
                    return
                if self.path != "/v1/query":
                    self._send(404, b'{"code": 5, "message": "Not Found"}')
                    return
                name = query["package"]["name"]
                version = query["version"]
                candidates = double.by_name.get(canonicalize_name(name), [])
                vulns = [r for r in candidates if reference_affected(r, name, version)]
                self._send(200, json.dumps({"vulns": vulns} if vulns else {}).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(records: list[dict[str, Any]], static: dict[str, bytes] | None = None) -> Iterator[OsvApiDouble]:
    double = OsvApiDouble(records, static)
    double.start()
    try:
        yield double
    finally:
        double.stop()


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
