#!/usr/bin/env bash
# Run a command with a ferndesk-verifier running beside it, then stop the verifier.
#
#   examples/ci/with-verifier.sh SEED_FILE -- COMMAND [ARGS...]
#
# A thin wrapper, kept for the CI jobs that call it, over what now does the work:
#
#   ferndesk-verifier exec --host 127.0.0.1 --seed SEED_FILE -- COMMAND [ARGS...]
#
# which starts a fresh verifier (a throw-away SQLite database, any free port unless
# FERNDESK_VERIFIER_PORT is set), waits until it is healthy, runs COMMAND with
# FERNDESK_VERIFIER_URL and FERNDESK_VERIFIER_ADMIN_TOKEN exported (and, when the seed gives
# exactly one help center a secret, FERNDESK_JWT_SECRET and FERNDESK_WIDGET_ID), stops the
# verifier and exits with COMMAND's status. It never runs COMMAND against a server it did not
# start: if the port is taken, COMMAND never runs and the status is 1. The verifier's log goes to
# $FERNDESK_VERIFIER_LOG (default: a temp file, printed if COMMAND fails). See
# `ferndesk-verifier exec --help`; $FERNDESK_VERIFIER_COMMAND replaces `ferndesk-verifier`.
set -euo pipefail

if [ $# -lt 3 ] || [ "$2" != "--" ]; then
  echo "usage: $0 SEED_FILE -- COMMAND [ARGS...]" >&2
  exit 2
fi
seed=$1
shift 2

log=()
if [ -n "${FERNDESK_VERIFIER_LOG:-}" ]; then log=(--server-log "$FERNDESK_VERIFIER_LOG"); fi
# Unquoted on purpose: FERNDESK_VERIFIER_COMMAND may be several words ("python -m verifier").
# shellcheck disable=SC2086
exec ${FERNDESK_VERIFIER_COMMAND:-ferndesk-verifier} exec --host 127.0.0.1 --seed "$seed" \
  ${log[@]+"${log[@]}"} -- "$@"
