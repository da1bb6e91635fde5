#!/usr/bin/env bash
# bench/loco.sh: the Loco clip-interest job. (1) The whole recipe, scripts/reel-interest.sh (final
# action, watched ratio, merge, decision; NDJSON and Parquet files), against DuckDB computing the same
# table from the same file and writing the same two files (bench/loco.sql); (2) final-action alone on
# like/unlike events (bench/gen-final-action.mjs) against DuckDB's arg_max (bench/final-action.sql).
# DuckDB with 2 threads. Usage: bench/loco.sh [RECIPE_EVENTS [FINAL_ACTION_EVENTS]] (default 1,000,000
# and 5,000,000: the recipe took 444 s on 5M events on 2026-12-02, too long for three rounds in
# `npm run bench`; SMALL=1: 200,000 and 200,000).
source "$(dirname "$0")/lib.sh"
events=${1:-$([ "$SMALL" = 1 ] && echo 200000 || echo 1000000)}
fa_events=${2:-$([ "$SMALL" = 1 ] && echo 200000 || echo 5000000)}
data="data/loco-${events}-seed5.ndjson"
[ -s "$data" ] || generate-loco --seed 5 --events "$events" --users 20000 --reels 100 --out "$data"
fa=$([ "$fa_events" = 5000000 ] && echo data/fa5m.ndjson || echo "data/fa-${fa_events}.ndjson")
[ -s "$fa" ] || node gen-final-action.mjs "$fa" "$fa_events"

bench_begin loco "$(thousands "$events") Loco events (watch 80%, like 15%, unlike 5%; 20,000 users x 100 reels), $(( $(stat -c %s "$data") / 1000000 )) MB"
warm "$data"

cmd recipe ours "the recipe \`scripts/reel-interest.sh\` (NDJSON + Parquet)" "reel-interest.sh --out \$W/out $data"
cmd duckdb duckdb "bench/loco.sql (NDJSON + Parquet)" "node duckdb-run.mjs loco.sql FILE=$data OUT=\$W"
cols=user_uid,reel_uid,liked,unliked,watched_ratio,is_interested
answer recipe "node norm.mjs --cols $cols \$W/out/reel_interest.ndjson"
answer duckdb "node norm.mjs --cols $cols \$W/reel_interest.ndjson"
row recipe duckdb
bench_run

bench_begin loco-final-action "$(thousands "$fa_events") like/unlike events over $(thousands $((fa_events * 4 / 5))) (user, reel) pairs, $(( $(stat -c %s "$fa") / 1000000 )) MB"
warm "$fa"
cmd final-action ours "\`final-action\` alone (NDJSON file)" "final-action $fa > \$W/final.ndjson"
cmd duckdb-fa duckdb "bench/final-action.sql (arg_max, CSV file)" "node duckdb-run.mjs final-action.sql FILE=$fa OUT=\$W/final.csv"
answer final-action "node norm.mjs --cols user_uid,reel_uid,liked \$W/final.ndjson"
answer duckdb-fa "node norm.mjs --csv --cols user_uid,reel_uid,liked \$W/final.csv"
row final-action duckdb-fa 0.8
bench_run
bench_end
