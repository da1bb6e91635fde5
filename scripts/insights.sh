#!/usr/bin/env bash
# Insights: interaction CSVs -> DAU, MAU, power users, retention, anomalies.
# User interactions as CSV partitions -> dau, mau, power_users, retention, app_version_p95,
# device performance, anomalies and sessions in SQLite (and report.md with --report): --jobs shards of
# users processed in parallel, each one read of the files and one in-process chain with fork, combined
# exactly (sums of disjoint shards, count-by --merge, retention --merge); per-stage figures in stage_stats.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
. "$here/scripts/lib/hosts.sh"
. "$here/scripts/lib/insights-incremental.sh"
me=insights.sh
usage_error() { echo "$me: $1 (try '$me --help')" >&2; exit 2; }
. "$here/scripts/lib/sink.sh"
. "$here/scripts/lib/inputs.sh"
. "$here/scripts/lib/rejects.sh"
need() { [ -n "${2-}" ] || usage_error "$1 needs a value"; [[ $2 != --?* ]] || usage_error "$1 needs a value, not the option $2 (a file so named: ./$2)"; }
help() {
  cat <<'EOF'
usage: insights.sh --db FILE|--pg URL [--jobs N] [--top-percent P] [--cap-duration MS]
                   [--metadata FILE] [--session-gap SECONDS] [--report DIR] INTERACTIONS.csv...
   or: insights.sh --incremental --db FILE [--partition-key KEY] [options] [INTERACTIONS.csv...]
   or: insights.sh --hosts LIST|@FILE [--incremental] --db FILE [options] INTERACTIONS.csv...
   or: event-pipes insights ARGS

Insights: user interactions (CSV with user_id, timestamp, action_type, page_id, duration_ms and
app_version; e.g. one file per day, as generate-insights writes them) into the SQLite tables dau,
mau, power_users, retention, app_version_p95, dau_anomalies, session_metrics and stage_stats (and
device_performance with --metadata). The files are read once by each of --jobs processes, each
keeping one shard of the users (from-csv --shard) and computing every table's part in one
in-process chain; the shards combine exactly. Every table is replaced whole by a run (each in a
transaction of its own; device_performance by an empty one without --metadata), but stage_stats,
which gains the run's figures (the rows of earlier runs kept, each with its run's time).

Options:
  --db FILE              the SQLite database (created if missing)
  --pg URL               or a PostgreSQL database, postgres://USER@HOST:PORT/DB (the same tables;
                         not with --incremental, --hosts or --report)
  --jobs N               shards of users processed in parallel (default 2: both cores; background
                         jobs; an input that is no plain file, e.g. a pipe, makes it 1)
  --top-percent P        power_users: the top P% of active users by total duration_ms (default 1)
  --cap-duration MS      cap each interaction's duration_ms before the power-user ranking (default:
                         no cap)
  --metadata FILE        user metadata CSV (user_id, device_type, ...): adds device_performance
  --session-gap SECONDS  a longer gap between a user's interactions starts a new session (default
                         1800)
  --report DIR           also write DIR/report.md with SVG charts
  --rejects FILE         write the interactions the steps refused (and the metadata's bad lines) as
                         JSON lines {file, line, reason, detail, raw}, step by step, shard by shard;
                         replaced whole at the end of a run that loaded or refused records (not with
                         --incremental or --hosts)
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
db=""; jobs=2; top=1; metadata=""; gap=1800; report=""; cap=""; files=(); incremental=0; partition_key=""; rejects=""
while [ $# -gt 0 ]; do
  case "$1" in
    --db|--pg) need "$@"; sink_opt "$1" "$2"; db=$sink_db; shift 2 ;;
    --jobs) need "$@"; jobs=$2; shift 2 ;;
    --top-percent) need "$@"; top=$2; shift 2 ;;
    --metadata) need "$@"; metadata=$2; shift 2 ;;
    --session-gap) need "$@"; gap=$2; shift 2 ;;
    --report) need "$@"; report=$2; shift 2 ;;
    --rejects) need "$@"; rejects=$2; shift 2 ;;
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
sink_check
hosts_opts_check
if sink_is_pg; then
  [ "$incremental" = 0 ] && ! hosts_on || usage_error "--pg goes without --incremental and --hosts (their partition states are kept in a SQLite file: use --db)"
  [ -z "$report" ] || usage_error "--report reads a SQLite database: use --db, or query the tables with query-postgres"
fi
# the metadata's header must name user_id and device_type: another file (an interactions export, a wrong
# column name) joined no one and replaced device_performance with nothing, exit 0
# (a header of plain ASCII names, that has both, is read here; any other by from-csv, ~0.1 s: quotes, a
# BOM, a CR inside it, another encoding. bash's read drops NUL bytes, so the bytes read are counted:
# a UTF-16 header read so would spell the names)
metadata_header() {
  local h="" cr=0 n
  IFS= read -r h < "$metadata" || true
  [[ $h == *$'\r' ]] && { h=${h%$'\r'}; cr=1; }
  if [[ $h =~ ^[A-Za-z0-9_.\ -]+(,[A-Za-z0-9_.\ -]+)*$ && ,$h, == *,user_id,* && ,$h, == *,device_type,* ]]; then
    n=$(head -n 1 "$metadata" | wc -c)
    [ "$n" -eq $(( ${#h} + cr + 1 )) ] || [ "$n" -eq $(( ${#h} + cr )) ] && return
  fi
  head -n 1 "$metadata" | from-csv --require user_id,device_type > /dev/null 2>&1
}
metadata_fails() {
  echo "$me: --metadata $metadata: $1 (nothing was run)" >&2; exit 1
}
if [ -n "$metadata" ]; then
  # (every shard and partition reads it: a plain file, read here first; a gzip one's header through gzip)
  [ -e "$metadata" ] || metadata_fails "no such file"
  [ ! -d "$metadata" ] || metadata_fails "it is a folder"
  [ -f "$metadata" ] || metadata_fails "not a plain file (each part of the run reads it)"
  [ -r "$metadata" ] || metadata_fails "cannot be read (permissions)"
  [ -s "$metadata" ] || metadata_fails "an empty file (no header row)"
  mark=""; LC_ALL=C read -r -N 2 mark < "$metadata" 2> /dev/null || true
  if [ "$mark" = $'\x1f\x8b' ]; then
    { gzip -dc -- "$metadata" 2> /dev/null || true; } | head -n 1 | from-csv --require user_id,device_type > /dev/null 2>&1 \
      || metadata_fails "its header has no user_id or no device_type column, or it is no gzip CSV"
  elif ! metadata_header; then
    metadata_fails "its header has no user_id or no device_type column"
  fi
fi
[ -z "$report" ] || [ ! -e "$report" ] || [ -d "$report" ] || usage_error "--report $report: a file, not a folder"
[[ $top =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v p="$top" 'BEGIN { exit !(p <= 100) }' < /dev/null > /dev/null || usage_error "--top-percent takes a number from 0 to 100 (got '$top')"
[[ $gap =~ ^[0-9]+$ && $gap =~ [1-9] ]] || usage_error "--session-gap takes a whole number of seconds, 1 or more (got '$gap')"
gap=$((10#$gap))  # (0600 is 600: the sessions' parameter as the states record it)
[[ -z $cap || $cap =~ ^[0-9]+$ ]] || usage_error "--cap-duration takes a whole number of milliseconds (got '$cap')"
# (0100 is 100: clip refused 0100 in every shard, after the work; and the states record one spelling;
# by its text: bash's arithmetic wrapped a cap past 2^63 to a negative one, every total -1)
while [[ $cap == 0?* ]]; do cap=${cap#0}; done
[[ $jobs =~ ^[1-9][0-9]{0,2}$ ]] || usage_error "--jobs takes a number of parallel groups (got '$jobs')"
inputs_check "${files[@]}"
# --incremental, and --hosts: per-partition states (scripts/lib/insights-incremental.sh)
[ -z "$rejects" ] || { [ "$incremental" = 0 ] && ! hosts_on; } || usage_error "--rejects goes without --incremental and --hosts (run a partition's steps by hand with --rejects: docs/recipes/insights.md)"
if [ "$incremental" = 1 ] || hosts_on; then insights_incremental "$((1 - incremental))"; fi
[ -z "$partition_key" ] || usage_error "--partition-key goes with --incremental"
insights_refuse_states
[ ${#files[@]} -gt 0 ] || usage_error "no INTERACTIONS.csv file given"
# each shard reads every file: an input that can be read only once (a pipe, /dev/stdin) would be split
# between the shards, each getting some of its rows in silence; such a run is one shard (said)
if [ "$jobs" -gt 1 ]; then
  for f in "${files[@]}"; do
    if [ -e "$f" ] && [ ! -f "$f" ]; then
      echo "insights.sh: $f is no plain file (a pipe?): every shard reads every file, so this run is one shard (--jobs 1)" >&2
      jobs=1; break
    fi
  done
fi
work=$(mktemp -d); trap 'st=$?; trap "" INT TERM HUP; rm -rf "$work"; rejects_close "$st"' EXIT
stats="$work/stats.ndjson"; : > "$stats"
# (--rejects: each step's refused records in a file of its own per shard, $work/rej.STEP.SHARD (1
# from-csv, 2 validate, 3 to-local-date, 4 the metadata's join, shard 0's: the others skip its bad lines
# in silence, 5 the branches), joined step by step, shard by shard, and written whole once the tables
# are loaded; scripts/lib/rejects.sh)
rejects_open "$rejects" "${files[@]}" "$metadata" "${sink_db-}" ${report:+"$report/report.md"}
rejects_join() {
  local s k
  for s in 1 2 3 4 5; do
    for ((k = 0; k < jobs; k++)); do [ ! -e "$work/rej.$s.$k" ] || cat -- "$work/rej.$s.$k"; done > "$work/rejects.$s"
  done
}

# 1. one read of the files per shard: --jobs N processes, each reading every file and keeping the
#    interactions of the users whose user_id hashes to its shard (from-csv --shard K/N:user_id), all
#    tables' work in one in-process chain (event-pipes ... then fork [...] [...]). A user's interactions
#    all sit in one shard, so per-user work (power users, retention, sessions) is complete there and
#    distinct users add up across shards; the rest is exact partial states (count-by --partial),
#    combined below. (--threads cannot help here: a chain that starts with from-csv runs in one thread.)
# the columns the tables need: a file without one of them is not read (from-csv --require: exit 1)
COLUMNS=user_id,timestamp,action_type,duration_ms,app_version
aggregates() {  # the aggregates of the partial states, the same in the shards and in the merges
  # (a session's users are counted apart, as a number per shard, summed: the shards' users are disjoint,
  # and a distinct() state is the set of every user: 6 MB a shard to write, read and merge again. The
  # number is sessionize's own count of the keys it made sessions of, in the run's figures: a
  # distinct(user_id) over its output counted the same, 316k users a shard, for ~0.3 s a shard)
  SESS=(-a 'sessions=count()' -a 'avg_duration_s=avg(duration_s)' -a 'p50_duration_s=p50(duration_s)' -a 'p95_duration_s=p95(duration_s)' -a 'avg_actions_per_session=avg(pings)')
  DEV=(-a 'n=count(duration_ms)' -a 'mean_duration_ms=avg(duration_ms)' -a 'p50_duration_ms=p50(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)' -a 'sum_duration_ms=sum(duration_ms)' -a 'sumsq_duration_ms=sumsq(duration_ms)')
  P95=(-a 'n=count(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)')
}
aggregates
# The power users are the first K of each shard's users in total order, K = ceil(P% of the users with a
# total): each shard writes its first L users only (count-by --limit; its figures keep the number of
# users and of those without a total), L = ceil(P% of a bound of the users: a counted interaction's row
# is at least 7 bytes, "u,5,,,\n", so the files' bytes / 7 bound the rows and so the users). On 1M
# interactions 316k users a shard -> 77k lines. Without a bound (an input that is no plain file, or
# gzip), every user.
users_limit=()
users_bound() {
  local f m
  for f in "${files[@]}"; do
    [ -f "$f" ] && [ -r "$f" ] || return 0
    m=""; LC_ALL=C read -r -N 2 m < "$f" 2> /dev/null || true
    [ "$m" != $'\x1f\x8b' ] || return 0
  done
  users_limit=(--limit "$(stat -c %s -- "${files[@]}" | awk -v p="$top" '{ b += $1 } END { x = p * b / 700; l = int(x); if (l < x) l++; printf "%d", l }')")
}
users_bound
# part K N FILE...: shard K of N of the files -> $work/K.{dau,mau,users,p95,dev,ret,sess}. With one
# shard, its sessions run in two more processes behind a pipe (sessionize | count-by), so that the run
# keeps the second core busy (the chain alone is one thread); with two or more, the shards keep the
# cores busy and the sessions are a branch of the fork (no records written to a pipe and read again:
# --jobs 2 on 1M interactions, alternated, 6.7-7.3 s against 8.0-8.2 s behind the pipe; --jobs 1,
# 10.9 s behind the pipe against 11.7 s as a branch)
part() {
  local k=$1 n=$2; shift 2
  local SESS DEV P95; aggregates
  set -o pipefail
  local shard=() users=() dev=() st=(--stats-file "$stats") r1=() r2=() r3=() r4=() b=()
  if [ -n "$rejects" ]; then
    r1=(--rejects "$work/rej.1.$k" --rejects-format json); r2=(--rejects "$work/rej.2.$k" --rejects-format json)
    r3=(--rejects "$work/rej.3.$k" --rejects-format json); r4=(--rejects "$work/rej.4.$k" --rejects-format json)
    b=(--rejects "$work/rej.5.$k" --rejects-format json)
  fi
  b=("${st[@]}" ${b[@]+"${b[@]}"})  # (the branches' stages: their figures, and their refused records)
  [ "$n" -eq 1 ] || shard=(--shard "$k/$n:user_id")
  local sess=('[' save --append /dev/stdout ']')
  [ "$n" -eq 1 ] || sess=('[' sessionize --key user_id --time timestamp --gap "$gap" "${b[@]}"
    then count-by all_users=none --partial "${SESS[@]}" "${b[@]}" then save "$work/$k.sess" ']')
  [ -z "$cap" ] || users=(clip --field duration_ms --max "$cap" "${b[@]}" then)
  # device type from the metadata (the first row of a repeated user_id wins)
  # (a user whose device type is unknown, absent from the metadata or empty there, is not in the
  # comparison; an interaction without an app_version is not in the p95 per version: both counted)
  # (every shard reads the whole side file: the first says its bad lines and counts them, the others
  # skip them in silence, --side-quiet; each shard said them, a line refused twice in stage_stats)
  [ -z "$metadata" ] || dev=('[' join --side "$metadata" --on user_id --key-match text --fields device_type --unmatched drop $([ "$k" = 0 ] || echo --side-quiet) "${st[@]}" ${r4[@]+"${r4[@]}"}
    then where 'device_type!=null' 'device_type~.' "${b[@]}" then count-by device_type --partial "${DEV[@]}" "${b[@]}" then save "$work/$k.dev" ']')
  local inputs=(); for f in "$@"; do inputs+=(-i "$f"); done  # (-i each: a file may be named then)
  # a row without a user_id is no user's interaction, a duration_ms beyond a Long (the seed's type; validate
  # compares doubles: 2^63-1024) no duration: both rejected (else a "null user" ranked among the power users,
  # and a 20-digit duration made its user's total unloadable)
  event-pipes from-csv --types duration_ms=int,app_version=string,user_id=string --require "$COLUMNS" "${shard[@]}" "${st[@]}" ${r1[@]+"${r1[@]}"} "${inputs[@]}" \
    then validate --require user_id --non-empty --range duration_ms=..9223372036854774784 "${st[@]}" ${r2[@]+"${r2[@]}"} \
    then to-local-date --field timestamp --tz UTC --grain day,month --as date,month "${st[@]}" ${r3[@]+"${r3[@]}"} \
    then fork \
      [ count-by date -a 'active_users=distinct(user_id)' "${b[@]}" then save "$work/$k.dau" ] \
      [ count-by month -a 'active_users=distinct(user_id)' "${b[@]}" then save "$work/$k.mau" ] \
      [ "${users[@]}" count-by user_id -a 'total_duration_ms=sum(duration_ms)' --order-by total_duration_ms:desc "${users_limit[@]}" "${b[@]}" then save "$work/$k.users" ] \
      [ where action_type=page_view 'app_version!=null' 'app_version~.' 'duration_ms!=null' "${b[@]}" then count-by app_version --partial "${P95[@]}" "${b[@]}" then save "$work/$k.p95" ] \
      "${dev[@]}" \
      [ retention --user user_id --date date "${b[@]}" then save "$work/$k.ret" ] \
      "${sess[@]}" \
    | if [ "$n" -eq 1 ]; then
        sessionize --key user_id --time timestamp --gap "$gap" "${b[@]}" \
          | count-by all_users=none --partial "${SESS[@]}" "${b[@]}" > "$work/$k.sess"
      else cat > /dev/null; fi  # (nothing comes: every branch saves; a closed stdout is no failure)
}
# 2. the combination of the shards and the loads: one Node process (scripts/lib/insights-combine.mjs,
#    which loads the tables through scripts/lib/load-tables.mjs's loadTables), started as soon as a core
#    is free (the first shard done), so that its start-up and the modules' loading (~0.2 s) overlap the
#    last shard's work; it merges each shard's partial states as the recipe says the shard done ("done
#    K" on its stdin), writes nothing before the word go there, and nothing at all if the run stops first
#    (its stdin then closes without it)
loads=(dau:date:"$work/dau.ndjson" mau:month:"$work/mau.ndjson" app_version_p95:app_version:"$work/app_version_p95.ndjson"
  dau_anomalies:date:"$work/dau_anomalies.ndjson" retention:cohort_week,week_offset:"$work/retention.ndjson"
  power_users:user_id:"$work/power_users.ndjson" session_metrics:all_users:"$work/sessions.ndjson")
# (without --metadata the table is replaced by an empty one: every table is one run's, and this run
# knows no device)
if [ -n "$metadata" ]; then loads+=(device_performance:device_type:"$work/device_performance.ndjson")
else loads+=(device_performance:device_type:/dev/null); fi
# the tables, each replaced whole (one transaction each); then the per-stage figures (the equivalent of
# Spark's accumulators and stage view) into stage_stats, and their summary per tool
sink_load_tables_argv --name insights.sh --replace --stats "$stats" --stage-stats "${loads[@]}" \
  -- --atomic --schema "$(sink_sql insights.schema)"
combine=""
start_combine() {
  # (as the bins do: node parses NODE_EXTRA_CA_CERTS at start-up, ~0.1 s, and no load makes a TLS connection)
  exec {combine}> >(exec env -u NODE_EXTRA_CA_CERTS node "$here/scripts/lib/insights-combine.mjs" --wait --work "$work" \
    --top "$top" --stats "$stats" ${metadata:+--metadata} -- sess "${SESS[@]}" ';;' dev "${DEV[@]}" ';;' p95 "${P95[@]}" \
    ';;' load "${SINK_LOAD_TABLES[@]}")
  combine_pid=$!
}
# the processes a process started, and theirs, children first (a shard's subshell runs a pipeline: it
# ends once they have, and can be waited for); by SIGINT, which the tools act on as on SIGTERM and
# which the subshell does not report ("Terminated")
stop_children() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do stop_children "$c"; kill -INT "$c" 2>/dev/null || true; done
}
# (on the way out: the shards' processes stopped, and the combination's when it was started and not
# waited for, before the folder goes; a process substitution is not one of the jobs)
stop_all() {
  local st=$?
  trap '' INT TERM HUP
  for p in $(jobs -p); do stop_children "$p"; kill -TERM "$p" 2>/dev/null || true; done
  if [ -n "${combine_pid-}" ]; then kill -TERM "$combine_pid" 2>/dev/null || true; wait "$combine_pid" 2>/dev/null || true; fi
  # (a run that failed, status 1, writes what its steps refused, if anything: rejects_on_exit)
  if [ "$st" -eq 1 ] && [ -n "$rejects" ] && [ -d "$work" ]; then rejects_join; rejects_on_exit "$st" "$work"; fi
  rm -rf "$work"
  rejects_close "$st"
}
trap stop_all EXIT
if [ "$jobs" -eq 1 ]; then
  part 0 1 "${files[@]}"
else
  # the shards side by side (background jobs); the first to fail stops the others
  pids=(); declare -A shard_of=()
  for ((k = 0; k < jobs; k++)); do part "$k" "$jobs" "${files[@]}" & pids+=($!); shard_of[$!]=$k; done
  while [ ${#pids[@]} -gt 0 ]; do
    st=0; wait -n -p done "${pids[@]}" || st=$?
    left=(); for p in "${pids[@]}"; do [ "$p" = "$done" ] || left+=("$p"); done; pids=(${left[@]+"${left[@]}"})
    if [ "$st" -ne 0 ]; then
      # (waited for: they end before their folder goes, else they say they cannot write their figures there)
      for p in ${pids[@]+"${pids[@]}"}; do stop_children "$p"; done
      for p in ${pids[@]+"${pids[@]}"}; do wait "$p" 2>/dev/null || true; done
      echo "insights.sh: a shard failed (said above): nothing was loaded, the tables are as they were" >&2; exit 1
    fi
    [ -n "$combine" ] || [ ${#pids[@]} -eq 0 ] || start_combine
    # (the combination merges a shard's partial states as it ends: the first while the last still runs)
    [ -z "$combine" ] || (trap '' PIPE; echo "done ${shard_of[$done]}" >&"$combine") 2>/dev/null || true
  done
fi
# a shard whose rows were all rejected kept nothing (by from-csv, validate or to-local-date: the stages of
# a shard's chain are part of its run, and say so); the run kept nothing only when every shard did (the
# figures in the stats file: our own lines, {"tool":"from-csv","in":N,...} read, {"tool":"to-local-date",
# "in":N,"out":N,...} kept: the records the fork got); a run that read no interaction at all (files of
# a header only) replaces no table with an empty one
read -r read_in < <(sed -nE 's/^\{"tool":"from-csv","in":([0-9]+),.*/\1/p' "$stats" | { i=0; while read -r a; do i=$((i + a)); done; echo "$i"; })
read -r kept_out < <(sed -nE 's/^\{"tool":"to-local-date","in":[0-9]+,"out":([0-9]+),.*/\1/p' "$stats" | { o=0; while read -r b; do o=$((o + b)); done; echo "$o"; })
[ "$read_in" -gt 0 ] || { echo "insights.sh: no interaction in ${#files[@]} file(s): the tables are left as they were" >&2; exit 1; }
[ "$kept_out" -gt 0 ] || { echo "insights.sh: every interaction read was rejected: nothing kept" >&2; exit 1; }

# the combination and the loads (scripts/lib/insights-combine.mjs, started above or now): distinct users
# and per-user figures add up (no user is in two shards), partial states merge exactly. Power users from
# the first K lines of each shard's users, which come in top's order (count-by --order-by), K = ceil(P%
# of the users with a total); sessions merged, their users summed from each shard's sessionize figures;
# dau summed, its anomalies, and retention merged for the 26 weeks up to the last date's; mau summed; p95
# per app version and device stats merged. The library API's streams in one process (the same tools and
# figures as the commands: eight processes side by side took 1.0-1.1 s on 1M interactions, the one
# 0.6-0.8 s). Then the tables loaded one after another, each in its own transaction (a load process per
# table cost ~0.1 s of Node start-up each, eight of them on two cores, 0.55-1.15 s against ~0.2 s); no
# table is loaded unless every one could be computed
[ -n "$combine" ] || start_combine
# one run at a time per database, from here to the end (as the other recipes and --incremental: two runs
# at once replaced the tables one by one in turn, and PostgreSQL was left with one run's dau and the
# other's mau)
sink_lock insights
# (again under the lock: an --incremental batch that stored its states since the first look would have
# its tables replaced and its states left behind, each later batch mixing them)
insights_refuse_states
# (in a subshell that ignores SIGPIPE: a process that ended early fails the wait below, not this shell)
(trap '' PIPE; echo go >&"$combine") 2>/dev/null || true; exec {combine}>&-
st=0; wait "$combine_pid" || st=$?
combine_pid=""
[ "$st" -eq 0 ] || exit 1
if [ -n "$rejects" ]; then rejects_join; rejects_write "$work" || exit 1; fi
[ -z "$report" ] || { node "$here/dist/report/insights.js" --db "$db" --out "$report" && echo "insights.sh: report in $report/report.md" >&2; }
