#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the store tests (tests/store/) and exports
# GATECHECK_TEST_POSTGRES_URL. Installs Debian's `postgresql` with apt-get when it is missing
# (CI runs as root). Source it so the variable reaches the caller:
#
#     source .ci/postgres.sh          # from .ci/test.sh, before pytest
#
# Run as a script, it prints the `export` line instead. The cluster lives in a fresh temporary
# directory, listens only on 127.0.0.1 (no Unix socket outside that directory), trusts local
# connections, and is left running until the machine stops.
_gc_pg_main() {
    set -euo pipefail
    local bindir
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    local run_as=()
    if [ "$(id -u)" = "0" ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
        run_as=(runuser -u postgres --)
    fi
    local dir port
    dir=$(mktemp -d /tmp/gatecheck-pg.XXXXXX)
    chmod 700 "$dir"
    [ "$(id -u)" = "0" ] && chown postgres: "$dir"
    # A free loopback port: bind port 0 and read what the kernel chose.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
    "${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres gatecheck_test
    GATECHECK_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/gatecheck_test"
    export GATECHECK_TEST_POSTGRES_URL
    echo "postgres: $GATECHECK_TEST_POSTGRES_URL (data in $dir; stop with: ${run_as[*]} $bindir/pg_ctl -D $dir/data stop)" >&2
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: keep the caller's shell options intact (`set +o` inside $(...) would report
    # errexit as off, so errexit is saved from $- instead).
    _gc_pg_saved_opts=$(set +o)
    case $- in *e*) _gc_pg_errexit=1 ;; *) _gc_pg_errexit=0 ;; esac
    _gc_pg_main
    _gc_pg_rc=$?
    eval "$_gc_pg_saved_opts"
    if [ "$_gc_pg_errexit" = 1 ]; then set -e; else set +e; fi
    unset -f _gc_pg_main
    [ "$_gc_pg_rc" = 0 ] || return "$_gc_pg_rc"
else
    _gc_pg_main
    echo "export GATECHECK_TEST_POSTGRES_URL=$GATECHECK_TEST_POSTGRES_URL"
fi
