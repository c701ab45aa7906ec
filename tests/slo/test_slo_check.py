"""The slo check against a real Prometheus server holding generated series (tests/slo/series.py).

Every run is a real gate run (the embedded Rego engine, the default policy) with the SLOs in an
operator configuration outside the project, as a deploy step would have them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE
from gatecheck.attest.dsse import b64decode
from gatecheck.attest.keys import generate

pytestmark = pytest.mark.slow


def decide(gate: Any, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    result = gate.run("--check", "slo", "-q", "-f", f"json:{out}", *args)
    return result.exit_code, json.loads(out.read_text())


def rules(report: dict[str, Any], kind: str) -> set[str]:
    return {e["rule"] for e in report["decision"][kind]}


def slo_result(report: dict[str, Any]) -> dict[str, Any]:
    [result] = [r for r in report["results"] if r["check"] == "slo"]
    return result


def test_healthy_service_passes_at_deploy(gate: Any, tmp_path: Path, prometheus_url: str,
                                          slo_of: Callable[..., dict[str, Any]]) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("healthy")]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 0, report["decision"]
    result = slo_result(report)
    assert result["status"] == "ok"
    [slo] = result["summary"]["slos"]
    assert slo["fast_burn"] is False and slo["slow_burn"] is False
    # 0.01% errors against a 0.1% budget: a tenth of the sustainable rate, 90% of the budget left.
    assert slo["windows"]["5m"]["burn_rate"] == pytest.approx(0.1, rel=0.05)
    assert slo["budget"]["remaining"] == pytest.approx(0.9, abs=0.02)
    assert not {r for r in rules(report, "warn") if r.startswith("gatecheck.slo")}


def test_fast_burn_denies_at_deploy_and_warns_at_ci(gate: Any, tmp_path: Path, prometheus_url: str,
                                                    slo_of: Callable[..., dict[str, Any]]) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("fastburn", name="checkout")]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1
    [entry] = [e for e in report["decision"]["deny"] if e["rule"] == "gatecheck.slo_fast_burn"]
    assert entry["message"].startswith("SLO checkout: fast burn:") and "over 1h" in entry["message"]
    [slo] = slo_result(report)["summary"]["slos"]
    fast = next(a for a in slo["alerts"] if a["kind"] == "fast")
    assert fast["firing"] and fast["long_burn_rate"] > 14.4 and fast["short_burn_rate"] == pytest.approx(30, rel=0.05)
    assert slo["slow_burn"] is False  # the 6 h window burns under 6x: the burn began 50 minutes ago

    code, report = decide(gate, tmp_path, "--stage", "ci")
    assert code == 0
    assert "gatecheck.slo_fast_burn" in rules(report, "warn") and not rules(report, "deny")


def test_slow_burn_warns(gate: Any, tmp_path: Path, prometheus_url: str, slo_of: Callable[..., dict[str, Any]]) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("slowburn")]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 0
    assert "gatecheck.slo_slow_burn" in rules(report, "warn")
    [slo] = slo_result(report)["summary"]["slos"]
    assert slo["slow_burn"] is True and slo["fast_burn"] is False
    assert slo["windows"]["6h"]["burn_rate"] > 6 and slo["windows"]["1h"]["burn_rate"] < 14.4


def test_spent_budget_denies_at_deploy(gate: Any, tmp_path: Path, prometheus_url: str,
                                       slo_of: Callable[..., dict[str, Any]]) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("exhausted")]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1
    assert rules(report, "deny") == {"gatecheck.slo_budget_low"}
    [slo] = slo_result(report)["summary"]["slos"]
    assert slo["budget"]["remaining"] == pytest.approx(0.1, abs=0.02)
    assert slo["fast_burn"] is False and slo["slow_burn"] is False

    # The floor is the operator's: per SLO, or in the policy data.
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("exhausted", budget_floor=0.05)]})
    assert decide(gate, tmp_path, "--stage", "deploy")[0] == 0
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("exhausted")]},
                   policy_data={"slo": {"budget_floor": 0.05}})
    assert decide(gate, tmp_path, "--stage", "deploy")[0] == 0


@pytest.mark.parametrize(("service", "expected"), [
    ("ghost", "no data: the query selects no series"),
    ("idle", "no data: no events in the window"),
])
def test_no_data_is_a_check_error(gate: Any, tmp_path: Path, prometheus_url: str, slo_of: Callable[..., dict[str, Any]],
                                  service: str, expected: str) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of(service)]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1
    result = slo_result(report)
    assert result["status"] == "error" and expected in result["error"]
    assert "gatecheck.check_failed" in rules(report, "deny")
    # At ci too: an SLO nobody can see is never a pass.
    assert decide(gate, tmp_path, "--stage", "ci")[0] == 1


def test_server_down_is_a_check_error(gate: Any, tmp_path: Path, closed_port_url: str,
                                      slo_of: Callable[..., dict[str, Any]]) -> None:
    gate.configure(slo={"prometheus_url": closed_port_url, "slos": [slo_of("healthy"), slo_of("checkout")]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1
    result = slo_result(report)
    assert result["status"] == "error" and "cannot reach Prometheus" in result["error"]
    assert "gatecheck.check_failed" in rules(report, "deny")


def test_query_error_is_a_check_error(gate: Any, tmp_path: Path, prometheus_url: str) -> None:
    broken = {"name": "broken", "objective": 0.99, "bad": "sum(rate(x[{{window}}]", "total": "sum(rate(y[{{window}}]))"}
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [broken]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1
    result = slo_result(report)
    assert result["status"] == "error" and "Prometheus refused the query" in result["error"] and "bad_data" in result["error"]


def test_an_sli_that_is_not_one_number_is_an_error(gate: Any, tmp_path: Path, prometheus_url: str) -> None:
    unaggregated = {"name": "by-code", "objective": 0.999, "bad": 'rate(http_requests_total{service="healthy"}[{{window}}])',
                    "total": 'sum(rate(http_requests_total{service="healthy"}[{{window}}]))'}
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [unaggregated]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1 and "returned 2 series" in slo_result(report)["error"]


def test_recording_rule_sli(gate: Any, tmp_path: Path, prometheus_url: str) -> None:
    recorded = {"name": "recorded", "objective": 0.999,
                "error_ratio": 'slo:sli_error:ratio_rate{{window}}{service="recorded"}'}
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [recorded]})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 0
    [slo] = slo_result(report)["summary"]["slos"]
    assert slo["windows"]["30d"]["queries"] == {"error_ratio": 'slo:sli_error:ratio_rate30d{service="recorded"}'}
    assert slo["budget"]["remaining"] == pytest.approx(0.8)


def test_configured_burn_alerts(gate: Any, tmp_path: Path, prometheus_url: str,
                                slo_of: Callable[..., dict[str, Any]]) -> None:
    # A stricter fast alert (2x over 30m and 5m) fires on the slow burn.
    alerts = [{"name": "strict", "kind": "fast", "long_window": "30m", "short_window": "5m", "burn_rate": 2}]
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("slowburn")], "burn_alerts": alerts})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 1 and "gatecheck.slo_fast_burn" in rules(report, "deny")
    [slo] = slo_result(report)["summary"]["slos"]
    assert set(slo["windows"]) == {"30d", "30m", "5m"}


def test_attested_result_names_queries_values_and_time_range(gate: Any, tmp_path: Path, prometheus_url: str,
                                                             slo_of: Callable[..., dict[str, Any]]) -> None:
    key = generate("ed25519")
    (tmp_path / "gate.key").write_bytes(key.private_pem())
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("healthy")]})
    bundle = tmp_path / "deploy.intoto.jsonl"
    result = gate.run("--check", "slo", "-q", "--stage", "deploy", "--attest", str(bundle),
                      "--subject", "sha256:" + "ab" * 32, "--key", f"file:{tmp_path / 'gate.key'}")
    assert result.exit_code == 0, result.stderr
    statements = [json.loads(b64decode(json.loads(line)["payload"])) for line in bundle.read_text().splitlines()]
    [check] = [s["predicate"] for s in statements
               if s["predicateType"] == CHECK_RESULT_PREDICATE_TYPE and s["predicate"]["check"] == "slo"]
    [slo] = check["summary"]["slos"]
    window = slo["windows"]["1h"]
    assert window["queries"]["bad"] == 'sum(rate(http_requests_total{service="healthy",code=~"5.."}[1h]))'
    assert window["queries"]["total"] == 'sum(rate(http_requests_total{service="healthy"}[1h]))'
    assert window["values"]["total"] == pytest.approx(10, rel=0.01)  # 10 requests a second
    assert window["values"]["bad"] == pytest.approx(0.001, rel=0.05)
    assert window["end"] == check["summary"]["evaluated_at"] and window["start"] < window["end"]
    assert check["summary"]["prometheus"] == prometheus_url


def test_repository_configuration_cannot_name_the_server(gate: Any, tmp_path: Path, prometheus_url: str,
                                                         slo_of: Callable[..., dict[str, Any]], cli: Any) -> None:
    (gate.root / "gatecheck.toml").write_text(f'version = 1\n[checks.slo]\nprometheus_url = "{prometheus_url}"\n')
    result = cli("run", str(gate.root), "--check", "slo", "-q")
    assert result.exit_code == 2
    assert "checks.slo.prometheus_url can only be set by the operator" in result.stderr


def test_unconfigured_check_is_skipped_not_passed(gate: Any, tmp_path: Path) -> None:
    gate.configure()
    code, report = decide(gate, tmp_path, "--stage", "ci", "--check", "slo")
    result = slo_result(report)
    assert result["status"] == "skipped"
    assert code == 1 and "gatecheck.no_checks" in rules(report, "deny")  # the only check checked nothing


def test_a_url_without_slos_is_bad_input(gate: Any, tmp_path: Path, prometheus_url: str) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url})
    code, report = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 2 and "declares no SLO" in slo_result(report)["error"]


def test_results_are_never_served_from_the_cache(gate: Any, tmp_path: Path, prometheus_url: str,
                                                 slo_of: Callable[..., dict[str, Any]]) -> None:
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("healthy")]})
    code, first = decide(gate, tmp_path, "--stage", "deploy")
    assert code == 0
    _, again = decide(gate, tmp_path, "--stage", "deploy")
    assert slo_result(again)["cached"] is False
    assert slo_result(again)["summary"]["evaluated_at"] != slo_result(first)["summary"]["evaluated_at"]
