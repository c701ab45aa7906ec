#!/usr/bin/env bash
# Starts a throwaway Prometheus server on loopback for the slo tests (tests/slo/) and exports
# GATECHECK_TEST_PROMETHEUS_URL. Installs Debian's `prometheus` (server and promtool) with apt-get
# when it is missing (CI runs as root). Source it so the variable reaches the caller:
#
#     source .ci/prometheus.sh        # from .ci/test.sh, before pytest
#
# Run as a script, it prints the `export` line instead. The server scrapes nothing: its data are
# the series tests/slo/series.py generates (31 days before now to 6 hours after), turned into TSDB
# blocks by `promtool tsdb create-blocks-from openmetrics`. It lives in a fresh temporary
# directory, listens only on 127.0.0.1, and is left running until the machine stops.
_gc_prom_main() {
    set -euo pipefail
    local repo
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    fi
    local dir port pid
    dir=$(mktemp -d /tmp/gatecheck-prometheus.XXXXXX)
    python3 "$repo/tests/slo/series.py" "$dir/series.om"
    promtool tsdb create-blocks-from openmetrics --quiet "$dir/series.om" "$dir/data" >"$dir/promtool.log" 2>&1 \
        || { cat "$dir/promtool.log" >&2; return 1; }
    rm -f "$dir/series.om"
    printf 'global:\n  scrape_interval: 1h\nscrape_configs: []\n' > "$dir/prometheus.yml"
    # A free loopback port: bind port 0 and read what the kernel chose.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Retention far beyond the series' 31 days, which end in the future: the default 15 days would
    # delete the start of every 30-day SLO window.
    nohup prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --storage.tsdb.retention.time=400d --web.listen-address="127.0.0.1:$port" >"$dir/server.log" 2>&1 &
    pid=$!
    local i
    for i in $(seq 1 120); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/-/ready', timeout=2)" 2>/dev/null; then
            break
        fi
        kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
        sleep 0.5
    done
    [ "$i" -lt 120 ] || { cat "$dir/server.log" >&2; return 1; }
    GATECHECK_TEST_PROMETHEUS_URL="http://127.0.0.1:$port"
    export GATECHECK_TEST_PROMETHEUS_URL
    echo "prometheus: $GATECHECK_TEST_PROMETHEUS_URL (data in $dir; stop with: kill $pid)" >&2
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: keep the caller's shell options intact (as .ci/postgres.sh does).
    _gc_prom_saved_opts=$(set +o)
    case $- in *e*) _gc_prom_errexit=1 ;; *) _gc_prom_errexit=0 ;; esac
    _gc_prom_main
    _gc_prom_rc=$?
    eval "$_gc_prom_saved_opts"
    if [ "$_gc_prom_errexit" = 1 ]; then set -e; else set +e; fi
    unset -f _gc_prom_main
    [ "$_gc_prom_rc" = 0 ] || return "$_gc_prom_rc"
else
    _gc_prom_main
    echo "export GATECHECK_TEST_PROMETHEUS_URL=$GATECHECK_TEST_PROMETHEUS_URL"
fi
