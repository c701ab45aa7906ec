"""Fuzz suite, bounded run (issue 21): every core parser answers any input with success or the bad-input
error, never another exception, within a time bound. `bench/fuzz.py` runs the same properties for long."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fuzz_strategies import mutated, mutated_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatecheck import config, limits, timestamps, waivers
from gatecheck.attest import dsse, keys
from gatecheck.attest.verify import VerifyOptions, check_envelope
from gatecheck.errors import BadInput
from gatecheck.policy import policy_bundle as bundle_mod
from gatecheck.server.admission import MalformedReview, UnsupportedObject, parse_review

#: Examples per parser in the test suite; bench/fuzz.py raises it (GATECHECK_FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("GATECHECK_FUZZ_EXAMPLES", "120"))
SECONDS = 5.0  # the bound on one input
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize="GATECHECK_FUZZ_EXAMPLES" not in os.environ,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                          HealthCheck.data_too_large, HealthCheck.large_base_example])

CONFIG = """version = 1

[run]
jobs = 4
timeout = 300
exclude = [".venv/*"]
paths = ["app"]

[checks.sarif]
files = ["reports/*.sarif"]
timeout = 30

[policy]
timeout = 10
data = { severity = { threshold = "high" } }

[waivers]
max_days = 90

[stages.deploy]
fail_on = "critical"
checks = ["sarif"]

[locations]
test = ["tests/**"]
"""

WAIVERS_TOML = """[[waivers]]
id = "WVR-1"
reason = "only constant strings reach eval"
owner = "team-web"
ticket = "OPS-88"
expires = 2030-12-31
match = { rule = "ESLint/no-eval", path = "static/js/**" }

[[waivers]]
id = "WVR-2"
reason = "upgrade planned"
owner = "team-web"
expires = 2030-06-01T12:00:00Z
match = { package = "pkg:pypi/jinja2" }
"""

WAIVERS_YAML = """waivers:
  - id: WVR-1
    reason: only constant strings reach eval
    owner: team-web
    expires: 2030-12-31
    match: {rule: ESLint/no-eval, path: "static/js/**"}
  - id: WVR-2
    reason: &why upgrade planned
    owner: *why
    expires: "2030-06-01T12:00:00Z"
    match: {package: "pkg:pypi/jinja2"}
"""

POLICY_DATA = json.dumps({"gatecheck": {"config": {"severity": {"threshold": "high", "stages": {"ci": "medium"}},
                                                   "licenses": {"deny": ["AGPL-3.0-only"]}}}}, indent=2)

REVIEW = json.dumps({
    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
    "request": {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "operation": "CREATE", "namespace": "shop",
                "object": {"kind": "Pod", "spec": {"containers": [{"name": "web", "image": "registry.example/shop@sha256:"
                                                                    + "ab" * 32}]}}},
})


def bounded(call: Callable[[], Any], *allowed: type[BaseException]) -> None:
    """Run ``call``: it may succeed or raise one of ``allowed``, within :data:`SECONDS`."""
    start = time.perf_counter()
    with contextlib.suppress(*allowed):
        call()
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, f"took {elapsed:.1f}s"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@BOUNDED
@given(text=mutated(CONFIG))
def test_configuration(workdir: Path, text: str) -> None:
    root = workdir / "config"
    root.mkdir(exist_ok=True)
    (root / "gatecheck.toml").write_text(text, "utf-8", errors="surrogatepass")
    bounded(lambda: config.load(root), BadInput)


@BOUNDED
@given(text=st.one_of(mutated(WAIVERS_TOML), mutated(WAIVERS_YAML, nest=("[", "]"))), yaml=st.booleans())
def test_waivers(workdir: Path, text: str, yaml: bool) -> None:
    path = workdir / ("waivers.yaml" if yaml else "waivers.toml")
    path.write_text(text, "utf-8", errors="surrogatepass")

    def load() -> None:
        loaded = waivers.load(path, max_days=36500)
        waivers.policy_input(loaded.waivers, [], waivers.now_utc())

    bounded(load, BadInput)


@BOUNDED
@given(text=st.one_of(mutated(POLICY_DATA), mutated(POLICY_DATA, nest=("{\"a\":", "}"))), yaml=st.booleans())
def test_policy_data(workdir: Path, text: str, yaml: bool) -> None:
    policy = workdir / "policy"
    policy.mkdir(exist_ok=True)
    for old in policy.iterdir():
        old.unlink()
    (policy / "p.rego").write_text("package gatecheck\n\nimport rego.v1\n\ndecision := {}\n")
    (policy / ("data.yaml" if yaml else "data.json")).write_text(text, "utf-8", errors="surrogatepass")
    bounded(lambda: bundle_mod.load(str(policy)), BadInput)


@BOUNDED
@given(data=st.one_of(mutated(POLICY_DATA), mutated(WAIVERS_YAML)))
def test_limited_json_and_yaml(data: str) -> None:
    bounded(lambda: limits.load_json(data, "x.json"), BadInput)
    bounded(lambda: limits.load_yaml(data, "x.yaml"), BadInput)


@pytest.fixture(scope="module")
def signed() -> tuple[bytes, keys.PublicKey]:
    key = keys.generate("ed25519")
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v1",
                            "subject": [{"name": "x", "digest": {"sha256": "ab" * 32}}],
                            "predicateType": "https://slsa.dev/verification_summary/v1", "predicate": {}}).encode()
    return dsse.sign("application/vnd.in-toto+json", statement, [key]).to_json(), key.public


@BOUNDED
@given(data=st.data())
def test_envelopes(signed: tuple[bytes, keys.PublicKey], data: st.DataObject) -> None:
    raw = data.draw(mutated_bytes(signed[0]))
    record = check_envelope("fuzz:1", raw, VerifyOptions(keys=[signed[1]]))
    assert record.problem is not None or record.statement is not None


@BOUNDED
@given(data=st.data())
def test_public_keys(data: st.DataObject) -> None:
    pem = keys.generate("ecdsa-p256").public.pem()
    raw = data.draw(mutated_bytes(pem))
    bounded(lambda: keys.load_public_pem(raw, "key.pub"), BadInput)


@BOUNDED
@given(data=st.data())
def test_admission_reviews(data: st.DataObject) -> None:
    raw = data.draw(st.one_of(mutated_bytes(REVIEW.encode()), mutated(REVIEW, nest=("[", "]")).map(
        lambda t: t.encode("utf-8", "surrogatepass"))))
    bounded(lambda: parse_review(raw), MalformedReview, UnsupportedObject)


@BOUNDED
@given(text=st.one_of(mutated("2026-03-01T09:00:00.250001Z"), st.text(max_size=40)))
def test_timestamps(text: str) -> None:
    bounded(lambda: timestamps.format_micro(timestamps.parse_rfc3339(text)), ValueError)


def test_the_strategies_reach_the_limits() -> None:
    """Not vacuous: the mutations do produce what the parsers must refuse."""
    deep = "x = " + "[" * 5000 + "]" * 5000
    with pytest.raises(BadInput, match="nested more than"):
        limits.load_toml(deep, "deep.toml")
    assert base64.b64decode(base64.b64encode(b"ok")) == b"ok"


@pytest.mark.parametrize("text", ["x: " + "1" * 5000, "x: 2026-13-45", "expires: 2026-02-30 10:00:00"])
def test_a_yaml_scalar_python_cannot_convert_is_bad_input(text: str) -> None:
    """Found by the fuzz campaign: PyYAML's int() and date() raised ValueError (exit 3) on these."""
    with pytest.raises(BadInput, match="invalid YAML value"):
        limits.load_yaml(text, "waivers.yaml")
