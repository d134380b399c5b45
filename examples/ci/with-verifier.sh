#!/usr/bin/env bash
# Run a command with a ferndesk-verifier running beside it, then stop the verifier.
#
#   examples/ci/with-verifier.sh SEED_FILE -- COMMAND [ARGS...]
#
# Starts `ferndesk-verifier serve` on 127.0.0.1 (port $FERNDESK_VERIFIER_PORT, default 8765)
# with a throw-away SQLite database and the seed (fixed widget ids and secrets, so your backend
# can be configured before the server runs), waits until /healthz answers, runs COMMAND with
# FERNDESK_VERIFIER_URL and FERNDESK_VERIFIER_ADMIN_TOKEN exported, stops the verifier and exits
# with COMMAND's status. The verifier's log goes to $FERNDESK_VERIFIER_LOG (default: a temp file,
# printed if COMMAND fails).
set -euo pipefail

if [ $# -lt 3 ] || [ "$2" != "--" ]; then
  echo "usage: $0 SEED_FILE -- COMMAND [ARGS...]" >&2
  exit 2
fi
seed=$1
shift 2

port=${FERNDESK_VERIFIER_PORT:-8765}
workdir=$(mktemp -d)
log=${FERNDESK_VERIFIER_LOG:-$workdir/verifier.log}
export FERNDESK_VERIFIER_ADMIN_TOKEN=${FERNDESK_VERIFIER_ADMIN_TOKEN:-ci-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')}
export FERNDESK_VERIFIER_URL="http://127.0.0.1:$port"
verifier=${FERNDESK_VERIFIER_COMMAND:-ferndesk-verifier}

$verifier serve --host 127.0.0.1 --port "$port" --seed "$seed" \
  --database-url "sqlite:///$workdir/verifier.db" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -sf "$FERNDESK_VERIFIER_URL/healthz" >/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "verifier did not start" >&2; exit 1; fi
  sleep 0.1
done

status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then echo "--- ferndesk-verifier log ---" >&2; cat "$log" >&2; fi
cleanup
trap - EXIT
exit "$status"
