#!/usr/bin/env bash
# Lingokids engagement: raw activity_exit events -> the daily cube activity_engagement_daily (plays,
# completed_plays, total_duration_s by date, country, OS name/version, app version, subscription status
# at event time, activity id/type/subtype, collection) with weekly/monthly/yearly, top-activity and
# completion-rate views, in SQLite; also as Parquet with --out. A load replaces the days it carries.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
usage() { echo "usage: engagement.sh --db FILE --users FILE --activities FILE [--out DIR] [--tz ZONE] [--input-tz ZONE] [--stats-file F] EVENTS..." >&2; exit 2; }
db=""; users=""; activities=""; out=""; tz=UTC; input_tz=UTC; stats=(); files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=${2:?}; shift 2 ;;
    --users) users=${2:?}; shift 2 ;;
    --activities) activities=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --tz) tz=${2:?}; shift 2 ;;
    --input-tz) input_tz=${2:?}; shift 2 ;;
    --stats-file) stats=(--stats-file "${2:?}"); shift 2 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; usage ;;
    -*) echo "engagement.sh: unknown option $1" >&2; usage ;;
    *) files+=("$1"); shift ;;
  esac
done
[ -n "$db" ] && [ -n "$users" ] && [ -n "$activities" ] && [ ${#files[@]} -gt 0 ] || usage
mkdir -p "$(dirname "$db")"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

dedupe --key event_id ${stats[@]+"${stats[@]}"} -i "${files[@]}" \
  | where name=activity_exit ${stats[@]+"${stats[@]}"} \
  | join --side "$users" --on user_id --prefix user_ ${stats[@]+"${stats[@]}"} \
      --fields country_code,registration_at,trial_start_at,trial_end_at,subscription_start_at,subscription_expire_at \
  | join --side "$activities" --on data.activity_id=activity_id --fields type,subtype --prefix activity_ ${stats[@]+"${stats[@]}"} \
  | subscription-status --time occurred_at --prefix user_ --input-tz "$input_tz" ${stats[@]+"${stats[@]}"} \
  | to-local-date --field occurred_at --input-tz "$input_tz" --tz "$tz" ${stats[@]+"${stats[@]}"} \
  | count-by date country=user_country_code os_name=context.os.name os_version=context.os.version \
      app_version=context.app.version subscription_status activity_id=data.activity_id activity_type activity_subtype \
      collection_id=data.collection_id ${stats[@]+"${stats[@]}"} \
      -a 'plays=count()' -a 'completed_plays=count_if(data.completed)' -a 'total_duration_s=sum(data.duration)' \
  > "$work/cube.ndjson"

load-sqlite --db "$db" --table activity_engagement_daily_load --atomic ${stats[@]+"${stats[@]}"} \
  --schema "$here/scripts/sql/engagement.schema.sql" --post-sql "@$here/scripts/sql/engagement.refresh.sql" < "$work/cube.ndjson"

if [ -n "$out" ]; then
  mkdir -p "$out"
  query-sqlite --db "$db" 'SELECT * FROM activity_engagement_daily ORDER BY date, country, os_name, os_version, app_version, subscription_status, activity_id, collection_id' \
    | to-parquet --types date=string,country=string,os_name=string,os_version=string,app_version=string,subscription_status=string \
        --types activity_id=string,activity_type=string,activity_subtype=string,collection_id=string \
        --types plays=int64,completed_plays=int64,total_duration_s=double "$out/activity_engagement_daily.parquet"
fi
query-sqlite --db "$db" --format table 'SELECT substr(date, 1, 7) AS month, sum(plays) AS plays, sum(completed_plays) AS completed, round(sum(total_duration_s) / 3600, 1) AS hours FROM activity_engagement_daily GROUP BY 1 ORDER BY 1' >&2
