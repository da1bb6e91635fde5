#!/usr/bin/env bash
# A demo: the Sliide job on the bundled sample and on 200k generated events.
# npm run demo: the Sliide job on the bundled generated sample (data/ga4-sample.ndjson.gz: 5,000
# GA4-shaped events over 2020-03-06..09, across the US DST switch, with 3 deliberately broken lines),
# then on a larger freshly generated file, into SQLite under data/out/.
set -euo pipefail
me=demo.sh
help() {
  cat <<'EOF'
usage: demo.sh
   or: npm run demo, event-pipes demo

The Sliide job (active users per US/Central day) on the bundled generated sample
data/ga4-sample.ndjson.gz (5,000 GA4-shaped events over 2020-03-06..09, across the US DST switch,
with 3 deliberately broken lines, reported and skipped), loaded twice into data/out/analytics.db to
show that a second load changes nothing; then 200,000 freshly generated events (data/generated/)
through the same tools with --stats per stage into data/out/generated.db. Takes no arguments. In a
clone of the repository it replaces data/out/analytics.db and data/out/generated.db there (builds
dist/ first if needed); from the package installed by npm (no src/ beside it) it writes
event-pipes-demo/data/out/ and event-pipes-demo/data/generated/ in the current directory instead.

Options:
  -h, --help  print this help and exit (nothing is run)
EOF
  exit 0
}
for a in "$@"; do case "$a" in -h|--help) help ;; esac; done
[ $# -eq 0 ] || { echo "$me: takes no arguments, got '$1' (try '$me --help')" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$here/scripts:$PATH"
sample=$here/data/ga4-sample.ndjson.gz
if [ -d "$here/src" ]; then   # a clone: its data/ folder
  cd "$here"
  [ -f dist/core/runner.js ] || npm run build
else                          # the installed package: not inside node_modules
  mkdir -p event-pipes-demo && cd event-pipes-demo && mkdir -p data && echo "$me: writing into $PWD" >&2
fi
mkdir -p data/out data/generated
rm -f data/out/analytics.db data/out/analytics.db-*

echo "== active users per US/Central day, bundled sample -> data/out/analytics.db"
active-users.sh --db data/out/analytics.db "$sample"

echo
echo "== the same load again: idempotent, the table does not change"
active-users.sh --db data/out/analytics.db "$sample"

echo
echo "== 200,000 generated events (scripts/generate-ga4 --seed 1), with --stats per stage"
generate-ga4 --seed 1 --events 200000 --users 20000 --out data/generated/ga4-200k.ndjson
rm -f data/out/generated.db data/out/generated.db-*
time (filter-engaged --stats data/generated/ga4-200k.ndjson | to-local-date --stats --tz America/Chicago \
  | count-by --stats date -a 'active_user_count=distinct(user_pseudo_id)' \
  | load-sqlite --db data/out/generated.db --table active_user_table --key date)
query-sqlite --db data/out/generated.db --format table 'SELECT * FROM active_user_table ORDER BY date'
