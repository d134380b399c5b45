#!/usr/bin/env bash
# Start this machine's PostgreSQL 15 and make the test role and database; print the URL.
# Used by `make test` to run the suite a second time on PostgreSQL. Needs root (apt, su);
# prints nothing and exits 1 when PostgreSQL cannot be had, so the caller can say so.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
  else
    exit 1
  fi
fi
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
[ -n "$version" ] || exit 1
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 50); do
  su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.2
done
su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='fv_test'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"create role fv_test login password 'fv_test'\"" >/dev/null
su postgres -c "psql -qAtc \"select 1 from pg_database where datname='fv_test'\"" | grep -q 1 ||
  su postgres -c "psql -qc 'create database fv_test owner fv_test'" >/dev/null
echo "postgresql+psycopg://fv_test:fv_test@127.0.0.1:5432/fv_test"
