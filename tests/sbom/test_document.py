"""The document itself: reproducible bytes, content-derived serial number, schema validation."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult
from gatecheck_plugins.sbom import schema
from gatecheck_plugins.sbom.document import SERIAL_NAMESPACE

LOCK = """\
flask==2.2.2 --hash=sha256:{a}
jinja2==2.11.2 --hash=sha256:{b}
markupsafe==2.1.1
"""


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text(
        LOCK.format(a=hashlib.sha256(b"a").hexdigest(), b=hashlib.sha256(b"b").hexdigest()), "utf-8"
    )
    return root


def test_same_inputs_give_byte_identical_output(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable) -> None:
    root = project(tmp_path)
    first, _ = sbom_of(run_sbom(root), root)
    (root / ".gatecheck" / "sbom.cdx.json").unlink()
    second, document = sbom_of(run_sbom(root), root)
    assert first == second
    assert document["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"  # SOURCE_DATE_EPOCH=1700000000


def test_byte_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """Set and dict ordering must not leak into the document: run in two fresh interpreters."""
    root = project(tmp_path)
    script = (
        "import sys; from pathlib import Path; from gatecheck.checks import CheckContext;"
        "from gatecheck_plugins.sbom.check import SbomCheck;"
        "r = SbomCheck().run(CheckContext(root=Path(sys.argv[1]), options={'output': sys.argv[2],"
        " 'deny_licenses': ['GPL-*']}));"
        "assert r.status == 'ok', r.error"
    )
    outputs = []
    for seed in ("1", "4242"):
        out = f"out/sbom-{seed}.json"  # outputs are written inside the project
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1700000000"}
        subprocess.run([sys.executable, "-c", script, str(root), out], check=True, env=env)
        outputs.append((root / out).read_bytes())
    assert outputs[0] == outputs[1]


def test_serial_number_is_derived_from_the_content(tmp_path: Path, run_sbom: Callable[..., CheckResult],
                                                   sbom_of: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    text, document = sbom_of(run_sbom(root), root)
    serial = document["serialNumber"]
    placeholder = text.replace(serial, f"urn:uuid:{uuid.UUID(int=0)}")
    expected = uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(placeholder.encode()).hexdigest())
    assert serial == f"urn:uuid:{expected}"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    _, later = sbom_of(run_sbom(root), root)
    assert later["serialNumber"] != serial  # different content, different serial
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(root)
    assert excinfo.value.bad_input and "SOURCE_DATE_EPOCH" in str(excinfo.value)


def test_without_source_date_epoch_the_timestamp_is_now(tmp_path: Path, run_sbom: Callable[..., CheckResult],
                                                        sbom_of: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    root = project(tmp_path)
    before = datetime.now(UTC).replace(microsecond=0)
    _, document = sbom_of(run_sbom(root), root)
    stamp = datetime.fromisoformat(document["metadata"]["timestamp"])
    assert before <= stamp <= datetime.now(UTC)


def test_spec_version_1_7(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable,
                          library_validation_error: Callable, independent_validation_errors: Callable) -> None:
    root = project(tmp_path)
    text, document = sbom_of(run_sbom(root, spec_version="1.7"), root)
    assert document["specVersion"] == "1.7"
    assert document["$schema"] == "http://cyclonedx.org/schema/bom-1.7.schema.json"
    assert library_validation_error(text, "1.7") is None
    assert independent_validation_errors(document, "1.7") == []


def test_artifact_and_summary(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable) -> None:
    root = project(tmp_path)
    result = run_sbom(root)
    _, document = sbom_of(result, root)
    (artifact,) = result.artifacts
    assert artifact.path == ".gatecheck/sbom.cdx.json"
    assert result.summary["component_count"] == 3 == len(document["components"])
    assert result.summary["serial_number"] == document["serialNumber"]
    assert {c["purl"] for c in result.summary["components"]} == {
        "pkg:pypi/flask@2.2.2", "pkg:pypi/jinja2@2.11.2", "pkg:pypi/markupsafe@2.1.1"
    }
    assert result.tool is not None and result.tool.name == "cyclonedx-python-lib"
    tools = {t["name"] for t in document["metadata"]["tools"]["components"]}
    assert tools == {"gatecheck", "cyclonedx-python-lib"}
    custom = run_sbom(root, output="out/bom.json")
    assert custom.artifacts[0].path == "out/bom.json" and (root / "out" / "bom.json").is_file()


# --- the fast validator -------------------------------------------------------------------


@pytest.fixture
def valid_document(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable) -> dict:
    root = project(tmp_path)
    return sbom_of(run_sbom(root), root)[1]


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("metadata", "timestamp"), "2023-02-30T00:00:00Z", "is not a 'date-time'"),
        (("metadata", "timestamp"), "yesterday", "is not a 'date-time'"),
        (("components", 0, "hashes"), [{"alg": "SHA-256", "content": "abc"}], "does not match"),
        (("components", 0, "externalReferences"), [{"type": "distribution", "url": "https://x.example/a b.whl"}],
         "is not valid under any of the given schemas"),
        (("components", 0, "type"), "gizmo", "is not one of"),
        (("serialNumber",), "urn:uuid:not-a-uuid", "does not match"),
    ],
)
def test_fast_validator_rejects_what_the_schema_rejects(
    valid_document: dict, independent_validation_errors: Callable, where: tuple, value: object, message: str
) -> None:
    assert schema.problems(valid_document, "1.6") == []
    target = valid_document
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    found = schema.problems(valid_document, "1.6")
    assert found and message in " ".join(found), found
    # The independent validator agrees that the mutated document is invalid.
    assert independent_validation_errors(valid_document)


def test_fast_validator_enforces_unique_items(valid_document: dict) -> None:
    valid_document["components"].append(json.loads(json.dumps(valid_document["components"][0])))
    assert any("non-unique" in p for p in schema.problems(valid_document, "1.6"))


def test_an_invalid_sbom_is_a_check_error(tmp_path: Path, run_sbom: Callable[..., CheckResult]) -> None:
    """A URL the SBOM library accepts but that is no IRI (``^`` is forbidden by RFC 3987) would
    make the SBOM invalid: the check errors and writes nothing."""
    root = tmp_path / "proj"
    root.mkdir()
    digest = hashlib.sha256(b"x").hexdigest()
    (root / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "odd"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        f'wheels = [{{ url = "https://pkgs.example/odd^1.0.whl", hash = "sha256:{digest}" }}]\n',
        "utf-8",
    )
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(root)
    assert "does not validate against the CycloneDX 1.6 schema" in str(excinfo.value)
    assert not (root / ".gatecheck" / "sbom.cdx.json").exists()
    (root / "uv.lock").write_text((root / "uv.lock").read_text().replace("odd^1.0", "odd%zz"), "utf-8")
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(root)
    assert excinfo.value.bad_input and str(excinfo.value).startswith("uv.lock:3: malformed URL")
