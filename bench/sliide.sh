#!/usr/bin/env bash
# bench/sliide.sh: the Sliide job (distinct active users per America/Chicago day with a user_engagement
# event of engagement_time_msec >= 3000) on a generated GA4 export: event-pipes as a shell pipeline, as
# one in-process chain, as the chain with 2 worker threads, and the recipe (scripts/active-users.sh, an
# incremental SQLite load), against DuckDB's lean query (bench/sliide-lean.sql: only the fields the job
# reads) and the wider one (bench/sliide.sql: every numeric kind of the param), 2 threads.
# Usage: bench/sliide.sh [SIZE_MB] (default 465; SMALL=1: 30); ROUNDS=N (default 3).
source "$(dirname "$0")/lib.sh"
size_mb=${1:-$([ "$SMALL" = 1 ] && echo 30 || echo 465)}
data="data/ga4-${size_mb}mb-seed7.ndjson"
[ -s "$data" ] || generate-ga4 --seed 7 --events $((size_mb * 1000000 / 1390)) --users 20000 --days 7 --out "$data"
bench_begin sliide "GA4 export, $(( $(stat -c %s "$data") / 1000000 )) MB, $(thousands "$(wc -l < "$data")") events"
warm "$data"

agg="count-by date -a 'active_user_count=distinct(user_pseudo_id)'"
cmd pipeline ours "shell pipeline \`filter-engaged | to-local-date | count-by\`" \
  "filter-engaged < $data | to-local-date --tz America/Chicago | $agg"
cmd chain ours "one chain \`event-pipes filter-engaged then to-local-date then count-by\`" \
  "event-pipes filter-engaged $data then to-local-date --tz America/Chicago then $agg"
cmd chain-t2 ours "the chain with \`--threads 2\`" \
  "event-pipes --threads 2 filter-engaged $data then to-local-date --tz America/Chicago then $agg"
cmd recipe ours "the recipe \`scripts/active-users.sh\` (incremental load into SQLite)" \
  "active-users.sh --db \$W/au.db --quiet $data"
cmd duckdb-lean duckdb "lean query (bench/sliide-lean.sql)" "node duckdb-run.mjs sliide-lean.sql FILE=$data"
cmd duckdb-wide duckdb "wide query (bench/sliide.sql)" "node duckdb-run.mjs sliide.sql FILE=$data"

rows='node norm.mjs --cols date,active_user_count $W/stdout'
for n in pipeline chain chain-t2 duckdb-lean duckdb-wide; do answer $n "$rows"; done
answer recipe "query-sqlite --db \$W/au.db 'SELECT date, active_user_count FROM active_user_table' | node norm.mjs --cols date,active_user_count"

row pipeline duckdb-lean
row chain duckdb-lean 1.2
row chain-t2 duckdb-lean
row recipe duckdb-lean
row chain duckdb-wide
bench_run
bench_end
