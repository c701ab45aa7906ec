"""docs/promotion.md runs: every console command, in order, with the exit code it states.

The page's own harness (registered in tests/core/test_docs.py): its commands need a real
Prometheus server, so the page's ```toml block (the operator's deploy configuration) is written to
promotion-demo/deploy.toml with the page's Prometheus URL replaced by the test server's. Commands
run in-process in a scratch directory holding a copy of examples/, as in
tests/store/test_docs_examples.py.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from doc_commands import console_commands

REPO = Path(__file__).resolve().parents[2]
PAGE = "docs/promotion.md"
DOCUMENTED_URL = "http://prometheus.internal:9090"


def commands(text: str) -> list[tuple[str, int]]:
    return console_commands(text)


@pytest.mark.slow
def test_promotion_page_runs(tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
                             prometheus_url: str) -> None:
    text = (REPO / PAGE).read_text()
    [config] = [b for b in re.findall(r"```toml\n(.*?)```", text, re.S) if "prometheus_url" in b]
    assert DOCUMENTED_URL in config
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".gatecheck"))
    (tmp_path / "promotion-demo").mkdir()
    (tmp_path / "promotion-demo" / "deploy.toml").write_text(config.replace(DOCUMENTED_URL, prometheus_url))
    steps = commands(text)
    assert len(steps) >= 10
    for command, expected in steps:
        argv = shlex.split(command)
        assert argv[0] == "gatecheck"
        result = cli(*argv[1:])
        assert result.exit_code == expected, f"{PAGE}: `{command}` exited {result.exit_code}\n{result.stdout}\n{result.stderr}"
    html = (tmp_path / "promotion-demo" / "audit.html").read_text()
    assert "canary ran clean for an hour" in html and "rollback plan reviewed" in html and "CHG-1042" in html
    assert "checkout-availability" in html  # an SLO decision row
    deploy = (tmp_path / "promotion-demo" / "deploy.prom").read_text()
    assert 'gatecheck_slo_burn_rate{slo="checkout-availability",stage="deploy",window="5m"}' in deploy
    assert 'gatecheck_decision_allowed{stage="deploy"} 1.0' in deploy
    assert 'gatecheck_decision_allowed{stage="ci"} 1.0' in (tmp_path / "promotion-demo" / "ci.prom").read_text()
