#!/usr/bin/env bash
# bench/insights.sh: the Insights job on the seed's generator output (scripts/generate-insights: daily CSV
# partitions and user metadata): the recipe scripts/insights.sh --jobs 2 --metadata (SQLite) against
# DuckDB computing the same seven tables (dau, mau, power_users, retention, app_version_p95,
# device_performance, session_metrics; bench/insights.sql) into a DuckDB file, 2 threads; every table
# compared. (The recipe also writes dau_anomalies and stage_stats, which DuckDB does not compute.)
# Usage: bench/insights.sh [INTERACTIONS] (default 1,000,000 over 100,000 metadata rows; SMALL=1: 50,000 / 5,000).
source "$(dirname "$0")/lib.sh"
n=${1:-$([ "$SMALL" = 1 ] && echo 50000 || echo 1000000)}
dir="data/insights-${n}-seed1"
[ -s "$dir/user_metadata.csv" ] || generate-insights --seed 1 --interactions "$n" --users $((n / 10)) --out "$dir"
bench_begin insights "$(thousands "$n") interactions in $(ls "$dir/interactions" | wc -l) daily CSV files, $(du -sm "$dir/interactions" | cut -f1) MB; $(thousands $((n / 10))) metadata rows"
warm "$dir"/interactions/*.csv "$dir/user_metadata.csv"

cmd recipe ours "the recipe \`scripts/insights.sh --jobs 2\` (SQLite)" \
  "insights.sh --db \$W/ins.db --jobs 2 --metadata $dir/user_metadata.csv $dir/interactions/*.csv"
cmd duckdb duckdb "bench/insights.sql (tables in a DuckDB file)" "node duckdb-run.mjs --db \$W/ins.duckdb insights.sql DIR=$dir"
tables="'dau date,active_users' 'mau month,active_users' 'power_users user_id,total_duration_ms,rank'"
tables+=" 'retention cohort_week,week_offset,cohort_size,retained_users,retention_rate' 'app_version_p95 app_version,n,p95_duration_ms'"
tables+=" 'device_performance device_type,n,mean_duration_ms,p50_duration_ms,p95_duration_ms,sum_duration_ms,sumsq_duration_ms'"
tables+=" 'session_metrics all_users,sessions,users,sessions_per_user,avg_duration_s,p50_duration_s,p95_duration_s,avg_actions_per_session'"
answer recipe "bash answer-tables.sh sqlite \$W/ins.db $tables"
answer duckdb "bash answer-tables.sh duckdb \$W/ins.duckdb $tables"
row recipe duckdb 0.5
bench_run
bench_end
