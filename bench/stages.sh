#!/usr/bin/env bash
# bench/stages.sh RECIPE.sh ARGS...: where a recipe's time goes, without changing it. The recipe runs
# from a shadow copy of the checkout (results/stages/root: scripts/ and dist/ linked, every bin/ tool
# replaced by a shim that runs the real one under GNU time), so each tool process it starts is timed.
# Prints per tool: processes, CPU seconds (user + sys), wall seconds (summed over its processes: the
# stages of a pipeline overlap), the largest peak RSS; and the recipe's own wall time. Run in bench/.
# Example: bash stages.sh reel-interest.sh --out /tmp/ri data/loco-200000-seed5.ndjson
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
[ $# -ge 1 ] || { echo "usage: bench/stages.sh RECIPE.sh ARGS..." >&2; exit 2; }
recipe=$1; shift
shadow=$PWD/results/stages/root
rm -rf "$shadow"; mkdir -p "$shadow/bin"
mkdir "$shadow/scripts"
for f in "$root"/scripts/*; do ln -s "$f" "$shadow/scripts/"; done
rm "$shadow/scripts/$recipe"; cp "$root/scripts/$recipe" "$shadow/scripts/$recipe"   # a copy: its own folder decides `here`
for d in dist node_modules package.json; do ln -s "$root/$d" "$shadow/$d"; done
log=$PWD/results/stages/times.log; : > "$log"
for b in "$root"/bin/*; do
  n=$(basename "$b")
  printf '#!/bin/sh\nexec /usr/bin/time -a -o %s -f "%s %%e %%U %%S %%M" %s "$@"\n' "$log" "$n" "$b" > "$shadow/bin/$n"
  chmod +x "$shadow/bin/$n"
done
unset NODE_EXTRA_CA_CERTS
start=$(date +%s.%N)
status=0
"$shadow/scripts/$recipe" "$@" > results/stages/stdout 2> results/stages/stderr || status=$?
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "$recipe $*: ${wall} s wall, exit $status"
echo
echo "| tool | processes | CPU s (user + sys) | wall s (summed) | peak RSS MB |"
echo "|---|---|---|---|---|"
grep -v '^Command' "$log" | awk '{ n[$1]++; cpu[$1] += $3 + $4; wall[$1] += $2; if ($5 > rss[$1]) rss[$1] = $5; tc += $3 + $4 }
  END { for (t in n) printf "| %s | %d | %.2f | %.2f | %d |\n", t, n[t], cpu[t], wall[t], rss[t] / 1024; printf "| (all) | | %.2f | | |\n", tc }' \
  | sort -t'|' -k4 -gr
exit $status
