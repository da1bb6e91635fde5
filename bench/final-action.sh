#!/usr/bin/env bash
# bench/final-action.sh [ROUNDS]: final-action against DuckDB's single-threaded arg_max on 5M like/unlike
# events over 4M (user, reel) pairs; both write their 4M rows to a file; answers compared.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd); rounds=${1:-2}
bash setup.sh >/dev/null
mkdir -p data results
data=data/fa5m.ndjson
[ -s "$data" ] || node gen-final-action.mjs "$data"
sql="COPY (SELECT user_uid, reel_uid, arg_max(event_name, (timestamp, event_name = 'reel_unliked')) = 'reel_liked' AS liked
  FROM read_json('$data', columns={event_name:'VARCHAR', timestamp:'BIGINT', user_uid:'VARCHAR', reel_uid:'VARCHAR'})
  GROUP BY ALL) TO 'results/fa-duckdb.csv' (HEADER)"
for r in $(seq "$rounds"); do
  /usr/bin/time -f "round $r: final-action %e s %M KB" "$root/bin/final-action" < "$data" > results/fa-ours.ndjson
  /usr/bin/time -f "round $r: duckdb (1 thread) %e s %M KB" node duckdb-query.mjs "$sql" 1 > /dev/null
done
node -e '
const fs = require("fs"); const ours = new Map();
for (const l of fs.readFileSync("results/fa-ours.ndjson", "utf8").split("\n")) if (l) { const r = JSON.parse(l); ours.set(r.user_uid + "|" + r.reel_uid, r.liked); }
let n = 0, bad = 0;
for (const l of fs.readFileSync("results/fa-duckdb.csv", "utf8").split("\n").slice(1)) if (l) { const [u, r, liked] = l.split(","); n++; if (ours.get(u + "|" + r) !== (liked === "true")) bad++; }
console.log(`pairs: duckdb ${n}, final-action ${ours.size}, disagreeing ${bad}`);'
