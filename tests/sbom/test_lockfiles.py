"""Lock-file mode: pylock.toml, uv.lock, poetry.lock and pinned requirements with hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult


def h(text: str) -> str:
    """A real sha256 hex digest (of a label), so hashes are well-formed and distinct."""
    return hashlib.sha256(text.encode()).hexdigest()


def components(document: dict) -> dict[str, dict]:
    return {c["name"]: c for c in document["components"]}


def graph(document: dict) -> dict[str, set[str]]:
    return {d["ref"]: set(d.get("dependsOn", [])) for d in document["dependencies"]}


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(dedent(text).lstrip(), "utf-8")
    return path


PYPROJECT = """
[project]
name = "orders-service"
version = "1.4.0"
description = "Example service"
license = "Apache-2.0"
dependencies = ["flask>=2", "requests"]
"""


def test_pylock_toml(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable,
                     library_validation_error: Callable, independent_validation_errors: Callable) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    write(tmp_path, "pylock.toml", f"""
        lock-version = "1.0"
        created-by = "uv"
        requires-python = ">=3.11"

        [[packages]]
        name = "Flask"
        version = "3.0.3"
        index = "https://pypi.org/simple"
        dependencies = [{{name = "werkzeug"}}, {{name = "itsdangerous"}}]
        wheels = [{{url = "https://pkgs.example/flask-3.0.3-py3-none-any.whl", hashes = {{sha256 = "{h('flask-whl')}"}}}}]
        sdist = {{url = "https://pkgs.example/flask-3.0.3.tar.gz", hashes = {{sha256 = "{h('flask-sdist')}"}}}}

        [[packages]]
        name = "werkzeug"
        version = "3.0.4"
        dependencies = [{{name = "markupsafe"}}]
        wheels = [{{url = "https://pkgs.example/werkzeug-3.0.4-py3-none-any.whl", hashes = {{sha256 = "{h('werkzeug')}"}}}}]

        [[packages]]
        name = "itsdangerous"
        version = "2.2.0"
        [[packages.wheels]]
        url = "https://pkgs.example/itsdangerous-2.2.0-py3-none-any.whl"
        hashes = {{sha256 = "{h('itsdangerous')}"}}

        [[packages]]
        name = "MarkupSafe"
        version = "2.1.5"
        [[packages.wheels]]
        url = "https://pkgs.example/MarkupSafe-2.1.5-cp311-cp311-manylinux.whl"
        hashes = {{sha256 = "{h('markupsafe')}"}}

        [[packages]]
        name = "internal-tool"
        [packages.vcs]
        type = "git"
        url = "https://git.example.com/internal-tool.git"
        requested-revision = "main"
        commit-id = "8a1c3e0b1f4d2a6c9e7b5d3f1a0c8e6b4d2f0a9c"
    """)
    result = run_sbom(tmp_path)
    text, document = sbom_of(result, tmp_path)
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []
    comps = components(document)
    assert set(comps) == {"Flask", "werkzeug", "itsdangerous", "MarkupSafe", "internal-tool"}
    assert comps["Flask"]["purl"] == "pkg:pypi/flask@3.0.3"
    assert comps["MarkupSafe"]["purl"] == "pkg:pypi/markupsafe@2.1.5"
    refs = {e["type"]: e for e in comps["Flask"]["externalReferences"]}
    assert refs["distribution"]["hashes"] == [{"alg": "SHA-256", "content": h("flask-whl")}]
    assert refs["source-distribution"]["hashes"] == [{"alg": "SHA-256", "content": h("flask-sdist")}]
    # A single artifact is the component: its digest sits on the component too.
    assert comps["werkzeug"]["hashes"] == [{"alg": "SHA-256", "content": h("werkzeug")}]
    assert comps["internal-tool"]["purl"] == (
        "pkg:pypi/internal-tool?vcs_url=git%2Bhttps://git.example.com/internal-tool.git%408a1c3e0b1f4d2a6c9e7b5d3f1a0c8e6b4d2f0a9c"
    )
    edges = graph(document)
    assert edges["pkg:pypi/flask@3.0.3"] == {"pkg:pypi/werkzeug@3.0.4", "pkg:pypi/itsdangerous@2.2.0"}
    assert edges["pkg:pypi/werkzeug@3.0.4"] == {"pkg:pypi/markupsafe@2.1.5"}
    root = document["metadata"]["component"]
    assert (root["name"], root["version"], root["type"]) == ("orders-service", "1.4.0", "application")
    assert root["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    # flask is a declared dependency; internal-tool hangs off the root because nothing needs it.
    assert edges[root["bom-ref"]] == {"pkg:pypi/flask@3.0.3", comps["internal-tool"]["bom-ref"]}
    assert result.summary["source"] == "pylock"
    # A VCS checkout pinned by commit is pinned; nothing else is unpinned.
    assert not [f for f in result.findings if f.rule_id == "unpinned"]


def test_uv_lock(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable,
                 library_validation_error: Callable, independent_validation_errors: Callable) -> None:
    write(tmp_path, "uv.lock", f"""
        version = 1
        revision = 2
        requires-python = ">=3.11"

        [[package]]
        name = "anyio"
        version = "4.6.2"
        source = {{ registry = "https://pypi.org/simple" }}
        dependencies = [
            {{ name = "idna" }},
            {{ name = "sniffio" }},
        ]
        sdist = {{ url = "https://pkgs.example/anyio-4.6.2.tar.gz", hash = "sha256:{h('anyio-sdist')}", size = 173422 }}
        wheels = [
            {{ url = "https://pkgs.example/anyio-4.6.2-py3-none-any.whl", hash = "sha256:{h('anyio-whl')}", size = 90377 }},
        ]

        [[package]]
        name = "idna"
        version = "3.10"
        source = {{ registry = "https://pypi.org/simple" }}
        wheels = [
            {{ url = "https://pkgs.example/idna-3.10-py3-none-any.whl", hash = "sha256:{h('idna')}", size = 70442 }},
        ]

        [[package]]
        name = "sniffio"
        version = "1.3.1"
        source = {{ registry = "https://pypi.org/simple" }}
        wheels = [
            {{ url = "https://pkgs.example/sniffio-1.3.1-py3-none-any.whl", hash = "sha256:{h('sniffio')}", size = 10235 }},
        ]

        [[package]]
        name = "my-app"
        version = "0.3.0"
        source = {{ editable = "." }}
        dependencies = [
            {{ name = "anyio" }},
        ]

        [package.dev-dependencies]
        dev = [
            {{ name = "sniffio" }},
        ]
    """)
    result = run_sbom(tmp_path)
    text, document = sbom_of(result, tmp_path)
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []
    comps = components(document)
    assert set(comps) == {"anyio", "idna", "sniffio"}  # the project itself is the root, not a component
    assert {c["purl"] for c in comps.values()} == {"pkg:pypi/anyio@4.6.2", "pkg:pypi/idna@3.10", "pkg:pypi/sniffio@1.3.1"}
    edges = graph(document)
    assert edges["pkg:pypi/anyio@4.6.2"] == {"pkg:pypi/idna@3.10", "pkg:pypi/sniffio@1.3.1"}
    assert edges["pkg:pypi/idna@3.10"] == set()  # locked with no dependencies: known to have none
    root_ref = document["metadata"]["component"]["bom-ref"]
    assert edges[root_ref] == {"pkg:pypi/anyio@4.6.2", "pkg:pypi/sniffio@1.3.1"}
    assert result.summary["source"] == "uv.lock"
    anyio_hashes = {r["type"]: r["hashes"][0]["content"] for r in comps["anyio"]["externalReferences"]}
    assert anyio_hashes == {"source-distribution": h("anyio-sdist"), "distribution": h("anyio-whl")}


def test_poetry_lock(tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable,
                     library_validation_error: Callable, independent_validation_errors: Callable) -> None:
    write(tmp_path, "pyproject.toml", """
        [tool.poetry]
        name = "billing"
        version = "2.1.0"
        description = "Billing worker"

        [tool.poetry.dependencies]
        python = "^3.11"
        requests = "^2.32"
    """)
    write(tmp_path, "poetry.lock", f"""
        # This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.

        [[package]]
        name = "certifi"
        version = "2024.8.30"
        description = "Python package for providing Mozilla's CA Bundle."
        optional = false
        python-versions = ">=3.6"
        files = [
            {{file = "certifi-2024.8.30-py3-none-any.whl", hash = "sha256:{h('certifi-whl')}"}},
            {{file = "certifi-2024.8.30.tar.gz", hash = "sha256:{h('certifi-sdist')}"}},
        ]

        [[package]]
        name = "requests"
        version = "2.32.3"
        description = "Python HTTP for Humans."
        optional = false
        python-versions = ">=3.8"
        files = [
            {{file = "requests-2.32.3-py3-none-any.whl", hash = "sha256:{h('requests')}"}},
        ]

        [package.dependencies]
        certifi = ">=2017.4.17"
        urllib3 = ">=1.21.1,<3"

        [package.extras]
        socks = ["PySocks (>=1.5.6,!=1.5.7)"]

        [[package]]
        name = "urllib3"
        version = "2.2.3"
        description = "HTTP library with thread-safe connection pooling, file post, and more."
        optional = false
        python-versions = ">=3.8"
        files = [
            {{file = "urllib3-2.2.3-py3-none-any.whl", hash = "sha256:{h('urllib3')}"}},
        ]

        [metadata]
        lock-version = "2.0"
        python-versions = "^3.11"
        content-hash = "{h('content')}"
    """)
    result = run_sbom(tmp_path, deny_licenses=["GPL-*"])
    text, document = sbom_of(result, tmp_path)
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []
    comps = components(document)
    assert comps["requests"]["description"] == "Python HTTP for Humans."
    # Files without URLs: their digests can only sit on the component.
    assert {x["content"] for x in comps["certifi"]["hashes"]} == {h("certifi-whl"), h("certifi-sdist")}
    edges = graph(document)
    assert edges["pkg:pypi/requests@2.32.3"] == {"pkg:pypi/certifi@2024.8.30", "pkg:pypi/urllib3@2.2.3"}
    root = document["metadata"]["component"]
    assert (root["name"], root["version"]) == ("billing", "2.1.0")
    assert edges[root["bom-ref"]] == {"pkg:pypi/requests@2.32.3"}


def test_requirements_with_hashes_and_includes(
    tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable,
    library_validation_error: Callable, independent_validation_errors: Callable,
) -> None:
    write(tmp_path, "requirements.txt", f"""
        # Production pins (pip-compile --generate-hashes)
        --index-url https://pypi.org/simple
        -r requirements-base.txt
        gunicorn==23.0.0 \\
            --hash=sha256:{h('gunicorn-1')} \\
            --hash=sha256:{h('gunicorn-2')}
        pywin32==306 ; sys_platform == "win32" --hash=sha256:{h('pywin32')}
        flask>=2.2  # not pinned
        -e git+https://git.example.com/tools.git#egg=tools
    """)
    write(tmp_path, "requirements-base.txt", f"""
        packaging==24.1 --hash=sha256:{h('packaging')}
    """)
    result = run_sbom(tmp_path)
    text, document = sbom_of(result, tmp_path)
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []
    comps = components(document)
    assert set(comps) == {"gunicorn", "pywin32", "flask", "tools", "packaging"}
    assert {x["content"] for x in comps["gunicorn"]["hashes"]} == {h("gunicorn-1"), h("gunicorn-2")}
    assert comps["packaging"]["purl"] == "pkg:pypi/packaging@24.1"
    assert "version" not in comps["flask"] and comps["flask"]["purl"] == "pkg:pypi/flask"
    unpinned = {f.package.name: f for f in result.findings if f.rule_id == "unpinned" and f.package}
    assert set(unpinned) == {"flask", "tools"}
    assert unpinned["flask"].location is not None and unpinned["flask"].location.start_line == 8
    assert unpinned["flask"].location.path == "requirements.txt"
    packaging_line = next(f for f in result.findings if f.package and f.package.name == "packaging")
    assert packaging_line.location and packaging_line.location.path == "requirements-base.txt"
    # The included file is an input too: editing it must invalidate the cache.
    from gatecheck.checks import CheckContext
    from gatecheck_plugins.sbom.check import SbomCheck

    inputs = {p.name for p in SbomCheck().inputs(CheckContext(root=tmp_path, options={}, work_dir=tmp_path / "w"))}
    assert {"requirements.txt", "requirements-base.txt"} <= inputs


def test_example_project_every_requirement_once(example_copy: Path, run_sbom: Callable[..., CheckResult],
                                                sbom_of: Callable, library_validation_error: Callable) -> None:
    result = run_sbom(example_copy)
    text, document = sbom_of(result, example_copy)
    assert library_validation_error(text) is None
    expected = {}
    for line in (example_copy / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            expected[name] = version
    seen = [(c["name"], c["version"], c["purl"]) for c in document["components"]]
    assert sorted(seen) == sorted((n, v, f"pkg:pypi/{n}@{v}") for n, v in expected.items())
    assert result.summary["component_count"] == len(expected)


@pytest.mark.parametrize(
    ("name", "text", "line", "fragment"),
    [
        ("uv.lock", 'version = 1\n[[package]]\nname = "x"\nversion = "1"\nsdist = { url = "u", hash = "sha256:zz" }\n',
         2, "malformed sha256 digest"),
        ("uv.lock", 'version = 1\n\n[[package]]\nname = "x"\nversion = = "1"\n', 5, "invalid TOML"),
        ("poetry.lock", '[[package]]\nname = "a"\nversion = "1"\n\n[[package]]\nversion = "2"\n', 5, "has no 'name'"),
        ("pylock.toml", 'lock-version = "2.0"\n', 1, "unsupported lock-version"),
        ("pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
                        'wheels = [{url = "https://x/a.whl"}]\n', 2, "needs 'hashes'"),
        ("requirements.txt", "flask==2.2.2\n\nrequests (>=\n", 3, "not a valid requirement"),
        ("requirements.txt", "flask==2.2.2 --hash=md4:abcd\n", 1, "unsupported hash algorithm"),
    ],
)
def test_malformed_lock_files_are_bad_input_with_file_and_line(
    tmp_path: Path, run_sbom: Callable[..., CheckResult], name: str, text: str, line: int, fragment: str
) -> None:
    (tmp_path / name).write_text(text, "utf-8")
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(tmp_path)
    assert excinfo.value.bad_input
    message = str(excinfo.value)
    assert message.startswith(f"{name}:{line}: "), message
    assert fragment in message


def test_explicit_files_option_and_missing_file(tmp_path: Path, run_sbom: Callable[..., CheckResult],
                                                sbom_of: Callable) -> None:
    (tmp_path / "deploy").mkdir()
    write(tmp_path, "deploy/requirements.lock.txt", "attrs==24.2.0\n")
    write(tmp_path, "requirements.txt", "six==1.16.0\n")
    result = run_sbom(tmp_path, files=["deploy/*.txt"])
    _, document = sbom_of(result, tmp_path)
    assert [c["name"] for c in document["components"]] == ["attrs"]  # the option wins over auto-detection
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(tmp_path, files=["nope.lock"])
    assert excinfo.value.bad_input and "nope.lock" in str(excinfo.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(empty, source="lock")
    assert excinfo.value.bad_input and "no lock file" in str(excinfo.value)


def test_credentials_in_lock_file_urls_never_reach_the_output(
    tmp_path: Path, run_sbom: Callable[..., CheckResult], sbom_of: Callable
) -> None:
    token = "glpat-Zx8s7d6f5g4h3j2k1"
    write(tmp_path, "uv.lock", f"""
        version = 1

        [[package]]
        name = "private-lib"
        version = "0.9.0"
        source = {{ git = "https://oauth2:{token}@gitlab.example.com/team/private-lib.git?rev=v0.9.0#4f2c9a1" }}

        [[package]]
        name = "vendored"
        version = "1.0.0"
        source = {{ registry = "https://pkgs.example/simple" }}
        wheels = [{{ url = "https://ci:{token}@pkgs.example/vendored-1.0.0-py3-none-any.whl", hash = "sha256:{h('v')}" }}]
    """)
    write(tmp_path, "requirements.txt", f"""
        internal @ https://deploy:{token}@pkgs.example/internal-2.0.tar.gz
    """)
    result = run_sbom(tmp_path, files=["uv.lock", "requirements.txt"])
    text, document = sbom_of(result, tmp_path)
    import json

    assert [f.rule_id for f in result.findings if f.package and f.package.name == "internal"] == ["unpinned", "no-license"]
    assert token not in text
    assert token not in json.dumps(result.to_dict())
    comps = components(document)
    assert comps["private-lib"]["purl"].startswith("pkg:pypi/private-lib@0.9.0?vcs_url=git%2Bhttps://gitlab.example.com/")
    assert comps["vendored"]["externalReferences"][0]["url"] == "https://pkgs.example/vendored-1.0.0-py3-none-any.whl"
