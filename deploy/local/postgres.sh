#!/usr/bin/env bash
# Local private PostgreSQL cluster for aduan: its own data directory and its own port (default 55432),
# so it never collides with a system server. Installs the OS package when the server binaries are
# missing. When DATABASE_URL is set, nothing is started: that server is used.
# The cluster lives outside the checkout, in /var/tmp/aduan-<uid>-<hash of the checkout path>/postgres
# (owned by the server's user, mode 0700, its socket there too), so it starts from a checkout in any
# folder whatever its mode — as root the server runs as the postgres user, which may not be able to
# reach the checkout at all. A cluster made inside the checkout (var/postgres) by an earlier version
# is still used while it is there.
#   deploy/local/postgres.sh up | down | status | url | dir
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=ports.sh
. "$here/ports.sh"
port=${ADUAN_PG_PORT:-55432}
legacy=$root/var/postgres
if [ -f "$legacy/data/PG_VERSION" ] \
    && { [ "$(id -u)" != 0 ] || (cd / && runuser -u postgres -- test -r "$legacy/data/PG_VERSION") 2>/dev/null; }; then
  state=$(readlink -f "$legacy")
else
  state=/var/tmp/aduan-$(id -u)-$(printf %s "$root" | sha256sum | cut -c1-12)/postgres
fi
data=$state/data
url="postgresql://aduan:aduan@127.0.0.1:$port/aduan"

log() { echo "[postgres] $*" >&2; }

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    command -v apt-get >/dev/null || { log "no PostgreSQL server and no apt-get: set DATABASE_URL"; exit 1; }
    log "installing the PostgreSQL server from the OS packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$d"
}

# PostgreSQL refuses to run as root; run it as the package's postgres user (or ourselves if not root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# running: the server named by the cluster's pid file is alive (not a zombie, not a reused pid)
running() { [ -f "$data/postmaster.pid" ] && pid_alive "$(head -1 "$data/postmaster.pid")" postgres; }

# the port the running server listens on (line 4 of its pid file), whatever ADUAN_PG_PORT says now
actual_port() { sed -n 4p "$data/postmaster.pid" 2>/dev/null || echo "$port"; }

# the folder the cluster lives in: ours (or the postgres user's), mode 0700, in a parent it can traverse
prepare_state() {
  [ -f "$data/PG_VERSION" ] && return
  local base; base=$(dirname "$state")
  if [ "$(id -u)" = 0 ]; then install -d -m 0755 "$base"; else install -d -m 0700 "$base"; fi
  [ -O "$base" ] || { log "$base belongs to another user: remove it or run as its owner"; exit 1; }
  install -d -m 0700 "$state"
  echo "$root" >"$state/aduan-checkout"
  if [ "$(id -u)" = 0 ]; then as_owner true && chown postgres "$state"; fi  # (as_owner adds the user if missing)
}

up() {
  if [ -n "${DATABASE_URL:-}" ]; then log "DATABASE_URL is set: using it, starting nothing"; return; fi
  local bin; bin=$(bindir)
  if running; then log "already running on 127.0.0.1:$(actual_port)"; return; fi
  # a killed server leaves its pid file behind; the server would refuse to start over it
  if [ -f "$data/postmaster.pid" ]; then
    log "removing the pid file a killed server left behind"; rm -f "$data/postmaster.pid"
  fi
  local lock
  for lock in "$state"/.s.PGSQL.*.lock; do  # and its socket's lock, while the dead pid is not yet reaped
    [ -f "$lock" ] && ! pid_alive "$(head -1 "$lock")" postgres && rm -f "$lock" "${lock%.lock}"
  done
  port_check "$port" postgres ADUAN_PG_PORT "$root" || exit $?
  prepare_state
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a private cluster in $data"
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
      || as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$state/initdb.log" 2>&1 \
      || { log "initdb failed; see $state/initdb.log"; exit 1; }
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$state'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
CONF
  fi
  log "starting on 127.0.0.1:$port ($url) …"
  as_owner "$bin/pg_ctl" -D "$data" -l "$state/server.log" -o "-p $port" -w -t 60 start >/dev/null \
    || { log "did not start; see $state/server.log"; tail -5 "$state/server.log" >&2; exit 1; }
  as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aduan') THEN
    CREATE ROLE aduan LOGIN PASSWORD 'aduan' CREATEDB;
  END IF;
END \$\$;
SELECT 'CREATE DATABASE aduan OWNER aduan' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'aduan')\gexec
SQL
}

down() {
  if [ -n "${DATABASE_URL:-}" ]; then return; fi
  if [ -f "$data/PG_VERSION" ] && running; then
    as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; log "stopped"
  else log "not running"; fi
}

# stop the cluster and remove it (make clean)
purge() {
  if [ -n "${DATABASE_URL:-}" ]; then return; fi
  down
  case "$state" in
    /var/tmp/aduan-*/postgres) rm -rf "$state"; rmdir "$(dirname "$state")" 2>/dev/null || true ;;
    *) rm -rf "$state" ;;
  esac
  log "removed $state"
}

status() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "postgres: external (DATABASE_URL)"; return; fi
  if [ -f "$data/PG_VERSION" ] && running; then echo "postgres: running on 127.0.0.1:$(actual_port) ($url)"
  else echo "postgres: stopped"; fi
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;; url) echo "${DATABASE_URL:-$url}" ;; dir) echo "$state" ;;
  purge) purge ;;
  *) echo "usage: $0 up|down|status|url|dir|purge" >&2; exit 2 ;;
esac
