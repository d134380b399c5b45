#!/usr/bin/env bash
# Run a command with a ferndesk-verifier running beside it, then stop the verifier.
#
#   examples/ci/with-verifier.sh SEED_FILE -- COMMAND [ARGS...]
#
# Starts `ferndesk-verifier serve` on 127.0.0.1 (port $FERNDESK_VERIFIER_PORT, default: any free
# port) with a throw-away SQLite database and the seed (fixed widget ids and secrets, so your
# backend can be configured before the server runs), runs COMMAND with FERNDESK_VERIFIER_URL and
# FERNDESK_VERIFIER_ADMIN_TOKEN exported, stops the verifier and exits with COMMAND's status.
#
# COMMAND only ever talks to this script's own verifier: the URL comes from the verifier's
# banner, which it prints only once it listens (so with port 0 it names the port it got), and
# the verifier must still be running when COMMAND starts. If the port is taken, the verifier
# says so and exits, COMMAND never runs and the script exits 1: it never runs your tests against
# whatever else answers on that port. The verifier's log goes to $FERNDESK_VERIFIER_LOG
# (default: a temp file, printed if the verifier or COMMAND fails).
set -euo pipefail

if [ $# -lt 3 ] || [ "$2" != "--" ]; then
  echo "usage: $0 SEED_FILE -- COMMAND [ARGS...]" >&2
  exit 2
fi
seed=$1
shift 2

port=${FERNDESK_VERIFIER_PORT:-0}
workdir=$(mktemp -d)
log=${FERNDESK_VERIFIER_LOG:-$workdir/verifier.log}
export FERNDESK_VERIFIER_ADMIN_TOKEN=${FERNDESK_VERIFIER_ADMIN_TOKEN:-ci-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')}
verifier=${FERNDESK_VERIFIER_COMMAND:-ferndesk-verifier}

: >"$log"  # exists before the server's shell opens it: the loop below reads it at once
$verifier serve --host 127.0.0.1 --port "$port" --seed "$seed" \
  --database-url "sqlite:///$workdir/verifier.db" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT
failed() {
  cat "$log" >&2
  echo "$1" >&2
  exit 1
}

# The banner ("ferndesk-verifier on http://127.0.0.1:PORT (database ...)") is printed once the
# port is ours; the URL in it is the only one COMMAND is given.
url=
for _ in $(seq 1 600); do
  url=$(sed -n 's|^ferndesk-verifier on \(http://[^ ]*\) .*|\1|p' "$log" | head -n 1)
  if [ -n "$url" ]; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then failed "verifier did not start"; fi
  sleep 0.1
done
[ -n "$url" ] || failed "verifier did not start in 60 s"
export FERNDESK_VERIFIER_URL=$url

# Listening is not yet serving: wait for /healthz, from our verifier (still alive) only.
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then failed "verifier stopped before it was ready"; fi
  if curl -sf "$FERNDESK_VERIFIER_URL/healthz" >/dev/null; then break; fi
  sleep 0.1
done
curl -sf "$FERNDESK_VERIFIER_URL/healthz" >/dev/null || failed "verifier not ready in 60 s"
kill -0 "$pid" 2>/dev/null || failed "verifier stopped before it was ready"

status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then echo "--- ferndesk-verifier log ---" >&2; cat "$log" >&2; fi
cleanup
trap - EXIT
exit "$status"
