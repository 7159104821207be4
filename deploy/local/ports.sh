#!/usr/bin/env bash
# Is a local TCP port free? When it is not, say in one line who holds it: pid, command, and — when the
# process belongs to an aduan checkout (its own or another one) — which folder, with how to stop it or
# pick another port. Sourced by the other deploy/local scripts (port_check) or run on its own:
#   deploy/local/ports.sh check PORT WHAT ENVVAR    exit 0 when free; 3 after the one line on stderr when taken
# Exit code 3 means "an expected condition, already explained": callers print nothing more.

PORT_TAKEN=3

# pid_alive PID [WORD]: the process exists, is no zombie (a killed server its parent has not reaped yet),
# and — with WORD — its command line contains WORD (so a reused pid is not taken for the server)
pid_alive() {
  local pid=$1 word=${2:-} st
  [[ $pid =~ ^[0-9]+$ ]] && [ -e "/proc/$pid" ] || return 1
  st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] || return 1
  [ -z "$word" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$word"
}

# pids listening on the port (empty when none, or when this user may not see them)
port_pids() {
  if command -v ss >/dev/null; then
    ss -Hltnp "sport = :$1" 2>/dev/null | { grep -o 'pid=[0-9]*' || true; } | cut -d= -f2 | sort -un
  elif command -v lsof >/dev/null; then
    { lsof -t -nP -iTCP:"$1" -sTCP:LISTEN 2>/dev/null || true; } | sort -un
  fi
}

port_listening() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# The aduan checkout a process belongs to: walk up from each absolute path on its command line (then from
# its working directory) to a folder holding an aduan marker (a cluster kept outside the checkout) or
# the checkout itself.
checkout_of() {
  local pid=$1 arg d
  local -a candidates=()
  if [ -r "/proc/$pid/cmdline" ]; then
    while IFS= read -r -d '' arg; do
      arg=${arg#*=}
      [[ $arg == /* ]] && candidates+=("$arg")
    done <"/proc/$pid/cmdline"
  fi
  d=$(readlink "/proc/$pid/cwd" 2>/dev/null) && candidates+=("$d")
  for d in "${candidates[@]}"; do
    while [ -n "$d" ] && [ "$d" != / ] && [ "$d" != . ]; do
      if [ -f "$d/aduan-checkout" ]; then head -1 "$d/aduan-checkout" 2>/dev/null && return 0; fi
      if [ -f "$d/deploy/local/ports.sh" ] || { [ -f "$d/deploy/local/postgres.sh" ] && [ -f "$d/pyproject.toml" ]; }
      then
        echo "$d"; return 0
      fi
      d=$(dirname "$d")
    done
  done
  return 1
}

# port_check PORT WHAT ENVVAR [ROOT]: return 0 when free; otherwise print one line and return 3
port_check() {
  local port=$1 what=$2 envvar=$3 self=${4:-} pid cmd folder owner
  port_listening "$port" || return 0
  pid=$(port_pids "$port" | head -1)
  if [ -z "$pid" ]; then
    echo "[$what] port $port is taken by a process this user cannot see: stop it, or choose another port" \
      "with $envvar=<port>" >&2
    return $PORT_TAKEN
  fi
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | sed 's/ *$//' || true)
  # long command lines (a JVM's): the program and the tail, where the main class and its arguments are
  [ ${#cmd} -le 110 ] || cmd="${cmd%% *} … ${cmd: -80}"
  owner="pid $pid (${cmd:-?})"
  if folder=$(checkout_of "$pid"); then
    if [ -n "$self" ] && [ "$folder" = "$self" ]; then
      echo "[$what] port $port is taken by $owner of this checkout, which has lost track of it:" \
        "stop it with \`kill $pid\`, or choose another port with $envvar=<port>" >&2
    else
      echo "[$what] port $port is taken by $owner of the aduan checkout in $folder:" \
        "run \`make down\` there, or choose another port with $envvar=<port>" >&2
    fi
  else
    echo "[$what] port $port is taken by $owner: stop it, or choose another port with $envvar=<port>" >&2
  fi
  return $PORT_TAKEN
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    check) [ $# -ge 4 ] || { echo "usage: $0 check PORT WHAT ENVVAR [ROOT]" >&2; exit 2; }
           port_check "$2" "$3" "$4" "${5:-}" ;;
    *) echo "usage: $0 check PORT WHAT ENVVAR [ROOT]" >&2; exit 2 ;;
  esac
fi
