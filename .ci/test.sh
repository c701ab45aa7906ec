#!/usr/bin/env bash
# Installs everything the test suite needs and runs the whole suite: lint, types, tests.
# Usage: bash .ci/test.sh [pytest args...]     (this is what .ci/run calls)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; exit 1; }
# Tests drive the installed `gatecheck` script (and verifier runners take a command line).
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && .venv/bin/ruff check core plugins conformance tests bench
mkdir -p .mypy-src && ln -sfn ../core .mypy-src/gatecheck
echo "== mypy core/" && .venv/bin/mypy
# Debian packages the tests use for real: Chromium (the audit report is opened in it) and a
# PostgreSQL server (store, migration-rule facts); under CI those tests fail without them.
echo "== system packages"
bash .ci/chromium.sh
[ -n "${GATECHECK_TEST_POSTGRES_URL:-}" ] || source .ci/postgres.sh
echo "== pytest" && exec .venv/bin/python -m pytest "$@"
