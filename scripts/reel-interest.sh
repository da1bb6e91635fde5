#!/usr/bin/env bash
# Loco: likes, unlikes and watches -> is_interested per (user, reel).
# Clip interest: one row per (user_uid, reel_uid) with liked, unliked (the final like/unlike by
# event time), watched_ratio (platform/app-version rules) and is_interested, as NDJSON and Parquet, and
# optionally loaded into SQLite (--db) or PostgreSQL (--pg). Two jobs, as in the case study's workflow:
#   1. ETL to files: final-action + (watch events with no null field their rule reads) watch-ratio -> merge-keys
#      -> reel-interest -> out/reel_interest.{ndjson,parquet}
#   2. load to the database: load-sqlite or load-postgres (table reel_interest, key user_uid, reel_uid),
#      one transaction
# Each output is written under a temporary name and renamed when complete; a failing step is named and
# the script exits non-zero, leaving the previous outputs in place.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$here/bin:$PATH"
me=reel-interest.sh
. "$here/scripts/lib/sink.sh"
. "$here/scripts/lib/inputs.sh"
. "$here/scripts/lib/rejects.sh"
. "$here/scripts/lib/lenient.sh"
usage_error() { echo "$me: $1 (try '$me --help')" >&2; exit 2; }
need() { [ -n "${2-}" ] || usage_error "$1 needs a value"; [[ $2 != --?* ]] || usage_error "$1 needs a value, not the option $2 (a file so named: ./$2)"; }
help() {
  cat <<'EOF'
usage: reel-interest.sh --out DIR [--db FILE|--pg URL] [--threshold R] [--rejects FILE] FILE...
   or, in the package folder: scripts/reel-interest.sh ARGS
      (not event-pipes reel-interest: that runs the tool reel-interest)

Loco clip interest: one row per (user_uid, reel_uid) with liked and unliked (the final like or
unlike by event time), watched_ratio (the platform and app-version rules of reel_watch_duration) and
is_interested (unliked: no; liked: yes; else watched_ratio > R), written as DIR/reel_interest.ndjson
and DIR/reel_interest.parquet and, with --db or --pg, loaded into the table reel_interest (key
user_uid, reel_uid) of SQLite or PostgreSQL. FILEs hold reel_watched, reel_liked and reel_unliked
events (NDJSON), in any mix: all of them, every day's (a pair is decided from the events given:
a run over one day's files would replace the rows of the pairs it touched with that day's view).

Options:
  --out DIR        the output folder (created if missing)
  --db FILE        also load the rows into this SQLite database (one transaction)
  --pg URL         or into this PostgreSQL database: postgres://USER@HOST:PORT/DB (the same table;
                   a password in PGPASSWORD or ~/.pgpass rather than in the URL)
  --threshold R    the watched_ratio above which a user with no like or unlike is interested
                   (default 0.6)
  --rejects FILE   write the events the steps refused as JSON lines {file, line, reason, detail,
                   raw}, step by step, each in input order (a line that is no JSON once); replaced
                   whole at the end of a run that wrote its outputs or refused events
  -h, --help       print this help and exit

A watch event counts only when its key and the fields its own rule reads are present and not null
(the platform and both durations; app_version on android, replay_count on android before 2.3.0):
each one dropped is reported. Each output is written under a temporary name and renamed when
complete; a failing step is named and the previous outputs stay in place. Exit status: 0 done, 1 a
step failed or a FILE that cannot be read (nothing was run), 2 a usage error. See
docs/recipes/reel-interest.md.

Examples:
  scripts/reel-interest.sh --out out reel_liked_data reel_unliked_data reel_watched_data
      out/reel_interest.ndjson and out/reel_interest.parquet
  scripts/reel-interest.sh --out out --db loco.db --threshold 0.8 reel_*_data
      a stricter threshold; the rows also in the table reel_interest of loco.db
  scripts/reel-interest.sh --out out --pg postgres://etl@db.internal/loco reel_*_data
      the rows also in the table reel_interest of a PostgreSQL database
EOF
  exit 0
}
out=""; threshold=0.6; rejects=""; files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) need "$@"; out=$2; shift 2 ;;
    --db|--pg) need "$@"; sink_opt "$1" "$2"; shift 2 ;;
    --threshold) need "$@"; threshold=$2; shift 2 ;;
    --rejects) need "$@"; rejects=$2; shift 2 ;;
    -h|--help) help ;;
    --) shift; files+=("$@"); break ;;
    -?*) usage_error "unknown option $1" ;;
    *) files+=("$1"); shift ;;
  esac
done
[ -n "$out" ] || usage_error "missing --out DIR"
[ ! -e "$out" ] || [ -d "$out" ] || usage_error "--out $out: a file, not a folder"
sink_check optional
[ ${#files[@]} -gt 0 ] || usage_error "no FILE given"
[[ $threshold =~ ^[0-9]+([.][0-9]+)?$ ]] || usage_error "--threshold takes a number (got '$threshold')"
inputs_check "${files[@]}"
work=""
trap 'st=$?; trap "" INT TERM HUP; kill $(jobs -p) 2>/dev/null || true; [ -z "$work" ] || { rejects_on_exit "$st" "$work"; rm -rf "$work"; }; rejects_close "$st"' EXIT
# (--rejects: each step's refused events in a file of its own, joined in step order at the end: the
# watch chain's where (the lines that are no JSON: the likes' chain reads the same ones, said twice on
# stderr, kept once), the likes' validate and final-action, the watches' validate and watch-ratio;
# scripts/lib/rejects.sh. Checked before the output folder is made.)
rejects_open "$rejects" "${files[@]}" "${sink_db-}" "$out/reel_interest.ndjson" "$out/reel_interest.parquet"
mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX")
for k in 1 2 3 4 5; do mapfile -t "R$k" < <(rejects_opts "$work" "$k"); done
# a failed step is named, exit 1; one stopped by a signal (130: an interrupt its shell ignored, in the
# background of a script) ends the run with that status, its refused records not written
step() { local st=${2:-$?}; [ "$st" -lt 128 ] || exit "$st"; echo "reel-interest.sh: step '$1' failed" >&2; exit 1; }

# job 1: ETL to files (the event kinds may be in any files, mixed or separate). The final actions and
# the watch ratios read the files side by side: final-action in the background, the watch chain here
# The ids are text (the schemas' user_uid and reel_uid are strings; "some attributes might have the wrong
# data type"): an id sent as a number is its text (validate --coerce), so user_uid 1 and "1" are one user
# on both sides, in the NDJSON, the Parquet file and the table alike (they were two rows in the files,
# one in the table, the last written)
ids=(--type user_uid=string --type reel_uid=string --coerce)
# (-i each: where's positionals are conditions.) Both chains read every file: standard input or a pipe
# can be read once, and was split between them (some events in one chain only, exit 0): such an input
# is copied into the run's folder first.
inputs=(); n=0
for f in "${files[@]}"; do
  if [ "$f" = - ] || [ ! -f "$f" ]; then n=$((n + 1)); cat -- "$f" > "$work/input.$n" || step "reading $f"; f=$work/input.$n; fi
  inputs+=("--input=$f") # (a name beginning with '-' is the option's value written so)
done
event-pipes --threads auto where 'event_name!=reel_watched' "${inputs[@]}" then validate "${ids[@]}" --stats-file "$work/likes.figures" ${R2[@]+"${R2[@]}"} \
  then final-action ${R3[@]+"${R3[@]}"} --stats-file "$work/final.figures" > "$work/final.ndjson" & final_pid=$!
# "Ignore the events where important fields are null": a watch event counts only when its key and the
# fields its own watched-ratio rule reads are present and not null: the key, the platform and both
# durations always (validate reports each event dropped), app_version on android, replay_count on
# android before 2.3.0 (watch-ratio reports each event dropped: "missing replay_count"). An ios event
# with a null replay_count or app_version, which its rule does not read, counts.
important=user_uid,reel_uid,origin_platform,reel_watch_duration,reel_duration
# (when every watch event lacks one, validate keeps nothing: the chain's status 1, which is then no
# failure here, the likes and unlikes still decide)
status=0
event-pipes where event_name=reel_watched ${R1[@]+"${R1[@]}"} "${inputs[@]}" \
  then validate --require "$important" "${ids[@]}" --stats-file "$work/validate.figures" ${R4[@]+"${R4[@]}"} \
  then watch-ratio --stats-file "$work/ratio.figures" ${R5[@]+"${R5[@]}"} > "$work/ratios.ndjson" || status=$?
[ $status -eq 0 ] || { [ $status -eq 1 ] && { rejected_all "$work/validate.figures" || rejected_all "$work/ratio.figures"; }; } \
  || step "the watch events (where, validate, watch-ratio)" "$status"

# (the same for the likes and unlikes: when every one is rejected, the chain's status 1 is no failure
# here, the watch events still decide; one bad like failed the run, writing nothing)
status=0; wait "$final_pid" || status=$?
[ $status -eq 0 ] || { [ $status -eq 1 ] && { rejected_all "$work/likes.figures" || rejected_all "$work/final.figures"; }; } \
  || step final-action "$status"
# the decisions go to the NDJSON file and, as they come, to the Parquet writer (a process of its own:
# it works while merge-keys and reel-interest do, 0.6 s less on a million events than after them)
merge-keys --key user_uid,reel_uid "$work/final.ndjson" "$work/ratios.ndjson" \
  | reel-interest --threshold "$threshold" | tee "$work/reel_interest.ndjson" \
  | to-parquet --types user_uid=string,reel_uid=string,liked=boolean,unliked=boolean,watched_ratio=double,is_interested=boolean \
    "$work/reel_interest.parquet" \
  || { st=("${PIPESTATUS[@]}")
       if [ "${st[0]}" != 0 ] || [ "${st[1]}" != 0 ]; then step decide "$(( st[0] != 0 ? st[0] : st[1] ))"
       elif [ "${st[2]}" != 0 ]; then step "writing reel_interest.ndjson" "${st[2]}"
       else step to-parquet "${st[3]}"; fi; }
# a run that decided no pair (an empty input; every watch event rejected and no like or unlike) kept
# nothing: it says so in its status and leaves the last run's files (and table) as they were, where it
# wrote empty ones over them with exit 0
if [ ! -s "$work/reel_interest.ndjson" ]; then
  echo "reel-interest.sh: no (user, reel) pair came out of the input (no usable watch event, like or unlike): nothing kept, the outputs in $out left as they were" >&2
  exit 1
fi
mv "$work/reel_interest.ndjson" "$out/reel_interest.ndjson"
mv "$work/reel_interest.parquet" "$out/reel_interest.parquet"
rejects_write "$work" || exit 1

# job 2: load to the database (all or nothing)
if sink_on; then
  sink_load --table reel_interest --key user_uid,reel_uid --atomic \
    --schema "$(sink_sql reel-interest.schema)" < "$out/reel_interest.ndjson" || step "$(sink_is_pg && echo load-postgres || echo load-sqlite)"
fi
# events of other names ("REEL_LIKED", "reel_shared"): left out, counted by final-action, said here
others=$(sed -nE 's/.*"other events":([0-9]+).*/\1/p' "$work/final.figures" 2> /dev/null | tail -n 1)
[ "${others:-0}" = 0 ] || echo "$me: $others event$([ "$others" = 1 ] || echo s) of other names (not reel_watched, reel_liked or reel_unliked) left out" >&2
echo "reel-interest.sh: $(wc -l < "$out/reel_interest.ndjson") rows in $out/reel_interest.ndjson and .parquet$(sink_on && echo ", table reel_interest in $(sink_name)")" >&2
