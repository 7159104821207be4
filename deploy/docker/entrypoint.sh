#!/bin/sh
# The image's entrypoint: the first argument names what to run (deploy/docker/Dockerfile).
# exec: the service replaces this shell as PID 1 and receives SIGTERM itself (graceful stop).
set -eu
what=${1:-intake}
[ $# -gt 0 ] && shift
case "$what" in
  intake|routing|forwarder|notifier) exec python -m "services.$what" "$@" ;;
  migrate) exec python -m aduan.migrate "$@" ;;
  lapor-sim) exec python -m simulators.lapor "$@" ;;
  aduan) exec aduan "$@" ;;
  *) echo "usage: intake | routing | forwarder | notifier | migrate <service> | lapor-sim | aduan <args>" >&2; exit 2 ;;
esac
