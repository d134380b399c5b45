#!/usr/bin/env bash
# Identify throughput with 1, 2 and 4 workers on SQLite and on PostgreSQL, each run against
# the bare Starlette+PyJWT ceiling measured in the same run (bench/identify.py). Extra
# arguments go to every run (e.g. --users 1 for the one-hot-row worst case).
#   bench/workers.sh [postgresql+psycopg://user:pass@127.0.0.1/db_for_the_bench] [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
pg=${1:-}
if [ $# -gt 0 ]; then shift; fi
for workers in 1 2 4; do
  .venv/bin/python bench/identify.py --workers "$workers" --duration 5 --rounds 2 "$@"
done
if [ -n "$pg" ]; then
  for workers in 1 2 4; do
    .venv/bin/python bench/identify.py --workers "$workers" --duration 5 --rounds 2 \
      --database-url "$pg" "$@"
  done
fi
