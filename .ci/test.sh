#!/usr/bin/env bash
# Installs everything the test suite needs and runs the whole suite: lint, types, tests.
# Usage: bash .ci/test.sh [pytest args...]     (this is what .ci/run calls)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/venv.sh
pip_install --upgrade pip
pip_install -e '.[test]'
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; exit 1; }
# Tests drive the installed `gatecheck` script (and verifier runners take a command line).
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && .venv/bin/ruff check core plugins conformance tests bench
mkdir -p .mypy-src && ln -sfn ../core .mypy-src/gatecheck && ln -sfn ../plugins .mypy-src/gatecheck_plugins
echo "== mypy core/ plugins/" && .venv/bin/mypy
# Debian packages the tests use for real: Chromium (the audit report is opened in it) and a
# PostgreSQL server (store, migration-rule facts); under CI those tests fail without them.
echo "== system packages"
bash .ci/chromium.sh
[ -n "${GATECHECK_TEST_POSTGRES_URL:-}" ] || source .ci/postgres.sh
# A Prometheus server holding generated series for the slo check (tests/slo/).
[ -n "${GATECHECK_TEST_PROMETHEUS_URL:-}" ] || source .ci/prometheus.sh
# Microsoft's SARIF Multitool, which validates our SARIF with GitHub code scanning's ingestion rules
# (tests/reports/test_sarif_github.py). A .NET binary shipped in npm packages: the wrapper and the Linux
# build, both pinned exactly (the wrapper asks for the build by a range), installed once into
# .ci/node_modules, which ignores itself as Python's venvs do.
echo "== sarif multitool"
SARIF_MULTITOOL_VERSION=5.7.0
installed=$(.ci/node_modules/.bin/sarif-multitool --version 2>&1 || true)  # it prints its version on stderr
if [[ "$installed" != "SARIF Multitool $SARIF_MULTITOOL_VERSION+"* ]]; then
    mkdir -p .ci/node_modules && printf '*\n' > .ci/node_modules/.gitignore
    npm install --prefix .ci --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" "@microsoft/sarif-multitool-linux@$SARIF_MULTITOOL_VERSION"
fi
# @sigstore/verify, an independent verifier of gatecheck's Sigstore bundles (tests/attest/test_sigstore_interop.py),
# pinned exactly with the three packages it depends on (it asks for them by ranges), installed once into a prefix
# of its own, .ci/sigstore: `npm install` removes from its prefix every package the command did not name.
echo "== @sigstore/verify"
SIGSTORE_VERIFY_VERSION=4.1.3
installed=$(cd .ci/sigstore 2>/dev/null && node -p "require('@sigstore/verify/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$SIGSTORE_VERIFY_VERSION" ]]; then
    mkdir -p .ci/sigstore/node_modules && printf '*\n' > .ci/sigstore/node_modules/.gitignore
    npm install --prefix .ci/sigstore --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        "@sigstore/verify@$SIGSTORE_VERIFY_VERSION" @sigstore/bundle@5.0.1 @sigstore/core@4.0.1 @sigstore/protobuf-specs@0.5.2
fi
echo "== pytest" && exec .venv/bin/python -m pytest "$@"
