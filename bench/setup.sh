#!/usr/bin/env bash
# Installs the peers the benchmark compares against, idempotently: jq and Miller (Debian packages),
# GNU time, and DuckDB (npm @duckdb/node-api, into bench/node_modules only).
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v jq >/dev/null || need+=(jq)
command -v mlr >/dev/null || need+=(miller)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent
echo "jq $(jq --version), $(mlr --version), duckdb $(node duckdb-query.mjs 'SELECT version() AS v' | head -1)"
