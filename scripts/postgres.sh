#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the test suite, on 127.0.0.1 and a non-default port so it
# never collides with a system cluster.
#
#   scripts/postgres.sh start   stop any leftover throw-away cluster on the port, initdb a new one
#                               in a fresh temp dir, start it, create the database and print its
#                               DATABASE_URL on stdout (progress goes to stderr)
#   scripts/postgres.sh stop    stop the throw-away cluster(s) on the port and remove the temp dir
#   scripts/postgres.sh url     print the DATABASE_URL
#
# Environment: PG_PORT (54329), PG_DB (onewindow), PG_TMP_BASE (/tmp; must be reachable by the
# postgres user). The cluster uses C collation (the search code relies on it for prefix range
# scans), UTF8, trust auth, and no fsync: it holds nothing worth keeping.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that the
# Debian package creates.
set -euo pipefail

PORT="${PG_PORT:-54329}"
DB="${PG_DB:-onewindow}"
BASE="${PG_TMP_BASE:-/tmp}"
PREFIX="$BASE/onewindow-pg-$PORT."
URL="postgres://postgres@127.0.0.1:$PORT/$DB"

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

bindir() {
    local d
    d=$(shopt -s nullglob; printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ -z "$d" ] || ! [ -x "$d/pg_ctl" ] || ! [ -x "$d/initdb" ]; then
        die "no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    fi
    echo "$d"
}

# Run a command as the postgres user when we are root, from a directory it can read.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# A live (not zombie) postgres process with that pid. Reads /proc: minimal images lack ps.
is_postgres_pid() {
    local stat comm state
    [[ "${1:-}" =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    comm=${stat#*(}
    comm=${comm%)*}
    state=${stat##*) }
    state=${state%% *}
    [ "$comm" = postgres ] && [ "$state" != Z ]
}

stop_clusters() {
    local bin dir pid
    bin=$(bindir)
    shopt -s nullglob
    for dir in "$PREFIX"*; do
        [ -d "$dir" ] || continue
        if [ -f "$dir/data/postmaster.pid" ]; then
            pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
            if is_postgres_pid "$pid"; then
                log "stopping throw-away cluster $dir (pid $pid)"
                as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
                    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 ||
                    { is_postgres_pid "$pid" && kill -KILL "$pid" 2>/dev/null; } || true
            fi
        fi
        rm -rf -- "$dir"
    done
}

start() {
    local bin dir i
    bin=$(bindir)
    stop_clusters
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; then
        die "something else already answers on 127.0.0.1:$PORT; pick another port with PG_PORT=..."
    fi

    dir=$(mktemp -d "${PREFIX}XXXXXX")
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    log "initdb in $dir ($("$bin/postgres" --version))"
    if ! as_pg "$bin/initdb" -D "$dir/data" --username=postgres --auth=trust \
        --locale=C --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi
    cat >>"$dir/data/postgresql.conf" <<CONF

# throw-away test cluster (scripts/postgres.sh)
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF

    log "starting on 127.0.0.1:$PORT"
    if ! as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
        tail -n 30 "$dir/server.log" >&2 || true
        die "the server did not start"
    fi
    for i in $(seq 1 60); do
        if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -t 2; then
            break
        fi
        [ "$i" -eq 60 ] && { tail -n 30 "$dir/server.log" >&2 || true; die "not ready after 30 s"; }
        sleep 0.5
    done
    "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" ||
        die "createdb $DB failed"
    log "ready: $URL"
    echo "$URL"
}

case "${1:-}" in
start) start ;;
stop) stop_clusters ;;
url) echo "$URL" ;;
*)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
