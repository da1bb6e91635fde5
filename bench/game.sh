#!/usr/bin/env bash
# bench/game.sh: the game (Nordeus) tables from a generated event stream with every rule's awkward cases
# (bench/gen-game.mjs): the recipe scripts/game-stats.sh (cleaning with every rule and the rejects file,
# sessions, match points, an incremental SQLite load with its state) against DuckDB computing the three
# tables from the same file (bench/game.sql) into a DuckDB file, 2 threads; the three tables compared.
# Usage: bench/game.sh [EVENTS] (default about 1,000,000; SMALL=1: 50,000).
source "$(dirname "$0")/lib.sh"
events=${1:-$([ "$SMALL" = 1 ] && echo 50000 || echo 1000000)}
data="data/game-${events}-seed3.ndjson"
[ -s "$data" ] || node gen-game.mjs "$data" "$events" 3
bench_begin game "$(thousands "$(wc -l < "$data")") game events (registrations, pings, matches; every rule's awkward cases), $(( $(stat -c %s "$data") / 1000000 )) MB"
warm "$data"

cmd recipe ours "the recipe \`scripts/game-stats.sh\` (SQLite, with the state for later loads)" \
  "game-stats.sh --db \$W/game.db --timezones \$REAL/nordeus-game/timezones.jsonl --rejects \$W/rejects.ndjson $data"
cmd duckdb duckdb "bench/game.sql (tables in a DuckDB file)" "node duckdb-run.mjs --db \$W/game.duckdb game.sql FILE=$data TIMEZONES=\$REAL/nordeus-game/timezones.jsonl"
tables="'registration_data user_id,country,registration_date_local_timezone,registration_date_utc,device'"
tables+=" 'session_data user_id,date,session_count,time_spent_in_game' 'match_data user_id,date,total_duration,total_points_home,total_points_away'"
answer recipe "bash answer-tables.sh sqlite \$W/game.db $tables"
answer duckdb "bash answer-tables.sh duckdb \$W/game.duckdb $tables"
row recipe duckdb
bench_run
bench_end
