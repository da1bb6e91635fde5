#!/usr/bin/env bash
# bench/run.sh [SIZE_MB] [ROUNDS]: the Sliide job on the same generated GA4 file with event-pipes, jq,
# Miller and DuckDB, the commands alternated in rounds within one run; wall time (best of the rounds),
# MB/s, events/s, peak RSS of the largest process, and whether each answer equals DuckDB's.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
size_mb=${1:-465}; rounds=${2:-3}; seed=7
bash setup.sh >/dev/null
mkdir -p data results
events=$(( size_mb * 1000000 / 1390 ))
data="data/ga4-${size_mb}mb-seed${seed}.ndjson"
[ -s "$data" ] || "$root/scripts/generate-ga4" --seed "$seed" --events "$events" --users 20000 --days 7 --out "$data"
bytes=$(stat -c %s "$data"); lines=$(wc -l < "$data")
cat "$data" > /dev/null  # warm the page cache

declare -A cmd
cmd[event-pipes]="$root/bin/filter-engaged < $data | $root/bin/to-local-date --tz America/Chicago | $root/bin/count-by date -a 'active_user_count=distinct(user_pseudo_id)'"
cmd[jq]="TZ=America/Chicago jq -r 'select(.event_name == \"user_engagement\") | select(any(.event_params[]; .key == \"engagement_time_msec\" and (((.value.int_value // .value.double_value // .value.float_value // \"0\") | tonumber) >= 3000))) | [(.event_timestamp | tonumber / 1000000 | floor | strflocaltime(\"%Y-%m-%d\")), .user_pseudo_id] | @tsv' < $data | sort -u | cut -f1 | uniq -c"
cmd[miller]="mlr --ijson --ocsv --from $data filter '\$event_name == \"user_engagement\"' then put 'var ok = false; for (i, p in \$event_params) { if (p[\"key\"] == \"engagement_time_msec\" && float(p[\"value\"][\"int_value\"] ?? p[\"value\"][\"double_value\"]) >= 3000) { ok = true } } filter ok; \$date = strftime_local(int(\$event_timestamp) // 1000000, \"%Y-%m-%d\", \"America/Chicago\")' then cut -o -f date,user_pseudo_id then count-distinct -f date,user_pseudo_id then count -g date"
cmd[duckdb]="env -u NODE_EXTRA_CA_CERTS node duckdb-query.mjs \"\$(sed 's|{{FILE}}|$data|' sliide.sql)\" 2"
names=(event-pipes jq miller duckdb)

# normalise every answer to "date count" lines
norm() {
  case "$1" in
    event-pipes|duckdb) sed -E 's/.*"date":"([^"]+)".*"active_user_count":"?([0-9]+)"?.*/\1 \2/' ;;
    jq) awk '{print $2, $1}' ;;
    miller) tail -n +2 | tr ',' ' ' ;;
  esac
}

declare -A best rss same
for r in $(seq "$rounds"); do
  for n in "${names[@]}"; do
    out="results/$n.out"
    /usr/bin/time -f '%e %M' -o results/time.txt bash -c "${cmd[$n]}" > "$out" 2>/dev/null
    read -r secs kb < results/time.txt
    norm "$n" < "$out" | sort > "results/$n.norm"
    if [ -z "${best[$n]:-}" ] || awk -v a="$secs" -v b="${best[$n]}" 'BEGIN{exit !(a<b)}'; then best[$n]=$secs; fi
    rss[$n]=$kb
    echo "round $r: $n ${secs}s ${kb}KB" >&2
  done
done
for n in "${names[@]}"; do cmp -s "results/$n.norm" results/duckdb.norm && same[$n]=yes || same[$n]=NO; done

{
  echo "# Sliide job, $(date -u +%Y-%m-%d), $(nproc) cores, $(node --version)"
  echo
  echo "input: $data, $((bytes / 1000000)) MB, $lines events; best of $rounds alternated rounds; start-up included"
  echo
  echo "| tool | seconds | MB/s | events/s | peak RSS MB | same counts as DuckDB | event-pipes speed vs this |"
  echo "|---|---|---|---|---|---|---|"
  for n in "${names[@]}"; do
    awk -v n="$n" -v s="${best[$n]}" -v b="$bytes" -v l="$lines" -v kb="${rss[$n]}" -v same="${same[$n]}" -v ours="${best[event-pipes]}" \
      'BEGIN { printf "| %s | %.2f | %.0f | %.0f | %.0f | %s | %.2fx |\n", n, s, b/1e6/s, l/s, kb/1024, same, s/ours }'
  done
} | tee results/latest.md
