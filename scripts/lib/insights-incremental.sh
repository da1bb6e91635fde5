# shellcheck shell=bash
# scripts/lib/insights-incremental.sh: `insights.sh --incremental` and `insights.sh --hosts`, sourced
# by scripts/insights.sh (which parses the options: db, jobs, top, metadata, gap, report, cap, files,
# partition_key, incremental; here, me, usage_error).
#
# Each input file is a partition, keyed by its file name (or --partition-key for a single file). Its
# states are computed from it alone, in one process (a chain with fork) per partition, here (--jobs at a
# time, by GNU parallel) or on the hosts of --hosts (scripts/lib/hosts.sh):
#   dau, mau        count-by date / month --partial -a 'active_users=distinct(user_id)'
#   users           count-by user_id --partial -a 'total_duration_ms=sum(duration_ms)' (after clip with --cap-duration)
#   p95             page views: count-by app_version --partial -a 'n=count(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)'
#   dev             with --metadata: join, count-by device_type --partial (n, avg, p50, p95, sum, sumsq)
#   days            count-by user_id date --distinct: each user's active dates (their ISO weeks are kept)
#   sess            sessionize: the partition's sessions (start, end, pings) per user
# The database keeps them per partition (scripts/lib/insights-db.mjs says how): a partition fed again
# replaces its states. The tables are then recomputed from the merged states (count-by --merge,
# sessionize --end/--pings) of the keys the batch touched only; what spans everything from aggregates
# kept up to date user by user: retention from per-cohort counts, session_metrics from the counts of
# sessions per duration and their totals, power_users from the indexed per-user totals (the users
# whose total reaches the k-th largest, ranked by top), dau_anomalies from dau.

insights_partition() {  # IN OUT CAP GAP META(0|1); $metadata: the side file (there)
  local in=$1 out=$2 cap=$3 gap=$4 meta=$5 st=(--stats-file "$2.stats") clip=() dev=()
  : > "$out.stats"; : > "$out.dev"
  [ -z "$cap" ] || clip=(clip --field duration_ms --max "$cap" "${st[@]}" then)
  # (the side file's bad lines are said once, by insights_incremental before the partitions: each
  # partition skips them in silence, --side-quiet; a year of days said them 365 times)
  [ "$meta" = 0 ] || dev=('[' join --side "$metadata" --on user_id --key-match text --fields device_type --unmatched drop --side-quiet "${st[@]}"
    then where 'device_type!=null' 'device_type~.' "${st[@]}" then count-by device_type --partial -a 'n=count(duration_ms)' -a 'mean_duration_ms=avg(duration_ms)' -a 'p50_duration_ms=p50(duration_ms)'
      -a 'p95_duration_ms=p95(duration_ms)' -a 'sum_duration_ms=sum(duration_ms)' -a 'sumsq_duration_ms=sumsq(duration_ms)'
    then save "$out.dev" ']')
  ep from-csv --types duration_ms=int,app_version=string,user_id=string --require user_id,timestamp,action_type,duration_ms,app_version "${st[@]}" "$in" \
    then validate --require user_id --non-empty --range duration_ms=..9223372036854774784 "${st[@]}" \
    then to-local-date --field timestamp --tz UTC "${st[@]}" \
    then to-local-date --field timestamp --tz UTC --grain month --as month "${st[@]}" \
    then fork \
      [ count-by date --partial -a 'active_users=distinct(user_id)' then save "$out.dau" ] \
      [ count-by month --partial -a 'active_users=distinct(user_id)' then save "$out.mau" ] \
      [ ${clip[@]+"${clip[@]}"} count-by user_id --partial -a 'total_duration_ms=sum(duration_ms)' then save "$out.users" ] \
      [ where action_type=page_view 'app_version!=null' 'app_version~.' 'duration_ms!=null' "${st[@]}" then count-by app_version --partial -a 'n=count(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)' then save "$out.p95" ] \
      ${dev[@]+"${dev[@]}"} \
      [ count-by user_id date --distinct then save "$out.days" ] \
      [ sessionize --key user_id --time timestamp --gap "$gap" "${st[@]}" then save "$out.sess" ]
}
INSIGHTS_RESULTS=(dau mau users p95 dev days sess stats)

# a run without --incremental (and without --hosts) would replace the tables and leave the states
# behind: refused on a database that holds them
insights_refuse_states() {
  [ -s "$db" ] || return 0
  local n
  n=$(query-sqlite --db "$db" --format csv "SELECT count(*) AS n FROM sqlite_master WHERE name = 'insights_state'" 2> /dev/null | tail -n 1) || return 0
  [ "$n" = 0 ] || usage_error "$db holds partition states (fed with --incremental): feed it with --incremental, or use another database"
}

insights_incremental() {
  local full=$1 i f key work idb="$db" status=0
  # (--session-gap, --cap-duration, --top-percent, --jobs and --metadata are checked by insights.sh)
  [ "$full" = 0 ] || [ ${#files[@]} -gt 0 ] || usage_error "no INTERACTIONS.csv file given"
  [ -z "$partition_key" ] || [ ${#files[@]} = 1 ] || usage_error "--partition-key names the partition of one input file (got ${#files[@]} files)"
  # the partition keys: the file names (or --partition-key), distinct within a run; without
  # --incremental (--hosts: a scratch database, no key kept) each input is a partition of its own,
  # named by its place (eu/day.csv and us/day.csv were refused as one key, as a local run is not)
  local keys=()
  # (the batch's list is a line a partition, its fields split by tabs: a tab or a line break in a name
  # shifted them, and the partition's rows were stored as none, exit 0)
  local nl=$'\n' tab=$'\t'
  case $partition_key in *"$tab"* | *"$nl"*) usage_error "--partition-key $(printf '%q' "$partition_key"): a key with a tab or a line break cannot name a partition" ;; esac
  for f in "${files[@]}"; do
    case $f in *"$tab"* | *"$nl"*) usage_error "$(printf '%q' "$f"): a file whose name holds a tab or a line break cannot be a partition (rename it)" ;; esac
    f=$(cd "$(dirname -- "$f")" 2> /dev/null && pwd) || continue
    case $f in *"$tab"* | *"$nl"*) usage_error "$(printf '%q' "$f"): a folder whose name holds a tab or a line break cannot hold a partition (rename it)" ;; esac
  done
  for f in "${files[@]}"; do
    if [ "$full" = 1 ]; then keys+=("input $((${#keys[@]} + 1))"); continue; fi
    key=${partition_key:-$(basename -- "$f")}
    for i in ${keys[@]+"${keys[@]}"}; do [ "$i" != "$key" ] || usage_error "two inputs have the partition key '$key' (a partition is fed once a run; give one of them later)"; done
    keys+=("$key")
  done
  work=$(mktemp -d); trap 'trap "" INT TERM HUP; rm -rf "$work"' EXIT
  # without --incremental (--hosts): everything is built in a scratch database, and its tables replace
  # those of --db in one transaction at the end
  if [ "$full" = 1 ]; then insights_refuse_states; idb="$work/scratch.db"; fi
  mkdir -p "$(dirname "$db")"

  # 0. the side file read once here, its bad lines said and counted (stage_stats) as one join's (the
  # partitions' joins skip them in silence); one of which no record can be used fails the run now
  if [ -n "$metadata" ] && [ ${#files[@]} -gt 0 ]; then
    join --side "$metadata" --on user_id --key-match text --fields device_type --unmatched drop --stats-file "$work/side.stats" < /dev/null > /dev/null \
      || { echo "$me: --metadata $metadata cannot be used (said above): nothing was loaded" >&2; exit 1; }
  fi
  # 1. the partitions' states: on the hosts (--hosts), or here through GNU parallel (--jobs at a time)
  export metadata
  export -f insights_partition
  local run_args=(--stage insights_partition)
  for i in "${INSIGHTS_RESULTS[@]}"; do run_args+=(--result "$i"); done
  [ -z "$metadata" ] || run_args+=(--side metadata="$metadata")
  run_args+=(--arg "$cap" --arg "$gap" --arg "$([ -n "$metadata" ] && echo 1 || echo 0)")
  if [ ${#files[@]} -gt 0 ]; then
    if hosts_on; then
      hosts_setup "$me" "$work" "${files[@]}" || exit
      hosts_check || exit 1
    elif command -v parallel > /dev/null 2>&1; then
      # (this machine: a partition that fails is not tried again, it would fail the same way)
      HOSTS_SPEC="$jobs/:"; HOSTS_RETRIES=1; hosts_setup "$me" "$work" "${files[@]}" || exit
    else  # no GNU parallel: one partition after the other here
      HOSTS_DIR="$work/hosts"; HOSTS_OUT="$HOSTS_DIR/out"; HOSTS_COUNT=${#files[@]}
      ep() { event-pipes "$@"; }
      for ((i = 1; i <= HOSTS_COUNT; i++)); do
        mkdir -p "$HOSTS_OUT/$i"
        insights_partition "${files[$((i - 1))]}" "$HOSTS_OUT/$i/r" "$cap" "$gap" "$([ -n "$metadata" ] && echo 1 || echo 0)" \
          || { echo "$me: ${files[$((i - 1))]} failed: nothing was loaded" >&2; exit 1; }
        for f in "${INSIGHTS_RESULTS[@]}"; do mv "$HOSTS_OUT/$i/r.$f" "$HOSTS_OUT/$i/$f"; done
      done
    fi
    [ -n "${HOSTS_COUNT-}" ] || { hosts_run "${run_args[@]}" -- "${files[@]}" || exit 1; }
  fi
  : > "$work/list"
  for ((i = 1; i <= ${#files[@]}; i++)); do
    f=$(cd "$(dirname -- "${files[$((i - 1))]}")" && pwd)/$(basename -- "${files[$((i - 1))]}")
    printf '%s\t%s\t%s\n' "${keys[$((i - 1))]}" "$f" "$HOSTS_OUT/$i" >> "$work/list"
  done
  local stats="$work/stats.ndjson"
  [ ! -f "$work/side.stats" ] || cat "$work/side.stats" >> "$stats"
  for ((i = 1; i <= ${#files[@]}; i++)); do cat "$HOSTS_OUT/$i/stats" >> "$stats"; done
  [ -f "$stats" ] || : > "$stats"

  # 2. the states stored (one transaction), then the tables of the touched keys recomputed; one run at
  #    a time per database (a lock on DB.lock, held to the end)
  exec 9>>"$db.lock"
  flock 9
  local idbjs="$here/scripts/lib/insights-db.mjs"
  db_() { node "$idbjs" "$@"; }
  db_ apply "$idb" "$work/list" "{\"cap_duration\":\"$cap\",\"session_gap\":\"$gap\",\"metadata\":\"$([ -n "$metadata" ] && echo yes || echo no)\",\"user_ids\":\"text\"}" || exit
  local r="$work/r"; mkdir -p "$r"
  local up=(load-sqlite --db "$idb" --atomic --schema "$here/scripts/sql/insights.schema.sql" --stats-file "$stats")
  # a table replaced whole: the rows of keys not loaded go
  rep() { printf '%s\n' --table "$1" --key "$2" --post-sql "DELETE FROM $1 WHERE ($2) NOT IN (SELECT $2 FROM temp.loaded_keys)"; }
  local DEV=(-a 'n=count(duration_ms)' -a 'mean_duration_ms=avg(duration_ms)' -a 'p50_duration_ms=p50(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)' -a 'sum_duration_ms=sum(duration_ms)' -a 'sumsq_duration_ms=sumsq(duration_ms)')
  local a
  : > "$r/err"
  {
    db_ dump "$idb" "$r" &&
    # the touched keys' rows from their merged states (a chain each: merge, then upsert)
    event-pipes count-by date --merge --stats-file "$stats" -a 'active_users=distinct(user_id)' -i "$r/dau" then "${up[@]}" --table dau --key date 2>> "$r/err" &&
    event-pipes count-by month --merge --stats-file "$stats" -a 'active_users=distinct(user_id)' -i "$r/mau" then "${up[@]}" --table mau --key month 2>> "$r/err" &&
    event-pipes count-by app_version --merge --stats-file "$stats" -a 'n=count(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)' -i "$r/p95" \
      then "${up[@]}" --table app_version_p95 --key app_version 2>> "$r/err" &&
    { [ -z "$metadata" ] || event-pipes count-by device_type --merge --stats-file "$stats" "${DEV[@]}" -i "$r/dev" then "${up[@]}" --table device_performance --key device_type 2>> "$r/err"; } &&
    count-by user_id --merge --stats-file "$stats" -a 'total_duration_ms=sum(duration_ms)' -i "$r/users" > "$r/totals" &&
    sessionize --key user_id --time session_start --end session_end --pings pings --gap "$gap" --stats-file "$stats" -i "$r/stretches" > "$r/sessions" &&
    db_ store "$idb" "$r" "$top" &&
    # the tables over everything, from the maintained totals, sessions, cohort counts and dau
    mapfile -t a < <(rep power_users user_id) &&
    # (no power user, --top-percent 0 or no user with a duration: the table emptied; top refuses --n 0,
    # which failed every batch until a duration came)
    if [ "$(cat "$r/top-n")" = 0 ]; then "${up[@]}" "${a[@]}" -i "$r/top-candidates" 2>> "$r/err"
    else event-pipes top --by total_duration_ms --n "$(cat "$r/top-n")" --key user_id -i "$r/top-candidates" then "${up[@]}" "${a[@]}" 2>> "$r/err"; fi &&
    mapfile -t a < <(rep session_metrics all_users) &&
    "${up[@]}" "${a[@]}" -i "$r/session-metrics" 2>> "$r/err" &&
    mapfile -t a < <(rep retention cohort_week,week_offset) &&
    "${up[@]}" "${a[@]}" -i "$r/retention" 2>> "$r/err" &&
    mapfile -t a < <(rep dau_anomalies date) &&
    event-pipes query-sqlite --db "$idb" "SELECT date, active_users FROM dau ORDER BY date" \
      then anomalies --value active_users --order date --window 14 --fill 0 --all then "${up[@]}" "${a[@]}" 2>> "$r/err"
  } || status=1
  if [ "$status" != 0 ]; then
    grep -v ': inserted=' "$r/err" >&2 || true
    echo "$me: recomputing the tables failed (the partitions' states are stored: the next --incremental run, even without files, recomputes them)" >&2
    exit 1
  fi
  db_ finish "$idb" "$stats"
  [ "$full" = 0 ] || db_ copy-tables "$idb" "$db" || exit 1
  query-sqlite --db "$db" --format table "SELECT (SELECT count(*) FROM dau) AS days, (SELECT count(*) FROM mau) AS months, (SELECT count(*) FROM power_users) AS power_users, (SELECT count(*) FROM retention) AS retention_rows, (SELECT count(*) FROM app_version_p95) AS app_versions" >&2
  [ -z "$report" ] || { node "$here/dist/report/insights.js" --db "$db" --out "$report" && echo "$me: report in $report/report.md" >&2; }
  exit 0
}
