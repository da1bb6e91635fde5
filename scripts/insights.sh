#!/usr/bin/env bash
# Insights: interaction CSVs -> DAU, MAU, power users, retention, anomalies.
# User interactions as CSV partitions -> dau, mau, power_users, retention, app_version_p95,
# device performance, anomalies and sessions in SQLite (and report.md with --report), partitions
# processed in parallel (--jobs) with mergeable partial aggregates (count-by --partial / --merge),
# per-stage figures in stage_stats.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
. "$here/scripts/lib/hosts.sh"
. "$here/scripts/lib/insights-incremental.sh"
me=insights.sh
usage_error() { echo "$me: $1 (try '$me --help')" >&2; exit 2; }
need() { [ -n "${2-}" ] || usage_error "$1 needs a value"; }
help() {
  cat <<'EOF'
usage: insights.sh --db FILE [--jobs N] [--top-percent P] [--cap-duration MS] [--metadata FILE]
                   [--session-gap SECONDS] [--report DIR] INTERACTIONS.csv...
   or: insights.sh --incremental --db FILE [--partition-key KEY] [options] [INTERACTIONS.csv...]
   or: insights.sh --hosts LIST|@FILE [--incremental] --db FILE [options] INTERACTIONS.csv...
   or: event-pipes insights ARGS

Insights: user interactions (CSV with user_id, timestamp, action_type, page_id, duration_ms and
app_version; e.g. one file per day, as generate-insights writes them) into the SQLite tables dau,
mau, power_users, retention, app_version_p95, dau_anomalies, session_metrics and stage_stats (and
device_performance with --metadata). The files are processed in --jobs groups in parallel with
mergeable partial aggregates; every table is replaced whole by a run.

Options:
  --db FILE              the SQLite database (created if missing)
  --jobs N               groups of files processed in parallel (default 1; by GNU parallel when it
                         is installed, else by background jobs)
  --top-percent P        power_users: the top P% of active users by total duration_ms (default 1)
  --cap-duration MS      cap each interaction's duration_ms before the power-user ranking (default:
                         no cap)
  --metadata FILE        user metadata CSV (user_id, device_type, ...): adds device_performance
  --session-gap SECONDS  a longer gap between a user's interactions starts a new session (default
                         1800)
  --report DIR           also write DIR/report.md with SVG charts
  --incremental          add these partitions to what the database holds (see below)
  --partition-key KEY    with --incremental and one file: its partition key (default: its file name)
  -h, --help             print this help and exit

Incremental (--incremental): each input file is a partition (e.g. one day), keyed by its file name.
Its states are computed from it alone and kept in the database per partition (insights_state: the
count-by --partial states of dau, mau, the per-user sums, p95 per app version and device stats;
insights_part_weeks: each user's active weeks; insights_part_sessions: its sessions, start, end and
pings, so that a session across midnight joins its two days). A partition fed again REPLACES its
states (a corrected day is fed again under the same name). The tables are then recomputed from the
merged states of the keys this batch touched (its dates, months, app versions, devices and users);
power_users, session_metrics, retention and dau_anomalies from per-user totals, sessions and
per-cohort counts kept up to date. Partitions fed in any order, in any number of runs, with repeats,
give the tables of one run over all of them. --cap-duration, --session-gap and --metadata (given or
not) are stored with the first batch; a later one with others is refused (exit 2), and so is a run
without --incremental on such a database (it would leave the states behind), or --incremental on a
database written without it. With no file, the tables are recomputed (what a run that failed after
storing its states leaves to the next one). One run at a time per database (a lock on FILE.lock).

Exit status: 0 done, 1 a failure (said on stderr), 2 a usage error. See docs/recipes/insights.md.

Examples:
  event-pipes insights --db insights.db --jobs 2 interactions/*.csv
      the tables from every daily file, two groups in parallel
  event-pipes insights --db insights.db --metadata user_metadata.csv --report report \
    interactions/*.csv
      also device_performance, and report/report.md with its charts
  event-pipes insights --incremental --db daily.db interactions/date=2023-03-0*.csv
      feed the first days of March; later runs add (or replace) other days
  event-pipes insights --incremental --db daily.db --partition-key date=2023-03-02.csv day2.csv
      a day's file under another name: it replaces the partition date=2023-03-02.csv
  event-pipes insights --hosts 2/: --metadata user_metadata.csv --db insights.db interactions/*.csv
      the per-partition stage by GNU parallel (`2/:`: two jobs on this host; or ssh hosts)
EOF
  hosts_help
  exit 0
}
db=""; jobs=1; top=1; metadata=""; gap=1800; report=""; cap=""; files=(); incremental=0; partition_key=""
while [ $# -gt 0 ]; do
  case "$1" in
    --db) need "$@"; db=$2; shift 2 ;;
    --jobs) need "$@"; jobs=$2; shift 2 ;;
    --top-percent) need "$@"; top=$2; shift 2 ;;
    --metadata) need "$@"; metadata=$2; shift 2 ;;
    --session-gap) need "$@"; gap=$2; shift 2 ;;
    --report) need "$@"; report=$2; shift 2 ;;
    --cap-duration) need "$@"; cap=$2; shift 2 ;;   # cap each interaction's duration_ms before the power-user ranking (off by default)
    --incremental) incremental=1; shift ;;
    --partition-key) need "$@"; partition_key=$2; shift 2 ;;
    --hosts|--remote-path|--retries) need "$@"; hosts_opt "$1" "$2"; shift 2 ;;
    --shared-storage) hosts_opt "$1"; shift ;;
    -h|--help) help ;;
    --) shift; files+=("$@"); break ;;
    -?*) usage_error "unknown option $1" ;;
    *) files+=("$1"); shift ;;
  esac
done
[ -n "$db" ] || usage_error "missing --db FILE"
# --incremental, and --hosts: per-partition states (scripts/lib/insights-incremental.sh)
if [ "$incremental" = 1 ] || hosts_on; then insights_incremental "$((1 - incremental))"; fi
[ -z "$partition_key" ] || usage_error "--partition-key goes with --incremental"
insights_refuse_states
[ ${#files[@]} -gt 0 ] || usage_error "no INTERACTIONS.csv file given"
[[ $jobs =~ ^[1-9][0-9]{0,2}$ ]] || usage_error "--jobs takes a number of parallel groups (got '$jobs')"
[[ $top =~ ^[0-9]+([.][0-9]+)?$ ]] || usage_error "--top-percent takes a number (got '$top')"
[[ $gap =~ ^[0-9]+$ ]] || usage_error "--session-gap takes a whole number of seconds (got '$gap')"
[[ -z $cap || $cap =~ ^[0-9]+$ ]] || usage_error "--cap-duration takes a whole number of milliseconds (got '$cap')"
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
stats="$work/stats.ndjson"; : > "$stats"

# 1. the partitions split into --jobs groups processed in parallel: CSV -> NDJSON with the UTC date and
#    month, then partial aggregates per group (count-by --partial), merged below
part() {
  local n=$1; shift
  from-csv --types duration_ms=int,app_version=string --stats-file "$stats" "$@" \
    | to-local-date --field timestamp --tz UTC --stats-file "$stats" \
    | to-local-date --field timestamp --tz UTC --grain month --as month --stats-file "$stats" > "$work/$n.part.ndjson"
  count-by date --partial -a 'active_users=distinct(user_id)' -i "$work/$n.part.ndjson" > "$work/$n.dau"
  count-by month --partial -a 'active_users=distinct(user_id)' -i "$work/$n.part.ndjson" > "$work/$n.mau"
  if [ -n "$cap" ]; then clip --field duration_ms --max "$cap" --stats-file "$stats" -i "$work/$n.part.ndjson"; else cat "$work/$n.part.ndjson"; fi \
    | count-by user_id --partial -a 'total_duration_ms=sum(duration_ms)' > "$work/$n.users"
  where action_type=page_view -i "$work/$n.part.ndjson" | count-by app_version --partial -a 'n=count()' -a 'p95_duration_ms=p95(duration_ms)' > "$work/$n.p95"
  if [ -n "$metadata" ]; then  # device type from the metadata (the first row of a repeated user_id wins)
    join --side "$metadata" --on user_id --fields device_type --unmatched drop --stats-file "$stats" -i "$work/$n.part.ndjson" \
      | count-by device_type --partial -a 'n=count()' -a 'mean_duration_ms=avg(duration_ms)' -a 'p50_duration_ms=p50(duration_ms)' \
          -a 'p95_duration_ms=p95(duration_ms)' -a 'sum_duration_ms=sum(duration_ms)' -a 'sumsq_duration_ms=sumsq(duration_ms)' > "$work/$n.dev"
  fi
}
# groups of partitions (round robin), one list file each
for ((g = 0; g < jobs; g++)); do
  : > "$work/group-$g.list"
  for ((i = g; i < ${#files[@]}; i += jobs)); do printf '%s\n' "${files[$i]}" >> "$work/group-$g.list"; done
  [ -s "$work/group-$g.list" ] || rm "$work/group-$g.list"
done
if command -v parallel >/dev/null 2>&1; then   # GNU parallel (Debian package parallel): stops everything on the first failure
  export -f part; export work stats cap metadata PATH
  parallel --halt now,fail=1 -j "$jobs" 'mapfile -t fs < {}; part "$(basename {} .list)" "${fs[@]}"' ::: "$work"/group-*.list \
    || { echo "insights.sh: a partition group failed" >&2; exit 1; }
else                                            # without it: background jobs
  pids=()
  for l in "$work"/group-*.list; do mapfile -t fs < "$l"; part "$(basename "$l" .list)" "${fs[@]}" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || { echo "insights.sh: a partition group failed" >&2; exit 1; }; done
fi

# 2. merge the partials and load (each table replaced whole, in one transaction)
load() { load-sqlite --db "$db" --table "$1" --key "$2" --atomic --schema "$here/scripts/sql/insights.schema.sql" \
  --post-sql "DELETE FROM $1 WHERE ($2) NOT IN (SELECT $2 FROM temp.loaded_keys)" --stats-file "$stats"; }
cat "$work"/*.dau | count-by date --merge -a 'active_users=distinct(user_id)' | load dau date

# retention and sessions read every interaction: they run in the background beside the small merges
# below (2 cores) and leave files, loaded after them (an --atomic load holds SQLite's write lock from
# its first row to its last, so loads are not run beside long-running producers)
# retention: weekly cohorts of the last 6 months (26 weeks before the last week in the data)
last=$(query-sqlite --db "$db" "SELECT max(date) AS d FROM dau" | sed -E 's/.*"d":"([^"]+)".*/\1/')
since=$(node -e "const d=new Date(process.argv[1]+'T00:00:00Z'); d.setUTCDate(d.getUTCDate()-((d.getUTCDay()+6)%7)-7*25); console.log(d.toISOString().slice(0,10))" "$last")
retention_job() {
  cat "$work"/*.part.ndjson | retention --user user_id --date date --since "$since" --stats-file "$stats" > "$work/retention.ndjson"
}
# sessions: a gap of more than --session-gap seconds (30 min) between a user's interactions starts a new one
sessions_job() {
  cat "$work"/*.part.ndjson | sessionize --key user_id --time timestamp --gap "$gap" --stats-file "$stats" \
    | count-by all_users=none -a 'sessions=count()' -a 'users=distinct(user_id)' -a 'avg_duration_s=avg(duration_s)' \
        -a 'p50_duration_s=p50(duration_s)' -a 'p95_duration_s=p95(duration_s)' -a 'avg_actions_per_session=avg(pings)' \
    | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{for(const l of t.split("\n").filter(Boolean)){const r=JSON.parse(l);r.all_users="all";r.sessions_per_user=r.users?r.sessions/r.users:null;console.log(JSON.stringify(r));}})' \
    > "$work/sessions.ndjson"
}
retention_job & retention_pid=$!
sessions_job & sessions_pid=$!

cat "$work"/*.mau | count-by month --merge -a 'active_users=distinct(user_id)' \
  | sed -E 's/"month":"([0-9]{4}-[0-9]{2})-01"/"month":"\1"/' | load mau month
cat "$work"/*.users | count-by user_id --merge -a 'total_duration_ms=sum(duration_ms)' \
  | top --by total_duration_ms --percent "$top" --key user_id | load power_users user_id
cat "$work"/*.p95 | count-by app_version --merge -a 'n=count()' -a 'p95_duration_ms=p95(duration_ms)' | load app_version_p95 app_version
DEV=(-a 'n=count()' -a 'mean_duration_ms=avg(duration_ms)' -a 'p50_duration_ms=p50(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)' -a 'sum_duration_ms=sum(duration_ms)' -a 'sumsq_duration_ms=sumsq(duration_ms)')
[ -z "$metadata" ] || cat "$work"/*.dev | count-by device_type --merge "${DEV[@]}" | load device_performance device_type
query-sqlite --db "$db" "SELECT date, active_users FROM dau ORDER BY date" | anomalies --value active_users --order date --window 14 --all | load dau_anomalies date
wait "$retention_pid" || { echo "insights.sh: the retention step failed" >&2; exit 1; }
wait "$sessions_pid" || { echo "insights.sh: the sessions step failed" >&2; exit 1; }
load retention cohort_week,week_offset < "$work/retention.ndjson"
load session_metrics all_users < "$work/sessions.ndjson"

# 3. per-stage figures (the equivalent of Spark's accumulators and stage view)
node -e '
const fs = require("fs"); const rows = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const now = new Date().toISOString();
for (const r of rows) console.log(JSON.stringify({ run_at: now, tool: r.tool, records_in: r.in, records_out: r.out, rejected: r.rejected,
  reasons: JSON.stringify(r.reasons), counters: JSON.stringify(r.counters), elapsed_s: r.elapsed_s, bytes_in: r.bytes_in, argv: r.argv.join(" ") }));' "$stats" \
  | load-sqlite --db "$db" --table stage_stats --schema "$here/scripts/sql/insights.schema.sql" 2>/dev/null
query-sqlite --db "$db" --format table "SELECT tool, count(*) AS runs, sum(records_in) AS records_in, sum(rejected) AS rejected, round(sum(elapsed_s), 2) AS seconds FROM stage_stats GROUP BY tool ORDER BY seconds DESC" >&2
[ -z "$report" ] || { node "$here/dist/report/insights.js" --db "$db" --out "$report" && echo "insights.sh: report in $report/report.md" >&2; }
