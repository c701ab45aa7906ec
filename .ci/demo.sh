#!/usr/bin/env bash
# Installs gatecheck into .venv and runs the gate on the bundled example project.
# Exits with the gate's own code: the example is meant to be denied (1).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/venv.sh
pip_install -e .
exec .venv/bin/gatecheck run examples/webapp --format text --format sarif:out/gatecheck.sarif "$@"
