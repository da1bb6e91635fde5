#!/usr/bin/env bash
# bench/lingokids.sh: the Lingokids engagement cube from raw events (generate-lingokids against the real
# users and activities): the recipe scripts/engagement.sh (dedupe, where, two joins, subscription
# status, local date, facts per event, incremental SQLite load of the facts and the cube) against
# DuckDB computing the daily cube from the same files (bench/lingokids-events.sql, bench/lingokids.sql) into a DuckDB database file,
# 2 threads, and DuckDB keeping the same tables as the recipe (bench/lingokids-facts.sql: the facts by
# event_id, which a later load needs to skip events already counted, and the cube from them; a second
# row, no bar). The cube rows must be equal. Usage: bench/lingokids.sh [EVENTS] (default 1,000,000; SMALL=1: 50,000).
source "$(dirname "$0")/lib.sh"
events=${1:-$([ "$SMALL" = 1 ] && echo 50000 || echo 1000000)}
data="data/lingokids-${events}-seed9.ndjson"
[ -s "$data" ] || generate-lingokids --seed 9 --events "$events" --users "$REAL/lingokids/users.json" --activities "$REAL/lingokids/activities.json" --out "$data"
bench_begin lingokids "$(thousands "$events") raw Lingokids events, $(( $(stat -c %s "$data") / 1000000 )) MB; the real users.json and activities.json"
warm "$data" "$REAL/lingokids/users.json" "$REAL/lingokids/activities.json"

cmd recipe ours "the recipe \`scripts/engagement.sh\` (facts and cube in SQLite)" \
  "engagement.sh --db \$W/lk.db --users \$REAL/lingokids/users.json --activities \$REAL/lingokids/activities.json $data"
cmd duckdb duckdb "bench/lingokids.sql (the cube in a DuckDB file)" \
  "node duckdb-run.mjs --db \$W/lk.duckdb lingokids-events.sql lingokids.sql EVENTS=$data USERS=\$REAL/lingokids/users.json ACTIVITIES=\$REAL/lingokids/activities.json"
cmd duckdb-facts duckdb "bench/lingokids-facts.sql (the same tables: the facts by event_id, the cube from them)" \
  "node duckdb-run.mjs --db \$W/lkf.duckdb lingokids-events.sql lingokids-facts.sql EVENTS=$data USERS=\$REAL/lingokids/users.json ACTIVITIES=\$REAL/lingokids/activities.json"
cols=date,country,os_name,os_version,app_version,subscription_status,activity_id,activity_type,activity_subtype,collection_id,plays,completed_plays,total_duration_s
answer recipe "query-sqlite --db \$W/lk.db 'SELECT * FROM activity_engagement_daily' | node norm.mjs --cols $cols"
answer duckdb "node duckdb-run.mjs --db \$W/lk.duckdb -e \"COPY activity_engagement_daily TO '\$W/cube.csv' (HEADER)\" > /dev/null && node norm.mjs --csv --cols $cols \$W/cube.csv"
answer duckdb-facts "node duckdb-run.mjs --db \$W/lkf.duckdb -e \"COPY activity_engagement_daily TO '\$W/cube.csv' (HEADER)\" > /dev/null && node norm.mjs --csv --cols $cols \$W/cube.csv"
row recipe duckdb 0.7
row recipe duckdb-facts
bench_run
bench_end
