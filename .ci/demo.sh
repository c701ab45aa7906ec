#!/usr/bin/env bash
# Installs gatecheck into .venv and runs the gate on the bundled example project.
# Exits with the gate's own code: the example is meant to be denied (1).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v "^WARNING: Location" || true
exec .venv/bin/gatecheck run examples/webapp --format text --format sarif:out/gatecheck.sarif "$@"
