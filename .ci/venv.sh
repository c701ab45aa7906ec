# Sourced by .ci/demo.sh and .ci/test.sh (from the repository root): makes .venv if missing,
# defines pip_install, and removes a stale `gatecheck` distribution.
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# pip's output minus the noise of this machine's index settings; a failed install stops here.
pip_install() {
  local log; log=$(mktemp)
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check "$@" > "$log" 2>&1; then
    cat "$log"; rm -f "$log"; echo "pip install $* failed" >&2; exit 1
  fi
  grep -v "^WARNING: Location" "$log" || true; rm -f "$log"
}
# A .venv made before the distribution was renamed still holds the old `gatecheck` dist (or the
# unrelated PyPI project of that name): both would claim the same import package and script.
if .venv/bin/python -m pip show -q gatecheck > /dev/null 2>&1; then .venv/bin/python -m pip uninstall -q -y gatecheck; fi
