#!/usr/bin/env bash
# bench/insights-incremental.sh: does a batch of `insights.sh --incremental` cost what the batch holds,
# not what the database already holds? On the seed's generator output (default 1,000,000 interactions
# in daily partitions, 100,000 metadata rows, as bench/insights.sh): the first day fed into a new
# database, then every other day but the last in one batch, then the last day; after that, alternated
# ROUNDS times: the first day into a new database, and the last day fed again into the full one (it
# replaces its states: the same work as a new day). Prints wall seconds (best and median), the ratio
# last-day / first-day, and the stages of the last run (stage_stats). CHECK=1 also compares every table
# with one run without --incremental.
# Usage: bench/insights-incremental.sh [INTERACTIONS]   (env: ROUNDS=3, DIR=existing generate-insights output, CHECK=1)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
export PATH="$ROOT/bin:$ROOT/scripts:$PATH"
unset NODE_EXTRA_CA_CERTS
n=${1:-1000000}
dir=${DIR:-data/insights-${n}-seed1}
[ -s "$dir/user_metadata.csv" ] || { mkdir -p data; generate-insights --seed 1 --interactions "$n" --users $((n / 10)) --out "$dir"; }
mapfile -t days < <(ls "$dir"/interactions/*.csv)
first=${days[0]}; last=${days[$((${#days[@]} - 1))]}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
meta=(--metadata "$dir/user_metadata.csv")
secs() { local t0 t1; t0=$(date +%s.%N); "$@" 2> "$W/err" || { cat "$W/err" >&2; exit 1; }; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
echo "input: ${#days[@]} daily files in $dir ($(du -sm "$dir/interactions" | cut -f1) MB), --metadata, --jobs 2"
echo "first day, new database:        $(secs insights.sh --incremental --db "$W/inc.db" --jobs 2 "${meta[@]}" "$first") s"
echo "days 2..$((${#days[@]} - 1)), one batch:         $(secs insights.sh --incremental --db "$W/inc.db" --jobs 2 "${meta[@]}" "${days[@]:1:$((${#days[@]} - 2))}") s"
echo "day ${#days[@]} (the last), one batch: $(secs insights.sh --incremental --db "$W/inc.db" --jobs 2 "${meta[@]}" "$last") s"
a=(); b=()
for ((r = 1; r <= ${ROUNDS:-3}; r++)); do
  rm -f "$W"/one-day.db*
  a+=("$(secs insights.sh --incremental --db "$W/one-day.db" --jobs 2 "${meta[@]}" "$first")")
  b+=("$(secs insights.sh --incremental --db "$W/inc.db" --jobs 2 "${meta[@]}" "$last")")
done
stat() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "best %.2f s, median %.2f s", v[1], v[int((NR + 1) / 2)] }'; }
best() { printf '%s\n' "$@" | sort -n | head -n 1; }
echo "alternated, ${ROUNDS:-3} rounds:"
echo "  first day into a new database:        $(stat "${a[@]}")"
echo "  last day again into the full database: $(stat "${b[@]}")"
echo "  ratio last / first (best): $(echo "scale=2; $(best "${b[@]}") / $(best "${a[@]}")" | bc)"
echo "database: $(du -sm "$W/inc.db" | cut -f1) MB"
echo "stages of the last run (seconds, summed over processes):"
query-sqlite --db "$W/inc.db" --format table "SELECT tool, sum(records_in) AS records_in, round(sum(elapsed_s), 2) AS seconds FROM stage_stats WHERE run_at = (SELECT max(run_at) FROM stage_stats) GROUP BY tool ORDER BY seconds DESC"
if [ "${CHECK:-0}" = 1 ]; then
  insights.sh --db "$W/one.db" --jobs 2 "${meta[@]}" "${days[@]}" 2> /dev/null
  node --input-type=module -e '
import { dumpAll } from "../test/helpers/incremental.mjs";
const a = dumpAll(process.argv[1]), b = dumpAll(process.argv[2]);
const t = ["dau", "mau", "power_users", "retention", "app_version_p95", "device_performance", "device_performance_effect", "dau_anomalies", "session_metrics"];
const bad = t.filter((x) => a[x] !== b[x]);
console.log(bad.length ? `tables differ from one run: ${bad.join(", ")}` : `all ${t.length} tables equal one run without --incremental`);
process.exit(bad.length ? 1 : 0);' "$W/one.db" "$W/inc.db"
fi
