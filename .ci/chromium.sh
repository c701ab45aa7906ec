#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the audit report's browser test
# (tests/audit/test_report_browser.py), when it is missing. We run as root in CI.
# Usage: bash .ci/chromium.sh
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
