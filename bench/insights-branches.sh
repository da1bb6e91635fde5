#!/usr/bin/env bash
# bench/insights-branches.sh [ROUNDS]: what each branch of an Insights shard's fork costs, alone and with
# the others. Runs shard 0 of 2 of the recipe's chain (scripts/insights.sh: from-csv --shard, validate,
# to-local-date, then a fork) over the bench's 1M interactions with the fork's branches given below
# (0 is a count, the front alone), alternated for ROUNDS rounds (default 5), and prints the best and
# median wall and CPU seconds of each. A branch's own cost is its row less the front's; the last row
# (all seven) less the front and the branches' own costs is what they cost each other.
# Needs bench/data/insights-1000000-seed1 (made by `npm run bench` or `ONLY=insights npm run bench`).
# Run from anywhere: bash bench/insights-branches.sh 5
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
D=$PWD/data/insights-1000000-seed1
[ -d "$D/interactions" ] || { echo "insights-branches.sh: no $D: run ONLY=insights npm run bench first" >&2; exit 1; }
rounds=${1:-5}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
SESS=(-a 'sessions=count()' -a 'avg_duration_s=avg(duration_s)' -a 'p50_duration_s=p50(duration_s)' -a 'p95_duration_s=p95(duration_s)' -a 'avg_actions_per_session=avg(pings)')
DEV=(-a 'n=count(duration_ms)' -a 'mean_duration_ms=avg(duration_ms)' -a 'p50_duration_ms=p50(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)' -a 'sum_duration_ms=sum(duration_ms)' -a 'sumsq_duration_ms=sumsq(duration_ms)')
P95=(-a 'n=count(duration_ms)' -a 'p95_duration_ms=p95(duration_ms)')
inputs=(); for f in "$D"/interactions/*.csv; do inputs+=(-i "$f"); done
# shard BRANCH...: the shard with those branches (1 dau, 2 mau, 3 users, 4 p95, 5 device, 6 retention,
# 7 sessions; 0 a count)
shard() {
  local br=() b
  for b in "$@"; do case $b in
    0) br+=('[' count-by all=none -a 'n=count()' then save "$out/n" ']') ;;
    1) br+=('[' count-by date -a 'active_users=distinct(user_id)' then save "$out/dau" ']') ;;
    2) br+=('[' count-by month -a 'active_users=distinct(user_id)' then save "$out/mau" ']') ;;
    3) br+=('[' count-by user_id -a 'total_duration_ms=sum(duration_ms)' --order-by total_duration_ms:desc --limit 77000 then save "$out/users" ']') ;;
    4) br+=('[' where action_type=page_view 'app_version!=null' 'app_version~.' then count-by app_version --partial "${P95[@]}" then save "$out/p95" ']') ;;
    5) br+=('[' join --side "$D/user_metadata.csv" --on user_id --fields device_type --unmatched drop then where 'device_type!=null' 'device_type~.' then count-by device_type --partial "${DEV[@]}" then save "$out/dev" ']') ;;
    6) br+=('[' retention --user user_id --date date then save "$out/ret" ']') ;;
    7) br+=('[' sessionize --key user_id --time timestamp --gap 1800 then count-by all_users=none --partial "${SESS[@]}" then save "$out/sess" ']') ;;
  esac; done
  "$root/bin/event-pipes" from-csv --types duration_ms=int,app_version=string --require user_id,timestamp,action_type,duration_ms,app_version --shard 0/2:user_id "${inputs[@]}" \
    then validate --require user_id --non-empty --range duration_ms=..9223372036854774784 \
    then to-local-date --field timestamp --tz UTC --grain day,month --as date,month \
    then fork "${br[@]}" 2> /dev/null
}
sets=("0" "1" "2" "3" "4" "5" "6" "7" "1 2 3 4 5 6 7")
declare -a W C
for ((r = 0; r < rounds; r++)); do
  for ((j = 0; j < ${#sets[@]}; j++)); do
    k=$(( (j + r) % ${#sets[@]} ))
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %U %S' -o "$out/t" bash -c "$(declare -f shard); $(declare -p root D out SESS DEV P95 inputs); shard ${sets[$k]}"
    read -r e u s < "$out/t"
    W[k]+="$e "; C[k]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
  done
done
st() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { printf "%.2f / %.2f", a[1], (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
names=("front (a count)" "+ dau" "+ mau" "+ users" "+ p95" "+ device" "+ retention" "+ sessions" "all seven")
echo "branches of shard 0 of 2, $rounds rounds alternated: wall best / median, CPU best / median (s)"
for ((j = 0; j < ${#sets[@]}; j++)); do printf '%-16s wall %s  cpu %s\n' "${names[$j]}" "$(st "${W[$j]}")" "$(st "${C[$j]}")"; done
