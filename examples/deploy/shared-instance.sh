#!/usr/bin/env bash
# A team's shared ferndesk-verifier: N workers on one PostgreSQL database, on this host.
#
#   DATABASE_URL=postgresql+psycopg://user:pass@db-host:5432/ferndesk \
#   ADMIN_TOKEN=... WORKERS=4 PORT=8765 examples/deploy/shared-instance.sh
#
# Installs the package (with the PostgreSQL driver) into ./.verifier-venv on first use, then
# runs `ferndesk-verifier serve` in the foreground (put it under systemd, supervisord or your
# CI's service runner). The schema is migrated once at start, under an advisory lock, however
# many instances start together; several hosts can point at the same database behind a load
# balancer and behave as one (one binding per email, one clock, one fault queue, one journal).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to a postgresql+psycopg:// URL}"
: "${ADMIN_TOKEN:?set ADMIN_TOKEN (every admin and emulator call needs it)}"
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VERIFIER_VENV:-$here/.verifier-venv}
if [ ! -x "$venv/bin/ferndesk-verifier" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "$here[postgres]"
fi
exec "$venv/bin/ferndesk-verifier" serve \
  --host "${HOST:-0.0.0.0}" --port "${PORT:-8765}" --workers "${WORKERS:-4}" \
  --database-url "$DATABASE_URL" --admin-token "$ADMIN_TOKEN" \
  --db-wait "${DB_WAIT:-60}" --log-level "${LOG_LEVEL:-info}"
