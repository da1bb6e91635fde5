#!/usr/bin/env bash
# bench/load-postgres.sh [ROWS] [BATCH] [ROUNDS]: load-postgres speed on a private PostgreSQL started here (Debian's
# postgresql package: initdb into a temporary directory, stock settings but for the port and socket,
# so fsync and synchronous_commit are on), stopped and removed at the end. Loads ROWS (1,000,000)
# generated records of 5 columns three times: into a new table (inserts), the same file again
# (unchanged), and a file with one column changed (updates), ROUNDS (1) times from an empty table;
# prints each load's rows/s, peak RSS, and the CPU seconds of load-postgres (its threads) and of the
# server (the postmaster and its backends), which say more than the wall time on a machine shared
# with other work, then the best wall time of each step.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
rows=${1:-1000000}; batch=${2:-10000}; rounds=${3:-1}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then echo "load-postgres bench: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; fi
dir=$(mktemp -d /tmp/ep-pgbench-XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cleanup() { as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
url="postgres://postgres@127.0.0.1:$port/postgres"
pm=$(head -1 "$dir/data/postmaster.pid")
# CPU ticks of the server: the postmaster, its reaped children (backends that ended) and the live ones
server_ticks() { local t; t=$(awk '{print $14+$15+$16+$17}' "/proc/$pm/stat"); for p in $(pgrep -P "$pm"); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
hz=$(getconf CLK_TCK)

gen() { # $1 = value added to n (0: the first file, 1: every row's n changed)
  node -e '
    const [rows, bump] = process.argv.slice(1).map(Number);
    const out = [];
    for (let i = 0; i < rows; i++) {
      out.push(`{"id":${1000000000000 + i},"user":"user-${i % 50000}","n":${i * 7 + bump},"score":${(i % 1000) / 8},"date":"2024-03-${String(1 + (i % 28)).padStart(2, "0")}"}\n`);
      if (out.length === 10000) { process.stdout.write(out.join("")); out.length = 0; }
    }
    process.stdout.write(out.join(""));' "$rows" "$1"
}
gen 0 > "$dir/a.ndjson"; gen 1 > "$dir/b.ndjson"
cat "$dir/a.ndjson" "$dir/b.ndjson" > /dev/null
echo "# load-postgres, $(date -u +%Y-%m-%d), $(nproc) cores, $(node --version), $("$bindir/postgres" --version), $rows rows of 5 columns, --batch $batch"
psql=("$bindir/psql" -X -q -h "$dir" -p "$port" -U postgres postgres)
declare -A best
for round in $(seq "$rounds"); do
 "${psql[@]}" -c 'DROP TABLE IF EXISTS bench' 2>/dev/null
 for step in "insert a.ndjson" "unchanged a.ndjson" "update b.ndjson"; do
  set -- $step
  before=$(server_ticks)
  /usr/bin/time -f '%e %M %U %S' -o "$dir/time" "$root/bin/load-postgres" --url "$url" -t bench -k id --batch "$batch" < "$dir/$2" 2> "$dir/err" || { cat "$dir/err" >&2; exit 1; }
  server=$(( $(server_ticks) - before ))
  read -r secs kb user sys < "$dir/time"
  awk -v s="$1" -v t="$secs" -v n="$rows" -v kb="$kb" -v cl="$user + $sys" -v sv="$server" -v hz="$hz" -v c="$(tail -1 "$dir/err" | sed 's/^load-postgres: //')" \
    'BEGIN { split(cl, a, " + "); printf "%-9s %6.2f s %8.0f rows/s  peak RSS %4.0f MB  CPU: load-postgres %5.2f s, server %5.2f s  (%s)\n", s, t, n / t, kb / 1024, a[1] + a[2], sv / hz, c }'
  if [ -z "${best[$1]:-}" ] || awk -v a="$secs" -v b="${best[$1]}" 'BEGIN { exit !(a < b) }'; then best[$1]=$secs; fi
 done
done
for s in insert unchanged update; do awk -v s="$s" -v t="${best[$s]}" -v n="$rows" 'BEGIN { printf "best %-9s %6.2f s %8.0f rows/s\n", s, t, n / t }'; done
