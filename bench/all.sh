#!/usr/bin/env bash
# bench/all.sh (npm run bench): every recipe's bench against DuckDB (bench/sliide.sh, loco.sh,
# lingokids.sh, insights.sh, game.sh; see bench/lib.sh for what is measured and how), then one table
# of them all, written between the markers at the top of docs/PERFORMANCE.md.
# Environment: ROUNDS (default 3); SMALL=1: small inputs, a smoke run of the harness and the answers,
# which writes the block to bench/results/PERFORMANCE-block.md only (DOC=1 writes the doc anyway);
# ONLY="sliide loco": run these benches only (the doc then keeps the other jobs' rows out, unless KEEP=1:
# the rows of the benches run before are kept and tabled with them; the header says for each bench
# when, at which commit and under which load it ran).
# Exit status: 1 if a bench failed or some answers differed (the table says which), else 0.
set -uo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
export ROUNDS=${ROUNDS:-3} SMALL=${SMALL:-0}
benches=(${ONLY:-sliide loco lingokids insights game})
mkdir -p results
[ "${KEEP:-0}" = 1 ] || rm -f results/*/rows.tsv results/*/when.txt   # KEEP=1: the rows of benches run before are kept (and tabled)
status=0
loads=()
load() { uptime | sed -E 's/.*load average: //'; }
t0=$(date +%s)
rev() { echo "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (with uncommitted changes)' || true)"; }
for b in "${benches[@]}"; do
  before=$(load)
  loads+=("$b: $before")
  bash "$b.sh" || { echo "bench/all.sh: bench/$b.sh failed" >&2; status=1; }
  mkdir -p "results/$b"
  echo "$b: $(date -u +%Y-%m-%d), commit $(rev), load before $before" > "results/$b/when.txt"
done
loads+=("end: $(load)")
minutes=$(( ($(date +%s) - t0 + 59) / 60 ))

# start-up of each side, with nothing to do (5 runs each, alternated; the median): included in every time above
unset NODE_EXTRA_CA_CERTS
ours=() duck=()
for i in 1 2 3 4 5; do
  ours+=("$( { /usr/bin/time -f '%e' "$root/bin/event-pipes" count-by x < /dev/null > /dev/null; } 2>&1 | tail -n 1)")
  duck+=("$( { /usr/bin/time -f '%e' node duckdb-run.mjs -e 'SELECT 1' > /dev/null; } 2>&1 | tail -n 1)")
done
med() { printf '%s\n' "$@" | sort -g | sed -n 3p; }

rows=(); for j in sliide loco loco-final-action lingokids insights game; do [ -s "results/$j/rows.tsv" ] && rows+=("results/$j/rows.tsv"); done
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ', with uncommitted changes' || true)
duckv=$(node duckdb-run.mjs -e 'SELECT version() AS v' | sed -E 's/.*"v":"([^"]+)".*/\1/')
block=results/PERFORMANCE-block.md
{
  echo '<!-- bench:begin: written by `npm run bench` (bench/all.sh); change bench/, not this block -->'
  echo '## Every recipe against DuckDB (`npm run bench`)'
  echo
  echo "$(date -u +%Y-%m-%d), commit $commit$dirty, $(nproc) cores, Node $(node --version), DuckDB $duckv (its node API, 2 threads);" \
    "$ROUNDS alternated rounds$([ "$SMALL" = 1 ] && echo ', SMALL inputs (a smoke run)'); $minutes minutes in all."
  echo "Load average (1, 5, 15 min) before each bench: $(IFS=';'; echo "${loads[*]}" | sed 's/;/; /g')."
  if [ "${KEEP:-0}" = 1 ]; then # rows kept from earlier runs: when each bench ran
    echo "With rows kept from earlier runs (KEEP=1), each bench's run (date, commit, load average before it):"
    for j in sliide loco lingokids insights game; do [ -s "results/$j/when.txt" ] && echo "- $(cat "results/$j/when.txt")"; done
  fi
  echo
  echo 'Each bench runs its commands alternated, one per round, wall time and peak RSS by GNU time (start-up'
  echo 'included; peak RSS is that of the largest single process of a shell pipeline or recipe). Ratio ='
  echo "DuckDB's seconds / event-pipes' seconds, from the best round (the medians' in parentheses): above 1"
  echo 'event-pipes is faster. "Same answer": the first round'"'"'s tables of both sides, as sorted canonical rows'
  echo '(bench/norm.mjs: numbers to 12 significant digits, booleans as 1/0), are equal. DuckDB is given the'
  echo 'fastest correct query for each job (for Sliide the wider one is shown too); event-pipes runs the'
  echo 'recipe as a user runs it, which does more than the DuckDB query where the row says so (SQLite loads'
  echo 'with the state for later loads, rejects files, the tables the query does not compute).'
  echo "Start-up with nothing to do (median of 5): \`event-pipes count-by\` $(med "${ours[@]}") s, DuckDB's node process $(med "${duck[@]}") s."
  echo
  node table.mjs "${rows[@]}"
  echo
  echo 'The commands, run in bench/ with bin/ and scripts/ on the PATH (`$W`: the command'"'"'s own output folder;'
  echo '`$REAL`: ../shared/data/real, the samples handed out with the challenges):'
  node table.mjs --commands "${rows[@]}"
  echo '<!-- bench:end -->'
} > "$block"
cat "$block"

doc=$root/docs/PERFORMANCE.md
if [ "$SMALL" != 1 ] || [ "${DOC:-0}" = 1 ]; then
  node -e '
    const fs = require("fs"); const [doc, block] = process.argv.slice(1);
    const text = fs.readFileSync(doc, "utf8"), add = fs.readFileSync(block, "utf8");
    const b = text.indexOf("<!-- bench:begin"), e = text.indexOf("<!-- bench:end -->");
    let out;
    if (b >= 0 && e > b) out = text.slice(0, b) + add + text.slice(e + "<!-- bench:end -->\n".length);
    else { const at = text.indexOf("\n## "); out = text.slice(0, at + 1) + add + "\n" + text.slice(at + 1); }
    fs.writeFileSync(doc, out);' "$doc" "$block"
  echo "bench/all.sh: the table is in docs/PERFORMANCE.md" >&2
fi
exit $status
