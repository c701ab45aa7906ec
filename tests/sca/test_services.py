"""Online services (pip-audit's OSV and PyPI services): only with --online, and failure is an error.

osv.dev and PyPI cannot be reached here. Unreachable services are a closed loopback port;
a working OSV service is the loopback TEST DOUBLE in ``osv_api_double`` (the real
``/v1/query`` wire protocol over tests/data/osv-pypi).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from osv_api_double import closed_port, reference_affected, serving
from sca_helpers import advisory_pairs

PINS = [("urllib3", "1.26.4"), ("pyyaml", "5.3"), ("click", "8.1.3")]


def _requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text("".join(f"{n}=={v}\n" for n, v in PINS))


def test_online_service_without_network_access_is_an_error(tmp_path, run_sca) -> None:
    _requirements(tmp_path)
    for service in ("osv", "pypi"):
        result = run_sca(tmp_path, service=service, network=False)
        assert result.status == "error"
        assert "needs network access" in result.error and "--online" in result.error


def test_unreachable_osv_service_is_an_error(tmp_path, run_sca) -> None:
    _requirements(tmp_path)
    url = f"http://127.0.0.1:{closed_port()}/v1/query"
    result = run_sca(tmp_path, service="osv", network=True, osv_url=url, request_timeout=5)
    assert result.status == "error"
    assert "unreachable" in result.error and url in result.error
    assert result.findings == []


def test_unreachable_pypi_service_is_an_error(tmp_path, run_sca) -> None:
    _requirements(tmp_path)
    url = f"http://127.0.0.1:{closed_port()}/pypi/"
    result = run_sca(tmp_path, service="pypi", network=True, pypi_url=url, request_timeout=5)
    assert result.status == "error"
    assert "unreachable" in result.error and "PyPI" in result.error


def test_osv_service_answering_404_or_500_is_an_error(tmp_path, run_sca, osv_records) -> None:
    _requirements(tmp_path)
    with serving(osv_records) as double:
        wrong_path = run_sca(tmp_path, service="osv", network=True, osv_url=double.url + "/v1/nope")
        double.fail_status = 500
        failing = run_sca(tmp_path, service="osv", network=True, osv_url=double.url + "/v1/query")
    assert wrong_path.status == "error" and "HTTP 404" in wrong_path.error
    assert failing.status == "error" and "HTTP 500" in failing.error


class _PyPI404(BaseHTTPRequestHandler):
    """TEST DOUBLE of PyPI's JSON API that knows no release (``/pypi/NAME/VERSION/json`` -> 404)."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"message": "Not Found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_pypi_404_is_an_error_not_a_skipped_dependency(tmp_path, run_sca) -> None:
    _requirements(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PyPI404)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/pypi/"
        result = run_sca(tmp_path, service="pypi", network=True, pypi_url=url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == "error"
    assert "404" in result.error and "could not be audited" in result.error


def test_osv_service_results_match_the_data_and_carry_severities(tmp_path, run_sca, osv_records) -> None:
    _requirements(tmp_path)
    with serving(osv_records) as double:
        online = run_sca(tmp_path, service="osv", network=True, osv_url=double.url + "/v1/query")
        queried = sorted(r["query"]["package"]["name"] for r in double.requests)
    offline = run_sca(tmp_path)
    assert online.status == "ok", online.error
    assert queried == sorted(n for n, _ in PINS)
    expected = {(n, r["id"]) for n, v in PINS for r in osv_records if reference_affected(r, n, v)}
    assert expected and advisory_pairs(online) == expected == advisory_pairs(offline)
    by_id = {f.rule_id: (f.severity, f.fix.versions, f.id) for f in online.findings if f.metadata["kind"] == "advisory"}
    assert by_id == {f.rule_id: (f.severity, f.fix.versions, f.id) for f in offline.findings
                     if f.metadata["kind"] == "advisory"}
    assert all(f.metadata["source"] == "osv" for f in online.findings if f.metadata["kind"] == "advisory")
    assert "database" not in online.summary  # no offline database was used


def test_gate_run_online_through_the_cli(tmp_path, cli, osv_records) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _requirements(project)
    operator = tmp_path / "operator"  # the service URL is the operator's to choose: a config outside the tree
    operator.mkdir()
    with serving(osv_records) as double:
        table = f'version = 1\n[checks.sca]\nservice = "osv"\nosv_url = "{double.url}/v1/query"\n'
        (operator / "gatecheck.toml").write_text(table)
        config = ("-c", str(operator / "gatecheck.toml"))
        offline = cli("run", str(project), *config, "--check", "sca", "-f", f"json:{tmp_path}/offline.json")
        online = cli("run", str(project), *config, "--check", "sca", "--online", "-f", f"json:{tmp_path}/online.json")
        # The same table committed in the project is refused before anything connects.
        (project / "gatecheck.toml").write_text(table)
        asked = len(double.requests)
        assert asked > 0  # the operator's run did query the service
        repository = cli("run", str(project), "--check", "sca", "--online")
        assert len(double.requests) == asked
    [without] = json.loads((tmp_path / "offline.json").read_text())["results"]
    [with_network] = json.loads((tmp_path / "online.json").read_text())["results"]
    assert offline.exit_code == 1 and without["status"] == "error" and "--online" in without["error"]
    assert online.exit_code == 1 and with_network["status"] == "ok"  # denied by its findings
    assert with_network["summary"]["advisories"] > 0
    assert repository.exit_code == 2
    assert "gatecheck.toml:4: checks.sca.osv_url" in repository.stderr and "only be set by the operator" in repository.stderr


def test_offline_service_opens_no_socket(tmp_path, run_sca, monkeypatch) -> None:
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the offline check tried to open a network connection")

    _requirements(tmp_path)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert advisory_pairs(result)
