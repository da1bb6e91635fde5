#!/usr/bin/env bash
# Lingokids: activity_exit events -> the daily engagement cube (incremental).
# The cube activity_engagement_daily (plays, completed_plays, total_duration_s by date, country, OS
# name/version, app version, subscription status at event time, activity id/type/subtype, collection)
# with weekly/monthly/yearly, top-activity and completion-rate views, in SQLite; also as Parquet with
# --out.
# Loads are incremental and idempotent: every activity_exit event loaded is kept at the event grain
# (activity_exit_facts, keyed by event_id, loaded with on-conflict ignore) and the cube rows of the
# dates that got new events are recomputed from it in the same transaction, so files split anywhere,
# loaded in any order or twice give the cube of one load of everything (scripts/sql/engagement.*.sql).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
. "$here/scripts/lib/hosts.sh"
me=engagement.sh
usage_error() { echo "$me: $1 (try '$me --help')" >&2; exit 2; }
need() { [ -n "${2-}" ] || usage_error "$1 needs a value"; [[ $2 != --?* ]] || usage_error "$1 needs a value, not the option $2 (a file so named: ./$2)"; }
. "$here/scripts/lib/sink.sh"
. "$here/scripts/lib/inputs.sh"
. "$here/scripts/lib/rejects.sh"
help() {
  cat <<'EOF'
usage: engagement.sh --db FILE|--pg URL --users FILE --activities FILE [options] EVENTS...
   or: event-pipes engagement ARGS

Load raw Lingokids events (JSON Lines; only name = activity_exit is counted) into the SQLite cube
activity_engagement_daily: plays, completed_plays and total_duration_s per day, country, OS name and
version, app version, subscription status at the event's time, activity id, type and subtype, and
collection; with the views activity_engagement_weekly/_monthly/_yearly, activity_top and
activity_completion_daily. A summary per month goes to stderr.

Options:
  --db FILE          the SQLite database (created if missing)
  --pg URL           or a PostgreSQL database, postgres://USER@HOST:PORT/DB (the same tables)
  --users FILE       users (JSON Lines: user_id, country_code, registration, trial and subscription
                     times)
  --activities FILE  the activity catalogue (JSON Lines or a JSON array: activity_id, type, subtype)
  --out DIR          also write the whole daily cube as DIR/activity_engagement_daily.parquet
  --tz ZONE          the IANA zone of the day (default UTC)
  --input-tz ZONE    the zone of the naive timestamps occurred_at and the users' times (default UTC)
  --stats-file F     append each step's figures (records in, out, rejected) to F as JSON lines
  --rejects FILE     write the events the steps refused as JSON lines {file, line, reason, detail,
                     raw}, step by step, each in input order; replaced whole at the end of a run
                     that loaded or refused records (not with --hosts)
  -h, --help         print this help and exit

Loads are incremental and idempotent. Every activity_exit event loaded is kept in
activity_exit_facts (one row per event_id: the day, the cube's slice and the measures, ~200 bytes
with its index); an event id already stored is a duplicate and is not counted again (the load's
summary calls it "unchanged"). The cube rows of the days that got new events are recomputed from all
their facts in the load's transaction. So files split anywhere (within a day or across days), loaded
in any order, overlapping, or loaded again give the cube of one load of everything; a failed load
writes nothing. Within a file (and across files) the first good delivery of an activity_exit
event id counts (a delivery rejected as a bad record, such as a bad occurred_at, does not hide a
later one; events of other names do not take an id); two different activity_exit events sharing an
id: the first loaded wins. Country, subscription status and activity
type are resolved when an event is loaded, from the users and activities files given then (a
malformed line in either, or either one empty, fails the run: exit 1, nothing loaded; the events
that match no user or no activity are counted on stderr). --tz and --input-tz are stored on
the first load; a later load with others is refused (exit 2): use a new database. Exit status: 0
done, 1 a failure (said on stderr; nothing written when the load failed), 2 a usage error. See
docs/recipes/engagement.md.

Examples:
  event-pipes engagement --db engagement.db --users users.json --activities activities.json \
    events.json
      load a day's events; the summary per month on stderr
  event-pipes engagement --db engagement.db --users users.json --activities activities.json \
    --tz Europe/Madrid --out cube events.json
      days in Madrid time (for a new database); the whole cube also as cube/*.parquet
EOF
  hosts_help
  exit 0
}
db=""; users=""; activities=""; out=""; tz=UTC; input_tz=UTC; stats=(); rejects=""; files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db|--pg) need "$@"; sink_opt "$1" "$2"; db=$(sink_name); shift 2 ;;
    --users) need "$@"; users=$2; shift 2 ;;
    --activities) need "$@"; activities=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --tz) need "$@"; tz=$2; shift 2 ;;
    --input-tz) need "$@"; input_tz=$2; shift 2 ;;
    --stats-file) need "$@"; stats=(--stats-file "$2"); shift 2 ;;
    --rejects) need "$@"; rejects=$2; shift 2 ;;
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
for o in users activities; do [ -n "${!o}" ] || usage_error "missing --$o FILE"; done
# an empty users or activities file (a failed export upstream) would store every event without its
# country and status or its type, for good (a fact is never rewritten): nothing is loaded
# (a gzip file's records, not its bytes: an empty users.json.gz passed, every event stored without them)
side_text() { if [ "$(head -c 2 -- "$1" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then gzip -cd -- "$1" 2> /dev/null; else cat -- "$1"; fi; }
for o in users activities; do
  # (a missing one said as a missing EVENTS file is, before anything runs: it was join's usage error)
  [ -e "${!o}" ] || { echo "$me: --$o ${!o}: no such file (nothing was run)" >&2; exit 1; }
  if [ -f "${!o}" ] && [ -r "${!o}" ] && ! grep -q '[^][:space:][]' < <(side_text "${!o}"); then
    echo "$me: --$o ${!o} holds no record: the events' $([ $o = users ] && echo 'country and subscription status' || echo 'activity type') would be stored unknown for good; nothing loaded" >&2
    exit 1
  fi
done
[ ${#files[@]} -gt 0 ] || usage_error "no EVENTS file given"
# (a zone that is none said as the recipe's usage error before anything runs: it was said by the tools
# of the second chain, with their hints, after the first had read and reported records)
tz_err=$(to-local-date --field occurred_at --input-tz="$input_tz" --tz="$tz" < /dev/null 2>&1 > /dev/null) \
  || usage_error "$(printf '%s\n' "$tz_err" | sed -n '1{s/^to-local-date: //; s/ (try .*//; p}')"
[ -z "$out" ] || [ ! -e "$out" ] || [ -d "$out" ] || usage_error "--out $out: a file, not a folder"
[ -z "$rejects" ] || ! hosts_on || usage_error "--rejects is kept by a run on this machine only (not with --hosts)"
inputs_check "${files[@]}"
work=$(mktemp -d); trap 'st=$?; trap "" INT TERM HUP; rejects_on_exit "$st" "$work"; rm -rf "$work"; rejects_close "$st"' EXIT
# (--rejects: each step's refused records in a file of its own in the run's folder, joined in step
# order and written whole once the load is done; scripts/lib/rejects.sh)
rejects_open "$rejects" "${files[@]}" "${sink_db-}" "$users" "$activities" "${stats[1]-}" ${out:+"$out/activity_engagement_daily.parquet"}
# (--stats-file naming an input, a side file or the database; or a forgotten argument, `--stats-file
# day1.json day2.json`, appended the figures to day 1's events, exit 0: a file that holds anything but
# figures, its first bytes no {"tool":, is refused, as rejects_open refuses such a --rejects)
if [ ${#stats[@]} -gt 0 ]; then
  for f in "${files[@]}" "$users" "$activities" "${sink_db-}"; do
    [ -n "$f" ] && [ "$f" != - ] && [ "${stats[1]}" -ef "$f" ] && usage_error "--stats-file ${stats[1]} is $f, which this run reads or writes: its figures would be appended to it"
  done
  # (a standard stream named, /dev/stderr into an appended log: the tools write to it as it is)
  case ${stats[1]} in /dev/std* | /dev/fd/* | /proc/self/fd/*) ;; *)
  if [ -f "${stats[1]}" ] && [ -s "${stats[1]}" ] && [ "$(head -c 8 -- "${stats[1]}" 2> /dev/null)" != '{"tool":' ]; then
    usage_error "--stats-file ${stats[1]} holds something other than figures (it does not begin with {\"tool\":): not appended to; remove it or name another file"
  fi ;;
  esac
fi
for k in 1 2 3 4 5 6 7 8; do mapfile -t "R$k" < <(rejects_opts "$work" "$k"); done
# each step's figures (--stats-file, else a file of the run's): the events that matched no user or no
# activity are said at the end
[ ${#stats[@]} -gt 0 ] || stats=(--stats-file "$work/steps.ndjson")
steps_from=$(( $(stat -c %s -- "${stats[1]}" 2> /dev/null || echo 0) + 1 ))

# The facts depend on --tz and --input-tz: a database loaded with others is refused, and so is one of
# the earlier recipe (a cube without facts: recomputing its days from facts would lose their events).
# Checked now (fail fast) and again under the lock, before the load.
sq() { printf "'%s'" "${1//\'/\'\'}"; }
printf 'setting,value\ninput_tz,%s\ntz,%s\n' "$input_tz" "$tz" > "$work/want-settings.csv"
recompute_all=0  # (a database loaded before negative durations were left out: no durations setting)
check_db() {
  sink_is_pg || [ -s "$sink_db" ] || return 0
  if sink_query --format csv 'SELECT setting, value FROM engagement_settings ORDER BY setting' > "$work/all-settings.csv" 2> /dev/null; then
    { head -n 1 "$work/all-settings.csv"; grep -E '^(input_tz|tz),' "$work/all-settings.csv" || true; } > "$work/settings.csv"
    recompute_all=0; [ "$(wc -l < "$work/settings.csv")" -le 1 ] || grep -q '^durations,' "$work/all-settings.csv" || recompute_all=1
    if [ "$(wc -l < "$work/settings.csv")" -gt 1 ] && ! cmp -s "$work/settings.csv" "$work/want-settings.csv"; then
      { echo "$me: $db was loaded with another --tz or --input-tz; use the same ones or a new database. It has:"
        tail -n +2 "$work/settings.csv"; } >&2
      exit 2
    fi
    return 0
  fi
  local old  # no settings: a new database, or one of the earlier recipe (the cube without the facts)
  if sink_is_pg; then old=$(sink_query --format csv "SELECT (to_regclass('activity_engagement_daily') IS NOT NULL)::int AS n" | tail -n 1)
  else old=$(sink_query --format csv "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'activity_engagement_daily'" | tail -n 1); fi
  if [ "$old" != 0 ]; then
    echo "$me: $db was written by the earlier, non-incremental engagement.sh (a cube without the event facts): load all its files into a new database" >&2
    exit 2
  fi
}
check_db

# Events -> one fact per activity_exit event (the first good delivery of each event_id in these files):
# its day, slice and measures. dedupe comes after every step that can reject an event (a bad line, a
# bad occurred_at, a string of the fact the load would refuse: validate --unicode-fields, a lone surrogate,
# which load-sqlite refused after dedupe had dropped the later good delivery; only the fact's fields,
# the event's others are not stored), so a delivery those steps reject never hides a later good one,
# and after the
# filter, so events of other names do not share the id space (as across loads, where only facts are
# kept). count-by groups by event_id plus the slice, so each event is one row. An event whose event_id
# is missing, null or empty ("") is a bad record (validate): an empty id was loaded as a fact, and a
# second one was then taken for its duplicate.
# With --hosts: the facts of each partition (input file) on the hosts, in one process there (the same
# steps as a chain, the users and activities files sent with each job); here they are put together in
# the order of the files, and the load keeps the first fact of an event id (--on-conflict ignore).
# (the fact's fields that are text, or may be: what the load stores of an event; partition_facts, which
# runs on the hosts, spells them out)
FACT_TEXT=event_id,user_country_code,context.os.name,context.os.version,context.app.version,subscription_status,data.activity_id,activity_type,activity_subtype,data.collection_id
if hosts_on; then
  hosts_setup "$me" "$work" "${files[@]}" || exit
  hosts_check || exit 1
  partition_facts() {  # IN OUT INPUT_TZ TZ; $users and $activities: the side files there (the steps'
    # figures come back too: the joins' say which events matched no user or activity)
    local in=$1 out=$2 input_tz=$3 tz=$4 st=(--stats-file "$2.stats")
    : > "$out.stats"
    ep where name=activity_exit "${st[@]}" -i "$in" \
      then join --side "$users" --on user_id --key-match text --prefix user_ --strict "${st[@]}" \
        --fields country_code,registration_at,trial_start_at,trial_end_at,subscription_start_at,subscription_expire_at \
      then join --side "$activities" --on data.activity_id=activity_id --key-match text --fields type,subtype --prefix activity_ --strict "${st[@]}" \
      then subscription-status --time occurred_at --prefix user_ --input-tz "$input_tz" "${st[@]}" \
      then to-local-date --field occurred_at --input-tz "$input_tz" --tz "$tz" "${st[@]}" \
      then validate --require event_id --non-empty --unicode-fields event_id,user_country_code,context.os.name,context.os.version,context.app.version,subscription_status,data.activity_id,activity_type,activity_subtype,data.collection_id "${st[@]}" \
      then dedupe --key event_id "${st[@]}" \
      then count-by event_id date country=user_country_code os_name=context.os.name os_version=context.os.version \
        app_version=context.app.version subscription_status activity_id=data.activity_id activity_type activity_subtype \
        collection_id=data.collection_id "${st[@]}" \
        -a 'completed=count_if(data.completed)' -a 'duration_s=sum(data.duration)' > "$out.facts"
  }
  export -f partition_facts
  hosts_run --stage partition_facts --result facts --result stats --side users="$users" --side activities="$activities" \
    --arg "$input_tz" --arg "$tz" -- "${files[@]}" || exit 1
  hosts_cat facts > "$work/facts.ndjson"
  hosts_cat stats >> "${stats[1]}"
  event-pipes count-by date < "$work/facts.ndjson" > "$work/dates.ndjson"
else
# Three processes (both cores): the filter, the two joins and the subscription status in one chain;
# the local day, dedupe, the facts and the load's days (a fork) in another; the load below. Each chain
# hands its records on without re-reading. (With the facts written as they come, the status belongs in
# the first chain: the two chains 7.0-7.4 -> 6.0-6.5 s on 1M events; with count-by grouping the facts,
# the second chain was the lighter one and the status sat there.)
inputs=(); for f in "${files[@]}"; do inputs+=(-i "$f"); done  # (-i each: a file may be named then)
event-pipes where name=activity_exit "${stats[@]}" ${R1[@]+"${R1[@]}"} "${inputs[@]}" \
  then join --side "$users" --on user_id --key-match text --prefix user_ --strict "${stats[@]}" ${R2[@]+"${R2[@]}"} \
      --fields country_code,registration_at,trial_start_at,trial_end_at,subscription_start_at,subscription_expire_at \
  then join --side "$activities" --on data.activity_id=activity_id --key-match text --fields type,subtype --prefix activity_ --strict "${stats[@]}" ${R3[@]+"${R3[@]}"} \
  then subscription-status --time occurred_at --prefix user_ --input-tz "$input_tz" "${stats[@]}" ${R4[@]+"${R4[@]}"} \
  | event-pipes to-local-date --field occurred_at --input-tz "$input_tz" --tz "$tz" "${stats[@]}" ${R5[@]+"${R5[@]}"} \
  then validate --require event_id --non-empty --unicode-fields "$FACT_TEXT" "${stats[@]}" ${R6[@]+"${R6[@]}"} \
  then dedupe --key event_id "${stats[@]}" ${R7[@]+"${R7[@]}"} \
  then fork [ count-by date then save "$work/dates.ndjson" ] \
    [ count-by --each event_id date country=user_country_code os_name=context.os.name os_version=context.os.version \
      app_version=context.app.version subscription_status activity_id=data.activity_id activity_type activity_subtype \
      collection_id=data.collection_id "${stats[@]}" \
      -a 'completed=count_if(data.completed)' -a 'duration_s=sum(data.duration)' then save "$work/facts.ndjson" ]
  # one fact a record as it comes (count-by --each holds nothing: the ids are unique after dedupe), then
  # in id order for the load (SQLite inserts them twice as fast in key order: 882k facts 6.8 s against
  # 11.9 s) by GNU sort in 64 MiB and temporary files in $work (room for the facts twice, ~320 bytes a
  # fact; byte order, which is count-by's for string ids without escapes). Was: count-by grouping by the
  # id, which held every fact (the chain's second process 9.0 s and 343 MB against 7.1 s and 78 MB, the
  # sort ~1.1 s and 67 MB)
  LC_ALL=C sort -S 64M -T "$work" -o "$work/facts.ndjson" "$work/facts.ndjson" \
    || { echo "$me: sorting the facts failed (room for them twice in ${TMPDIR:-/tmp}?); nothing loaded" >&2; exit 1; }
fi

# One load at a time per database (a lock on FILE.lock, or a PostgreSQL advisory lock; the steps above
# run in parallel with another load): the database is checked under it, then the new facts and the
# recomputed days of the cube are one transaction.
sink_lock engagement
check_db
# The days whose cube rows are recomputed: the load's days (dates.ndjson) whose number of facts grows
# in the load. Each one's facts are counted here, under the lock (a new database has no table: none);
# the post-load SQL, in the load's transaction, marks those with more facts after the inserts. (Counts
# only grow, so a failed count, or a writer outside this lock, can only mark a day more, recomputed
# the same from its facts; a repeat of a loaded file adds no fact and marks nothing.)
grep -oE '^\{"date":"[0-9]{4}-[0-9]{2}-[0-9]{2}"' "$work/dates.ndjson" | cut -c10-19 > "$work/dates.txt" || true
if [ "$(wc -l < "$work/dates.txt")" != "$(wc -l < "$work/dates.ndjson")" ]; then
  echo "$me: a local date that is not YYYY-MM-DD in the facts ($(grep -vE '^\{"date":"[0-9]{4}-[0-9]{2}-[0-9]{2}"' "$work/dates.ndjson" | head -1))" >&2; exit 1
fi
: > "$work/before.csv"
if [ -s "$work/dates.txt" ]; then
  list=$(sed "s/.*/'&'/" "$work/dates.txt" | paste -sd, -)
  sink_query --format csv "SELECT CAST(date AS TEXT) AS date, count(*) AS n FROM activity_exit_facts WHERE date IN ($list) GROUP BY date" \
    > "$work/before.csv" 2> /dev/null || : > "$work/before.csv"
fi
pg=0; ! sink_is_pg || pg=1
{ if [ -s "$work/dates.txt" ]; then
    echo "WITH load_dates(date, n) AS (VALUES"
    awk -F, -v pg="$pg" -v q="'" 'FILENAME == ARGV[1] { if (FNR > 1) n[$1] = $2; next }
      { printf "%s  (%s%s%s%s, %d)", (c++ ? ",\n" : ""), (pg ? "DATE " : ""), q, $0, q, ($0 in n ? n[$0] : 0) } END { print "" }' "$work/before.csv" "$work/dates.txt"
    echo ") INSERT INTO activity_exit_dirty_dates (date)"
    echo "  SELECT l.date FROM load_dates l WHERE (SELECT count(*) FROM activity_exit_facts f WHERE f.date = l.date) > l.n;"
  fi
  # a database whose cube summed negative durations (loaded before they were left out: no durations
  # setting, seen by check_db under the lock): every day of it recomputed once, in this load's transaction
  [ "$recompute_all" = 0 ] || echo "INSERT INTO activity_exit_dirty_dates (date) SELECT DISTINCT date FROM activity_exit_facts WHERE true ON CONFLICT (date) DO NOTHING;"
  cat "$(sink_sql engagement.refresh)"
  # (stored with the first facts: a first load that stored none, an empty file, pinned the zones of a
  # database that held nothing they decide)
  echo "INSERT INTO engagement_settings (setting, value) SELECT column1, column2 FROM (VALUES ('input_tz', $(sq "$input_tz")), ('tz', $(sq "$tz")), ('durations', 'negative not counted')) AS s WHERE EXISTS (SELECT 1 FROM activity_exit_facts) ON CONFLICT (setting) DO NOTHING;"
} > "$work/post.sql"
sink_load --table activity_exit_facts --key event_id --on-conflict ignore --atomic "${stats[@]}" ${R8[@]+"${R8[@]}"} \
  --schema "$(sink_sql engagement.schema)" --post-sql "@$work/post.sql" < "$work/facts.ndjson"
rejects_write "$work" || exit 1

if [ -n "$out" ]; then
  mkdir -p "$out"
  sink_query 'SELECT * FROM activity_engagement_daily ORDER BY date, country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id' \
    | to-parquet --types date=string,country=string,os_name=string,os_version=string,app_version=string,subscription_status=string \
        --types activity_id=string,activity_type=string,activity_subtype=string,collection_id=string \
        --types plays=int64,completed_plays=int64,total_duration_s=double "$out/activity_engagement_daily.parquet"
fi
# events that matched no user or no activity (the joins' figures: in, unmatched), stored with their
# country and status or their type unknown: said, with the file (a later load does not change them)
tail -c "+$steps_from" "${stats[1]}" 2> /dev/null \
  | sed -nE 's/^\{"tool":"join","in":([0-9]+),.*"unmatched":([0-9]+)[,}].*"--prefix","(user|activity)_".*/\3 \1 \2/p' \
  | awk -v me="$me" -v users="$users" -v acts="$activities" '{ n[$1] += $2; u[$1] += $3 }
      END { if (u["user"]) printf "%s: %d of %d activity_exit events matched no user in %s: their country and subscription status are unknown\n", me, u["user"], n["user"], users
            if (u["activity"]) printf "%s: %d of %d activity_exit events matched no activity in %s: their activity type is unknown\n", me, u["activity"], n["activity"], acts }' >&2
# a negative duration is no time played: stored with its fact, left out of total_duration_s (said)
neg=$(grep -cE '"duration_s":-[0-9.]*[1-9]' "$work/facts.ndjson" || true)
[ "${neg:-0}" = 0 ] || echo "$me: $neg of the activity_exit events in these files have a negative data.duration: not counted as time played (their plays are)" >&2
sink_query --format table 'SELECT substr(CAST(date AS TEXT), 1, 7) AS month, sum(plays) AS plays, sum(completed_plays) AS completed, round(CAST(sum(total_duration_s) / 3600 AS NUMERIC), 1) AS hours FROM activity_engagement_daily GROUP BY 1 ORDER BY 1' >&2
