#!/bin/sh
# A stand-in for podman/docker, for test/container.test.js: it understands just the commands
# startVerifier({ image }) sends (run -d -p 127.0.0.1:PORT:8765 -e NAME IMAGE [serve ARGS],
# inspect, logs, rm -f -v) and "runs the image" as the checkout's verifier on PORT, so the
# engine protocol is checked where no image can be built. Every call is logged to $FAKE_ENGINE_LOG.
set -eu
echo "$*" >>"$FAKE_ENGINE_LOG"
state=${FAKE_ENGINE_LOG%.log}
while [ "${1#-}" != "$1" ]; do shift 2; done  # engine options before the command (--runtime X)
command=$1; shift
case $command in
  run)
    port=
    while [ $# -gt 0 ]; do
      case $1 in
        -d) shift ;;
        -p) port=${2#127.0.0.1:}; port=${port%:8765}; shift 2 ;;
        -e) shift 2 ;;
        *) break ;;
      esac
    done
    image=$1; shift
    [ "$image" = fake/verifier ] || { echo "Error: $image: image not known" >&2; exit 125; }
    [ $# -gt 0 ] && shift  # serve
    "$FERNDESK_VERIFIER_COMMAND" serve --host 127.0.0.1 --port "$port" \
      --database-url "sqlite:///$state.db" "$@" >"$state.out" 2>&1 &
    echo $! >"$state.pid"
    echo fakeid123 ;;
  inspect)
    if kill -0 "$(cat "$state.pid")" 2>/dev/null; then echo running; else echo exited; fi ;;
  logs) cat "$state.out" ;;
  rm)  # like rm -f: the container is gone when this returns
    pid=$(cat "$state.pid")
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done ;;
  *) echo "fake engine: unknown command $command" >&2; exit 2 ;;
esac
