#!/usr/bin/env bash
# Local private PostgreSQL cluster for aduan: its own data directory under var/postgres and its own
# port (default 55432), so it never collides with a system server. Installs the OS package when the
# server binaries are missing. When DATABASE_URL is set, nothing is started: that server is used.
#   deploy/local/postgres.sh up | down | status | url
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${ADUAN_PG_PORT:-55432}
state=$root/var/postgres
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
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1; }

up() {
  if [ -n "${DATABASE_URL:-}" ]; then log "DATABASE_URL is set: using it, starting nothing"; return; fi
  local bin; bin=$(bindir)
  if running; then log "already running on 127.0.0.1:$port"; return; fi
  mkdir -p "$root/var"
  if [ "$(id -u)" = 0 ] && [ ! -e "$state" ] && ! runuser -u postgres -- test -x "$root/var"; then
    # The checkout sits where the postgres user cannot reach (e.g. under /root): keep the cluster in
    # a folder of its own and leave a link in var/.
    real=/var/tmp/aduan-$(echo "$root" | sha256sum | cut -c1-12)/postgres
    mkdir -p "$real" && ln -sfn "$real" "$state"
  fi
  mkdir -p "$state"
  [ "$(id -u)" = 0 ] && chown postgres "$(readlink -f "$state")" && chmod 700 "$(readlink -f "$state")"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a private cluster in $data"
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
      || as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$state/initdb.log" 2>&1
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
  log "starting on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$data" -l "$state/server.log" -w -t 60 start >/dev/null
  as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aduan') THEN
    CREATE ROLE aduan LOGIN PASSWORD 'aduan' CREATEDB;
  END IF;
END \$\$;
SELECT 'CREATE DATABASE aduan OWNER aduan' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'aduan')\gexec
SQL
  log "ready: $url"
}

down() {
  if [ -n "${DATABASE_URL:-}" ]; then return; fi
  if [ -f "$data/PG_VERSION" ] && running; then
    as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; log "stopped"
  else log "not running"; fi
}

status() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "postgres: external (DATABASE_URL)"; return; fi
  if [ -f "$data/PG_VERSION" ] && running; then echo "postgres: running on 127.0.0.1:$port ($url)"
  else echo "postgres: stopped"; fi
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;; url) echo "${DATABASE_URL:-$url}" ;;
  *) echo "usage: $0 up|down|status|url" >&2; exit 2 ;;
esac
