#!/usr/bin/env bash
# Nordeus game: events -> registration, session and match data (incremental).
# Clean the raw events with every rule (each dropped event goes to the rejects file with its reason; a
# per-reason summary is printed), build sessions from pings (gap > 60 s, the `type` field unused), score
# matches (3/1/0, on the day the match started), and keep registration_data, session_data and
# match_data in SQLite (--db) or PostgreSQL (--pg). Serve with stats-api (SQLite).
# Loads are incremental: what a later file may need (registrations, each user's sessions, every match
# event, the event ids seen) is kept in the database, so nightly files loaded in any order, split
# anywhere, or loaded twice, give the tables of one load of everything (scripts/sql/game.*.sql;
# game.*.pg.sql: the same for PostgreSQL).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
sql="$here/scripts/sql"
me=game-stats.sh
. "$here/scripts/lib/sink.sh"
. "$here/scripts/lib/inputs.sh"
. "$here/scripts/lib/rejects.sh"
. "$here/scripts/lib/lenient.sh"

usage_error() { echo "$me: $1 (try '$me --help')" >&2; exit 2; }
need() { [ -n "${2-}" ] || usage_error "$1 needs a value"; [[ $2 != --?* ]] || usage_error "$1 needs a value, not the option $2 (a file so named: ./$2)"; }
help() {
  cat <<'EOF'
usage: game-stats.sh --db FILE|--pg URL --timezones FILE [options] EVENTS...
   or: event-pipes game-stats ARGS

Load game events (NDJSON: event_id, event_type, event_timestamp, event_data) into the tables
registration_data, session_data and match_data of SQLite (--db) or PostgreSQL (--pg), after cleaning
them with the challenge's rules.
Loads are incremental and idempotent: files may arrive in any order, split anywhere, and be loaded
again; the tables are always those of one load of every event loaded so far.

Options:
  --db FILE            the SQLite database (created if missing); it also keeps the state later loads
                       need (registrations, sessions, match events, event ids seen: tables game_*)
  --pg URL             or a PostgreSQL database: postgres://USER@HOST:PORT/DB (the same tables and
                       state; a password in PGPASSWORD or ~/.pgpass rather than in the URL)
  --timezones FILE     NDJSON {country, timezone}: the allowed countries and their zones (local
                       registration time); every load of a database must use the same one
  --rejects FILE       write the events not counted by this load as JSON lines {file, line, reason,
                       detail, raw} (default: a temporary file); a per-reason summary goes to
                       stderr; the file is replaced at the end (one that cannot be written: exit 1)
  --season-start EPOCH first second of the season, UTC (default 1728259200 = 2024-10-07 00:00:00)
  --season-end EPOCH   last second of the season, UTC (default 1730678399 = 2024-11-03 23:59:59)
  --gap SECONDS        a longer gap between two pings of a user starts a new session (default 60)
  -h, --help           print this help and exit

The season bounds, the gap and the timezones file are stored with the state on the first load; a
later load with different ones is refused (exit 2): start a new database instead. One load at a time
per database (a lock on FILE.lock, or with --pg an advisory lock in the database; a second load
waits). Exit status: 0 done, 1 a load that failed
(nothing written) or that read events and rejected all of them at the first checks (id, type,
time; events loaded before are not rejected: a file loaded again exits 0, nothing changed; events
that pass those and fail a later rule, a country or a goal count, are counted among the rejects,
exit 0), 2 a usage error. See
docs/recipes/game-stats.md. Serve the tables over HTTP with stats-api --db FILE (stats-api --help;
SQLite only: query a --pg load with query-postgres).

Examples:
  event-pipes game-stats --db game.db --timezones timezones.jsonl --rejects rejects.ndjson \
    events.jsonl
      load a day's events; the events not counted, with their reasons, in rejects.ndjson
  event-pipes game-stats --pg postgres://etl@db.internal/game --timezones timezones.jsonl ev.jsonl
      the same tables in PostgreSQL
EOF
  exit 0
}
tzs=""; rejects=""; season_start=1728259200; season_end=1730678399; gap=60; files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db|--pg) need "$@"; sink_opt "$1" "$2"; shift 2 ;;
    --timezones) need "$@"; tzs=$2; shift 2 ;;
    --rejects) need "$@"; rejects=$2; shift 2 ;;
    --season-start) need "$@"; season_start=$2; shift 2 ;;
    --season-end) need "$@"; season_end=$2; shift 2 ;;
    --gap) need "$@"; gap=$2; shift 2 ;;
    -h|--help) help ;;
    --) shift; files+=("$@"); break ;;
    -?*) usage_error "unknown option $1" ;;
    *) files+=("$1"); shift ;;
  esac
done
sink_check
[ -n "$tzs" ] || usage_error "missing --timezones FILE"
[ ${#files[@]} -gt 0 ] || usage_error "no EVENTS file given"
int='^-?[0-9]{1,15}$'
[[ $season_start =~ $int && $season_end =~ $int ]] || usage_error "--season-start and --season-end take epoch seconds"
[[ $gap =~ ^[0-9]{1,9}$ ]] && [ "$gap" -gt 0 ] || usage_error "--gap takes a positive whole number of seconds"
[ -r "$tzs" ] || { echo "$me: cannot read --timezones $tzs" >&2; exit 2; }
[ "$season_start" -le "$season_end" ] || usage_error "--season-start $season_start is after --season-end $season_end: an empty season"
# (each country once, with a zone the tools know: a zone that is none lost its country's registrations
# in silence, an empty one read them as UTC, a file of no country refused every registration, exit 0)
env -u NODE_EXTRA_CA_CERTS node "$here/scripts/lib/zones-file.mjs" "$me" "$tzs" || exit 2
inputs_check "${files[@]}"
inputs=(); for f in "${files[@]}"; do inputs+=(-i "$f"); done
work=$(mktemp -d); stage_pid=""
# (a first load's staging, step 1, runs in the background: a failure elsewhere waits for it, as one
# before it would have been done by then)
# (and says why it failed, if it did: another step's failure may have ended the run first)
# (a --rejects file this run made for its early check, still empty, goes when the run fails)
trap 'st=$?; trap "" INT TERM HUP; if [ -n "$stage_pid" ] && ! wait "$stage_pid" 2> /dev/null; then cat "$work/keys.err" >&2 2> /dev/null || true; fi; rm -rf "$work"; rejects_close "$st"' EXIT
# (--rejects FILE: checked now, so that one that cannot be written fails before anything runs; written
# whole at the end: last night's is not emptied by a run that then fails, and a full disk is a failure
# said, not a cut file and a wrong summary; scripts/lib/rejects.sh)
kept=$rejects
rejects_open "$kept" "${files[@]}" "${sink_db-}" "$tzs"
# (without --rejects the steps' files are this run's own, gone at its end: their summaries name none)
[ -n "$kept" ] || export EVENT_PIPES_REJECTS_AS=
rejects=$work/rejects.ndjson
printf '{"setting":"gap","value":"%s"}\n{"setting":"season_end","value":"%s"}\n{"setting":"season_start","value":"%s"}\n{"setting":"timezones","value":"sha256:%s"}\n' \
  "$gap" "$season_end" "$season_start" "$(sha256sum < "$tzs" | cut -c1-64)" > "$work/want-settings.ndjson"
countries=$(sed -nE 's/.*"country" *: *"([^"]+)".*/\1/p' "$tzs" | paste -sd'|')

# One load at a time: a load reads the state, computes, and writes it back in one transaction.
sink_lock game-stats
db=$(sink_name)

# Each tool writes its rejects to its own file; they are joined in step order at the end (within a
# step, tool by tool; each file in input order).
R() { printf '%s\n' --rejects "$work/rejects.$1" --rejects-format json --max-reports 0; }
# (one file per tool: two tools of a pipeline writing one file would interleave their lines by timing)
mapfile -t R1 < <(R 1a); mapfile -t R1b < <(R 1b); mapfile -t R2 < <(R 2a); mapfile -t R2b < <(R 2b)
mapfile -t R3 < <(R 3); mapfile -t R4 < <(R 4); mapfile -t R5 < <(R 5)
mapfile -t R6 < <(R 6a); mapfile -t R6b < <(R 6b); mapfile -t R6c < <(R 6c)

# 0. a database of the earlier recipe has the tables but none of the state: refuse it rather than mix
shape=""
if sink_is_pg; then
  shape=$(sink_query --format csv "SELECT (to_regclass('game_settings') IS NOT NULL)::int || ' ' ||
    (SELECT count(*) FROM unnest(ARRAY['registration_data', 'session_data', 'match_data']) t WHERE to_regclass(t) IS NOT NULL) AS shape" | tail -n 1)
elif [ -s "$db" ]; then
  shape=$(query-sqlite --db "$db" --format csv "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'game_settings') || ' ' ||
    (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('registration_data', 'session_data', 'match_data')) AS shape" | tail -n 1)
fi
if [ -n "${shape-}" ]; then
  case "$shape" in
    "0 0"|"1 "*) ;;
    *) echo "$me: $db was written by the earlier, non-incremental game-stats.sh (no state kept): load all its files into a new database" >&2; exit 2 ;;
  esac
fi

# 1. stage the keys of the files' events (event id, type, user, match, players), then read the state
#    they need: the ids already seen, stored registrations, sessions and match events (views game_stage_*).
#    A first load (a new database: none of the recipe's tables) has no state to read: its keys are
#    staged beside steps 3-6 (only the apply, step 7, reads them), not before them.
# (only events whose event_id is an integer: step 3 rejects the others, and the stage's INTEGER key made
#  a string "21" the id 21, seen by every later load: a later load's event 21 was then a duplicate, and a
#  split of the events gave other tables than one load. validate's exit 1, every event or an input
#  rejected, is step 3's to say)
stage_keys() {
  { validate --type event_id=integer --max-reports 0 "${inputs[@]}" 2> /dev/null || [ $? -eq 1 ]; } \
    | lenient count-by --distinct event_id event_type user_id=event_data.user_id match_id=event_data.match_id \
      home_user_id=event_data.home_user_id away_user_id=event_data.away_user_id 2> "$work/keys.err" \
    | lenient sink_load --table game_stage_keys --key event_id --atomic \
        --schema "$(sink_sql game.schema)" --post-sql "@$(sink_sql game.stage)" 2>> "$work/keys.err"
}
first=0; [ -n "$shape" ] && [ "$shape" != "0 0" ] || first=1
for f in settings seen known sessions stored-matches; do : > "$work/$f.ndjson"; done
if [ "$first" = 1 ]; then
  stage_keys & stage_pid=$!
else
  stage_keys || { cat "$work/keys.err" >&2; exit 1; }
  sink_query --format csv "$(grep -v '^--' "$(sink_sql game.read)")" \
    | sed -e '1d' -e 's/^"//' -e 's/"$//' -e 's/""/"/g' \
    | awk -v dir="$work" '{ tag = $1; sub(/^[a-z-]+ /, ""); print > (dir "/" tag ".ndjson") }'
fi

# 2. the state depends on the season, the gap and the timezones: refuse a database built with others
#    (and empty the stage again: nothing of this load stays)
if [ -s "$work/settings.ndjson" ] && [ "$(sort "$work/settings.ndjson")" != "$(sort "$work/want-settings.ndjson")" ]; then
  { echo "$me: $db was loaded with other options or another timezones file; use the same ones or a new database. It has:"
    cat "$work/settings.ndjson"; } >&2
  sink_load --table game_stage_keys --key event_id --post-sql 'DELETE FROM game_stage_keys' < /dev/null 2> /dev/null || true
  exit 2
fi

# 3. every event: unique id (the first delivery counts, in this load or an earlier one), known type, a
#    timestamp within the season. The ids seen before go first, so their repeats are duplicates; tail
#    drops them again. event_id must fit a 64-bit INTEGER (validate compares the bounds exactly).
seen=$(grep -c . "$work/seen.ndjson" || true)
figures=$work/read.figures lenient dedupe --key event_id --reject-duplicates "${R1[@]}" -i "$work/seen.ndjson" "${inputs[@]}" \
  | tail -n +$((seen + 1)) \
  | lenient validate --require event_id,event_type,event_timestamp,event_data --type event_id=integer --type event_timestamp=integer \
      --type event_data=object --range event_id=-9223372036854775808..9223372036854775807 \
      --enum event_type='registration|session_ping|match' --range event_timestamp="$season_start..$season_end" "${R1b[@]}" > "$work/events.ndjson"
read_in=$(( $(sed -nE 's/.*"in":([0-9]+),.*/\1/p' "$work/read.figures") - seen ))

# 4. registrations: complete, known country and device; per user the earliest (time, then event_id) of
#    the valid ones, stored (read back as registration events) or new, counts; the others are duplicates
registrations() {
  where event_type=registration < "$work/events.ndjson" \
    | lenient validate --require event_data.user_id,event_data.country,event_data.device_os --non-empty \
        --enum event_data.country="$countries" --enum event_data.device_os='iOS|Android|Web' "${R2[@]}" \
    | cat "$work/known.ndjson" - \
    | count-by --distinct user_id=event_data.user_id event_timestamp event_id country=event_data.country device_os=event_data.device_os \
    | dedupe --key user_id --reject-duplicates "${R2b[@]}" > "$work/registered.ndjson"
}
registration_rows() {
  join --side "$tzs" --on country=country --fields timezone < "$work/registered.ndjson" \
    | to-local-date --field event_timestamp --tz-field timezone --grain second --as registration_date_local_timezone \
        > "$work/stage-registrations.ndjson"
}

# 5. sessions: every new ping joins its user's stored sessions, registered or not yet (a user's sessions
#    count once the registration arrives); pings of users not registered (yet) are reported
pings() {
  where event_type=session_ping < "$work/events.ndjson" | lenient validate --require event_data.user_id --non-empty "${R3[@]}" > "$work/pings.ndjson"
}
sessions() {
  # (each ping a one-ping session, as it comes: sessionize merges pings of one second as it merges any
  # within the gap, and its answer does not depend on the order; grouping them first cost 1 s a million)
  count-by --each user_id=event_data.user_id session_start=event_timestamp -a 'session_end=max(event_timestamp)' -a 'pings=count()' < "$work/pings.ndjson" \
    | cat "$work/sessions.ndjson" - \
    | sessionize --key user_id --time session_start --end session_end --pings pings --gap "$gap" > "$work/stage-sessions.ndjson"
}
unregistered_pings() {
  lenient join --side "$work/registered.ndjson" --on event_data.user_id=user_id --fields event_id --prefix registration_ \
    --unmatched reject "${R4[@]}" < "$work/pings.ndjson" > /dev/null
}

# 6. matches: the new events with the stored events of the same matches; both players registered,
#    start and finish paired (unfinished matches and events of unregistered players wait in the database)
match_events() {
  where event_type=match < "$work/events.ndjson" \
    | lenient validate --require event_data.match_id,event_data.home_user_id,event_data.away_user_id --non-empty \
        --type event_data.home_goals_scored=integer --type event_data.away_goals_scored=integer \
        --range event_data.home_goals_scored=0.. --range event_data.away_goals_scored=0.. "${R5[@]}" \
    | count-by --distinct event_id event_timestamp match_id=event_data.match_id home_user_id=event_data.home_user_id \
        away_user_id=event_data.away_user_id home_goals_scored=event_data.home_goals_scored away_goals_scored=event_data.away_goals_scored \
    | cat "$work/stored-matches.ndjson" - > "$work/stage-match-events.ndjson"
}
match_points() {
  lenient join --side "$work/registered.ndjson" --on home_user_id=user_id --fields event_id --prefix home_registration_ \
      --unmatched reject "${R6[@]}" < "$work/stage-match-events.ndjson" \
    | lenient join --side "$work/registered.ndjson" --on away_user_id=user_id --fields event_id --prefix away_registration_ \
        --unmatched reject "${R6b[@]}" \
    | lenient match-points --match match_id --home home_user_id --away away_user_id --home-goals home_goals_scored \
        --away-goals away_goals_scored "${R6c[@]}" > "$work/stage-points.ndjson"
}

# Steps with nothing to read are skipped (a repeat of a loaded file runs none of them).
has() { for f in "$@"; do [ -s "$work/$f" ] && return 0; done; return 1; }
for f in registered pings stage-registrations stage-sessions stage-match-events stage-points; do : > "$work/$f.ndjson"; done
if has events.ndjson known.ndjson; then registrations & r=$!; else r=; fi
if has events.ndjson; then pings & p=$!; else p=; fi
if has events.ndjson stored-matches.ndjson; then match_events & m=$!; else m=; fi
[ -z "$p" ] || wait $p
if has pings.ndjson sessions.ndjson; then sessions & s=$!; else s=; fi
[ -z "$r" ] || wait $r
if has registered.ndjson; then registration_rows & rr=$!; else rr=; fi
if has pings.ndjson; then unregistered_pings & u=$!; else u=; fi
[ -z "$m" ] || wait $m
if has stage-match-events.ndjson; then match_points & mp=$!; else mp=; fi
for job in $s $rr $u $mp; do wait "$job"; done

# 7. apply everything in one transaction (scripts/sql/game.apply.sql): the state, then the three tables
#    for the users touched (a first load: once its keys are staged)
if [ "$first" = 1 ]; then
  pid=$stage_pid; stage_pid=""
  wait "$pid" || { cat "$work/keys.err" >&2; exit 1; }
fi
n() { grep -c . "$1" || true; }
new=$(n "$work/events.ndjson")
# (a load of which no event could be used fails, exit 1, and writes nothing: it committed the state, its
# event ids and a first load's settings, so the corrected file loaded again was "loaded before" in
# every event, exit 0, and nothing counted; the keys it staged are dropped by the next load's stage)
unusable=0; [ "$read_in" -gt 0 ] && [ "$new" -eq 0 ] && [ "$seen" -eq 0 ] && unusable=1
# (a first load with no new event, an empty file, stores nothing either: it pinned the season, the gap and
# the timezones file of a database that held nothing they decide, every later load with others refused)
empty_first=0; [ "$first" = 1 ] && [ "$new" -eq 0 ] && empty_first=1
if [ "$unusable" = 0 ] && [ "$empty_first" = 0 ]; then
  cat "$work/want-settings.ndjson" "$work/stage-registrations.ndjson" "$work/stage-sessions.ndjson" \
      "$work/stage-match-events.ndjson" "$work/stage-points.ndjson" \
    | sink_load --table game_stage_rows --atomic --strict --post-sql "@$(sink_sql game.apply)" 2> "$work/apply.err" \
    || { cat "$work/apply.err" >&2; exit 1; }
fi
committed=$([ "$unusable" = 0 ] && [ "$empty_first" = 0 ] && echo "the load is committed" || echo "nothing was loaded")

parts=(); for f in "$work"/rejects.[1-6]*; do [ -e "$f" ] && parts+=("$f"); done
if ! cat ${parts[@]+"${parts[@]}"} < /dev/null > "$rejects"; then  # (a full $TMPDIR: the summary would be cut)
  echo "$me: $committed, but its rejected events could not be gathered in $work" >&2
  rejects_failed=1
fi
if [ -n "$kept" ]; then
  if ! rejects_save < "$rejects"; then
    echo "$me: $committed, but its rejected events could not be written to --rejects $kept" >&2
    rejects_failed=1
  fi
fi
echo "$me: $read_in events read: $new new, $seen loaded before; $(n "$work/stage-sessions.ndjson") sessions and" \
  "$(( $(n "$work/stage-points.ndjson") / 2 )) scored matches (re)written" >&2
# (the "reason" member's text: quotes inside the other members' texts are escaped, so it is the one
# match on a line; grep -o rather than sed's .*"reason": the backtracking over long raw lines cost 1.1 s
# for 45k rejects). Without --rejects the details are in this run's temporary files, gone at its end
# (the tools' own "raw lines in" notes name them): the summary says how to keep them.
if [ -s "$rejects" ]; then
  echo "$me: rejected events by reason ($([ -n "${rejects_failed:-}" ] && echo "their details could not be kept" || { [ -n "$kept" ] && echo "details in $kept" || echo "give --rejects FILE to keep the details"; })):" >&2
  grep -o '"reason":"[^"]*"' "$rejects" | sed -e 's/^"reason":"//' -e 's/"$//' | sort | uniq -c | sort -rn >&2 || true
else
  echo "$me: no event rejected" >&2
fi
if [ "$unusable" = 1 ]; then
  echo "$me: no event of this load could be used: nothing was loaded" >&2; exit 1
fi
[ -z "${rejects_failed:-}" ] || exit 1
