#!/usr/bin/env bash
# Identify throughput with 1, 2 and 4 workers on SQLite and on PostgreSQL, each run against
# the bare Starlette+PyJWT ceiling measured in the same run (bench/identify.py).
#   bench/workers.sh [postgresql+psycopg://user:pass@127.0.0.1/empty_db]
set -euo pipefail
cd "$(dirname "$0")/.."
pg=${1:-}
for workers in 1 2 4; do
  .venv/bin/python bench/identify.py --workers "$workers" --duration 5 --rounds 2
done
if [ -n "$pg" ]; then
  for workers in 1 2 4; do
    .venv/bin/python bench/identify.py --workers "$workers" --duration 5 --rounds 2 \
      --database-url "$pg"
  done
fi
