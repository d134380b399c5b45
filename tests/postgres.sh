#!/usr/bin/env bash
# A PostgreSQL database of its own for one test run: start this machine's PostgreSQL 15, make
# the test role and a fresh database named fv_run_<random>, print its URL. Two runs on one
# machine (two checkouts, two terminals) never share a database, so neither can drop the
# other's schemas. `tests/postgres.sh drop URL` drops that run's database again.
# Used by `make test`. Needs root (apt, su); prints nothing and exits 1 when PostgreSQL cannot
# be had, so the caller can say so.
set -euo pipefail

psql_as_postgres() { su postgres -c "psql -qAtc \"$1\""; }

if [ "${1:-}" = drop ]; then
  name=${2##*/}
  name=${name%%\?*}
  case $name in
    fv_run_[0-9a-f]*) ;;
    *) echo "tests/postgres.sh: refusing to drop '$name' (not a run database)" >&2; exit 2 ;;
  esac
  psql_as_postgres "drop database if exists $name with (force)" >/dev/null
  exit 0
fi

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
  psql_as_postgres 'select 1' >/dev/null 2>&1 && break
  sleep 0.2
done
psql_as_postgres "select 1 from pg_roles where rolname='fv_test'" | grep -q 1 ||
  psql_as_postgres "create role fv_test login password 'fv_test'" >/dev/null
name=fv_run_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
psql_as_postgres "create database $name owner fv_test" >/dev/null
echo "postgresql+psycopg://fv_test:fv_test@127.0.0.1:5432/$name"
