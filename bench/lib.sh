# bench/lib.sh: the harness of the per-recipe benches (bench/sliide.sh, loco.sh, lingokids.sh,
# insights.sh, game.sh), sourced by each. A bench declares its commands and how to read their answers:
#
#   bench_begin JOB "input described"          # results go to results/JOB/
#   cmd NAME ours|duckdb "label" 'COMMAND'     # run by bash in bench/ with PATH=bin:scripts:$PATH;
#                                              # $W is the command's own empty folder for its outputs
#   answer NAME 'COMMAND'                      # prints the command's answer as canonical rows (e.g. through
#                                              # norm.mjs), run after its first round; the bench sorts them
#   row OURS DUCK [BAR]                        # one table row: OURS against DUCK; BAR: the ratio to reach
#   warm FILE...                               # read the inputs once (page cache)
#   bench_run                                  # ROUNDS alternated rounds, compare, print the table
#   bench_end                                  # exit 1 if some answers differed (a script may hold
#                                              # several jobs: bench_begin ... bench_run, again)
#
# Each round runs every command once, in a rotated order (round r starts at the r-th command), under GNU
# time (wall seconds, peak RSS: the largest single process of the command, or the whole process for
# in-process threads). Reported: best and median wall time, the highest peak RSS over the rounds, and
# ratio = DuckDB's time / ours (higher is better for event-pipes; > 1: event-pipes faster), from the
# best times and from the medians. The answers of the first round of both sides of a row must be equal
# as sorted canonical rows; if not, the diff is shown, the row says NO and bench_end exits 1.
# A command that fails (non-zero exit) stops the bench (exit 1) with its stderr.
# Environment: ROUNDS (default 3), SMALL=1 (small inputs: a smoke run).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
cd "$BENCH_DIR"
ROUNDS=${ROUNDS:-3}
SMALL=${SMALL:-0}
_setup=$(bash setup.sh 2>&1) || { echo "$_setup" >&2; exit 1; }
export PATH="$ROOT/bin:$ROOT/scripts:$PATH"
# This machine sets NODE_EXTRA_CA_CERTS, which node parses at start-up (~0.1 s). Our bins unset it
# themselves (no tool makes a TLS connection); DuckDB's node process is started without it too.
unset NODE_EXTRA_CA_CERTS
# the real samples handed out with the challenges (users, activities, timezones)
REAL=${REAL:-$(cd "$ROOT/../shared/data/real" 2>/dev/null && pwd || echo "$ROOT/../shared/data/real")}
export REAL
mkdir -p data results

_failed=0
bench_begin() {
  _names=(); _rows=()
  unset _side _label _cmd _answer _times _rss
  declare -gA _side _label _cmd _answer _times _rss
  JOB=$1; INPUT=$2; RES="$BENCH_DIR/results/$JOB"
  rm -rf "$RES"; mkdir -p "$RES"
  echo "== $JOB: $INPUT ($ROUNDS rounds$([ "$SMALL" = 1 ] && echo ', SMALL'))" >&2
}
cmd() { _names+=("$1"); _side[$1]=$2; _label[$1]=$3; _cmd[$1]=$4; _times[$1]=""; _rss[$1]=0; }
answer() { _answer[$1]=$2; }
row() { _rows+=("$1 $2 ${3:-}"); }
warm() { cat "$@" > /dev/null; }
# 1234567 -> 1,234,567
thousands() { sed -E ':a; s/([0-9])([0-9]{3})($|[^0-9])/\1,\2\3/; ta' <<< "$1"; }

# run NAME ROUND: one timed run of a command in a fresh $W
_run() {
  local n=$1 r=$2 W="$RES/$1"
  rm -rf "$W"; mkdir -p "$W"
  if ! W="$W" /usr/bin/time -f '%e %M' -o "$RES/$n.time" bash -c "set -euo pipefail; ${_cmd[$n]}" > "$W/stdout" 2> "$W/stderr"; then
    echo "bench $JOB: '$n' failed (round $r): ${_cmd[$n]}" >&2
    tail -n 20 "$W/stderr" >&2
    exit 1
  fi
  local secs kb
  read -r secs kb < <(tail -n 1 "$RES/$n.time")
  _times[$n]+="$secs "
  if [ "$kb" -gt "${_rss[$n]}" ]; then _rss[$n]=$kb; fi
  printf '  round %d: %-24s %7.2f s %6d MB\n' "$r" "$n" "$secs" $((kb / 1024)) >&2
  if [ "$r" = 1 ]; then
    W="$W" bash -c "set -euo pipefail; ${_answer[$n]}" | LC_ALL=C sort > "$RES/$n.answer" \
      || { echo "bench $JOB: reading the answer of '$n' failed" >&2; exit 1; }
  fi
}

# best and median of a list of seconds
_best() { tr ' ' '\n' <<< "$1" | grep . | sort -g | head -n 1; }
_median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

bench_run() {
  local r i k n count=${#_names[@]}
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((k = 0; k < count; k++)); do
      i=$(((k + r - 1) % count))
      _run "${_names[$i]}" "$r"
    done
  done
  local o d bar eq rows=() ob om db dm rb rm met
  : > "$RES/rows.tsv"
  for row in "${_rows[@]}"; do
    read -r o d bar <<< "$row"
    if cmp -s "$RES/$o.answer" "$RES/$d.answer" && [ -s "$RES/$o.answer" ]; then eq=yes
    else
      eq=NO; _failed=1
      echo "bench $JOB: the answers of '$o' and '$d' differ ($(wc -l < "$RES/$o.answer") vs $(wc -l < "$RES/$d.answer") rows); first differences (< $o, > $d):" >&2
      diff "$RES/$o.answer" "$RES/$d.answer" | head -n 20 >&2 || true
    fi
    ob=$(_best "${_times[$o]}"); om=$(_median "${_times[$o]}")
    db=$(_best "${_times[$d]}"); dm=$(_median "${_times[$d]}")
    rb=$(awk -v a="$db" -v b="$ob" 'BEGIN { printf "%.2f", a / b }')
    rm=$(awk -v a="$dm" -v b="$om" 'BEGIN { printf "%.2f", a / b }')
    met=""
    [ -z "$bar" ] || met=$(awk -v x="$rb" -v y="$rm" -v b="$bar" 'BEGIN { print (x >= b ? (y >= b ? "met" : "met (best), not (median)") : "not met") }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n' \
      "$JOB" "$INPUT" "${_label[$o]}" "${_cmd[$o]}" "$ob" "$om" "${_label[$d]}" "${_cmd[$d]}" "$db" "$dm" "$rb" "$rm" \
      $((_rss[$o] / 1024)) $((_rss[$d] / 1024)) "$eq" "$bar" "$met" "${_times[$o]}/ ${_times[$d]}" >> "$RES/rows.tsv"
  done
  node "$BENCH_DIR/table.mjs" "$RES/rows.tsv"
}
# the bench's exit status: 1 when some answers differed
bench_end() { exit $_failed; }
