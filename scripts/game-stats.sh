#!/usr/bin/env bash
# Game user stats (Nordeus): clean the raw events with every rule (each dropped event goes to the
# rejects file with its reason and line; a per-reason summary is printed), build sessions from pings
# (gap > 60 s, the `type` field unused), score matches (3/1/0, on the day the match started), and load
# registration_data, session_data and match_data into SQLite (idempotent upserts). Serve with stats-api.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
usage() { echo "usage: game-stats.sh --db FILE --timezones FILE [--rejects FILE] [--season-start EPOCH] [--season-end EPOCH] [--gap 60] EVENTS..." >&2; exit 2; }
db=""; tzs=""; rejects=""; season_start=1728259200; season_end=1730678399; gap=60; files=()   # season: 2024-10-07 .. 2024-11-03 UTC
while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=${2:?}; shift 2 ;;
    --timezones) tzs=${2:?}; shift 2 ;;
    --rejects) rejects=${2:?}; shift 2 ;;
    --season-start) season_start=${2:?}; shift 2 ;;
    --season-end) season_end=${2:?}; shift 2 ;;
    --gap) gap=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; usage ;;
    -*) echo "game-stats.sh: unknown option $1" >&2; usage ;;
    *) files+=("$1"); shift ;;
  esac
done
[ -n "$db" ] && [ -n "$tzs" ] && [ ${#files[@]} -gt 0 ] || usage
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
rejects=${rejects:-$work/rejects.ndjson}
: > "$rejects"
R=(--rejects "$rejects" --rejects-format json --max-reports 0)
countries=$(sed -nE 's/.*"country" *: *"([^"]+)".*/\1/p' "$tzs" | paste -sd'|')

# 1. every event: unique id, known type, a timestamp within the season
dedupe --key event_id --reject-duplicates "${R[@]}" -i "${files[@]}" \
  | validate --require event_id,event_type,event_timestamp,event_data --type event_timestamp=integer --type event_data=object \
      --enum event_type='registration|session_ping|match' --range event_timestamp="$season_start..$season_end" "${R[@]}" > "$work/events.ndjson"

# 2. registrations: complete, known country and device, one per user (the first)
where event_type=registration -i "$work/events.ndjson" \
  | validate --require event_data.user_id,event_data.country,event_data.device_os --non-empty \
      --enum event_data.country="$countries" --enum event_data.device_os='iOS|Android|Web' "${R[@]}" \
  | dedupe --key event_data.user_id --reject-duplicates "${R[@]}" > "$work/registrations.ndjson"

# 3. sessions: pings of registered users only
where event_type=session_ping -i "$work/events.ndjson" \
  | validate --require event_data.user_id "${R[@]}" \
  | join --side "$work/registrations.ndjson" --on event_data.user_id=event_data.user_id --fields event_id --prefix registration_ --unmatched reject "${R[@]}" \
  | sessionize --key event_data.user_id --time event_timestamp --gap "$gap" > "$work/sessions.ndjson"

# 4. matches: both players registered, start and finish paired
where event_type=match -i "$work/events.ndjson" \
  | validate --require event_data.match_id,event_data.home_user_id,event_data.away_user_id "${R[@]}" \
  | join --side "$work/registrations.ndjson" --on event_data.home_user_id=event_data.user_id --fields event_id --prefix home_registration_ --unmatched reject "${R[@]}" \
  | join --side "$work/registrations.ndjson" --on event_data.away_user_id=event_data.user_id --fields event_id --prefix away_registration_ --unmatched reject "${R[@]}" \
  | match-points "${R[@]}" > "$work/points.ndjson"

# 5. the three tables
schema=(--schema "$here/scripts/sql/game.schema.sql")
join --side "$tzs" --on event_data.country=country --fields timezone -i "$work/registrations.ndjson" \
  | to-local-date --field event_timestamp --tz-field timezone --grain second --as registration_date_local_timezone \
  | to-local-date --field event_timestamp --tz UTC --grain second --as registration_date_utc \
  | count-by --distinct user_id=event_data.user_id country=event_data.country registration_date_local_timezone registration_date_utc device=event_data.device_os \
  | load-sqlite --db "$db" --table registration_data --key user_id --atomic "${schema[@]}"
to-local-date --field session_start --tz UTC -i "$work/sessions.ndjson" \
  | count-by user_id date -a 'session_count=count()' -a 'time_spent_in_game=sum(duration_s)' \
  | load-sqlite --db "$db" --table session_data --key user_id,date --atomic "${schema[@]}"
to-local-date --field match_start --tz UTC -i "$work/points.ndjson" \
  | count-by user_id date -a 'total_duration=sum(duration_s)' -a 'total_points_home=sum(points_home)' -a 'total_points_away=sum(points_away)' \
  | load-sqlite --db "$db" --table match_data --key user_id,date --atomic "${schema[@]}"

echo "game-stats.sh: rejected events by reason (details in $rejects):" >&2
sed -nE 's/.*"reason":"([^"]*)".*/\1/p' "$rejects" | sort | uniq -c | sort -rn >&2 || true
