#!/usr/bin/env bash
# `make bench`: the identify benchmark (installs wrk from Debian when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
exec .venv/bin/python bench/identify.py "$@"
