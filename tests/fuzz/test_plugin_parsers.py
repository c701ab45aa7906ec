"""Fuzz suite, bounded run: the plugins' parsers of files from the tree under judgement (SARIF from
other tools, requirements and every lock format) answer any input with a result or the bad-input
error (CheckFailed with bad_input), never another exception, within a time bound."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from fuzz_strategies import mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatecheck.checks import CheckContext
from gatecheck.errors import BadInput, CheckFailed
from gatecheck.repository import Repository
from gatecheck_plugins import dependencies
from gatecheck_plugins.sarif import SarifCheck

EXAMPLES = int(os.environ.get("GATECHECK_FUZZ_EXAMPLES", "100"))
SECONDS = 5.0
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   derandomize="GATECHECK_FUZZ_EXAMPLES" not in os.environ,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                          HealthCheck.data_too_large, HealthCheck.large_base_example])

SARIF = json.dumps({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "ESLint", "rules": [{"id": "no-eval", "shortDescription": {"text": "eval"},
                                                      "properties": {"security-severity": "8.1"}}]}},
    "results": [{"ruleId": "no-eval", "ruleIndex": 0, "level": "error", "message": {"text": "eval is harmful"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "static/app.js"},
                                                     "region": {"startLine": 7, "snippet": {"text": "eval(x)"}}}}],
                 "partialFingerprints": {"a": "b"}, "suppressions": [{"status": "accepted"}]}],
    "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": []}]}]}, indent=1)

DEPENDENCY_FILES = {
    "requirements.txt": "flask==3.0.3 --hash=sha256:" + "a" * 64 + "\n-r other.txt\n-c constraints.txt\n"
                        "requests>=2.31\npkg @ https://example.com/pkg-1.0.tar.gz\n-e .\n",
    "pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["flask>=3", "attrs==23.2.0"]\n'
                      '[project.optional-dependencies]\ndev = ["pytest"]\n[dependency-groups]\ntest = ["pytest"]\n'
                      '[tool.poetry.dependencies]\npython = "^3.11"\n',
    "uv.lock": 'version = 1\n\n[[package]]\nname = "flask"\nversion = "3.0.3"\n'
               'source = { registry = "https://pypi.org/simple" }\n',
    "poetry.lock": '[[package]]\nname = "flask"\nversion = "3.0.3"\ndescription = ""\noptional = false\n',
    "pylock.toml": 'lock-version = "1.0"\ncreated-by = "x"\n\n[[packages]]\nname = "flask"\nversion = "3.0.3"\n',
    "setup.cfg": "[metadata]\nname = x\n[options]\ninstall_requires =\n    flask>=3\n    attrs==23.2.0\n",
}


def bounded_call(call: object) -> None:
    start = time.perf_counter()
    try:
        call()  # type: ignore[operator]
    except CheckFailed as exc:
        assert exc.bad_input, f"a CheckFailed that is not bad input: {exc}"
    except BadInput:
        pass
    assert time.perf_counter() - start < SECONDS


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-plugins")


@BOUNDED
@given(text=mutated(SARIF, nest=("[", "]")))
def test_sarif_files(workdir: Path, text: str) -> None:
    root = workdir / "sarif"
    (root / "reports").mkdir(parents=True, exist_ok=True)
    (root / "reports" / "x.sarif").write_text(text, "utf-8", errors="surrogatepass")
    ctx = CheckContext(root=root, options={"files": ["reports/*.sarif"]}, repo=Repository(root, use_git=False))
    bounded_call(lambda: SarifCheck().run(ctx))


@BOUNDED
@given(name=st.sampled_from(sorted(DEPENDENCY_FILES)), data=st.data())
def test_dependency_files(workdir: Path, name: str, data: st.DataObject) -> None:
    text = data.draw(mutated(DEPENDENCY_FILES[name]))
    root = workdir / "deps"
    root.mkdir(exist_ok=True)
    for old in root.iterdir():
        old.unlink()
    (root / name).write_text(text, "utf-8", errors="surrogatepass")
    (root / "other.txt").write_text("attrs==23.2.0\n")
    (root / "constraints.txt").write_text("requests==2.32.3\n")
    bounded_call(lambda: dependencies.read(Repository(root, use_git=False), name))


MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "data"
SQL = ("BEGIN;\nSET lock_timeout = '2s';\nCREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
       "note text);\nALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0;\n"
       "CREATE INDEX CONCURRENTLY orders_total ON orders (total);\nCOMMIT;\n")
PYTHON_MIGRATIONS = {
    "shop/migrations/0002_order_status.py": MIGRATIONS / "django_project" / "shop" / "migrations" / "0002_order_status.py",
    "alembic/versions/r04_batch.py": MIGRATIONS / "alembic_project" / "versions" / "r04_batch.py",
}


@BOUNDED
@given(data=st.data(), which=st.sampled_from(["sql", *sorted(PYTHON_MIGRATIONS)]))
def test_migrations(workdir: Path, data: st.DataObject, which: str) -> None:
    """SQL, Django and Alembic migrations: a finding (an unparsable file names file and line) or a
    result, never another exception; nothing in a migration is run."""
    from gatecheck_plugins.migrations import MigrationsCheck

    root = workdir / "migrations-tree"
    if root.exists():
        import shutil

        shutil.rmtree(root)
    rel = "migrations/0001.sql" if which == "sql" else which
    base = SQL if which == "sql" else PYTHON_MIGRATIONS[which].read_text()
    (root / rel).parent.mkdir(parents=True)
    (root / rel).write_text(data.draw(mutated(base)), "utf-8", errors="surrogatepass")
    ctx = CheckContext(root=root, options={}, repo=Repository(root, use_git=False))
    bounded_call(lambda: MigrationsCheck().run(ctx))
