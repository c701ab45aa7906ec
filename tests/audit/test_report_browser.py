"""The HTML audit report opened in headless Chromium (Debian's `chromium`, installed by .ci/chromium.sh).

Playwright drives the browser over the DevTools protocol; it downloads nothing (the
executable is Debian's). The test takes a screenshot, checks the chart is drawn in the
report's colours, and fails on any console error or page error.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key

from gatecheck.attest.verify import VerifyOptions
from gatecheck.audit.facts import gather
from gatecheck.audit.render import FAIL_COLOUR, PASS_COLOUR, render
from gatecheck.store import Store

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chromium is not installed under CI: .ci/test.sh must run .ci/chromium.sh")
        pytest.skip("chromium is not installed (run `bash .ci/chromium.sh`); CI never skips this")
    return path


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_html_report_renders_its_chart_without_console_errors(tmp_path: Path) -> None:
    executable = chromium()
    from PIL import Image
    from playwright.sync_api import sync_playwright

    ci = new_key()
    now = datetime.now(UTC)
    with Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}") as store:
        for day in range(14):
            for n in range(1 + day % 4):
                store.push(entries(make_bundle(ci, digest_of(f"{day}-{n}"), when=now - timedelta(days=day, hours=1),
                                               passed=(day + n) % 3 != 0)), VerifyOptions(keys=[ci.public]))
        html = render(gather(store, now - timedelta(days=14), now=now), "html")
    report = tmp_path / "audit.html"
    report.write_text(html, encoding="utf-8")

    problems: list[str] = []
    shot = tmp_path / "report.png"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=executable, headless=True, args=FLAGS,
            viewport={"width": 1100, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                    if msg.type in ("error", "warning") else None)
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
            page.goto(report.as_uri(), wait_until="load")
            chart = page.locator("#verdict-chart")
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 600 and box["height"] > 200
            assert page.locator("#verdict-chart rect.bar-passed").count() > 0
            assert page.locator("#verdict-chart rect.bar-failed").count() > 0
            assert page.title().startswith("gatecheck audit report")
            chart.screenshot(path=str(shot))
            page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        finally:
            context.close()
    assert problems == []

    with Image.open(shot) as image:
        colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert _rgb(PASS_COLOUR) in colours and _rgb(FAIL_COLOUR) in colours
