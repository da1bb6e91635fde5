# shellcheck shell=bash
# scripts/lib/hosts.sh: a recipe's per-partition stage on other hosts through GNU parallel (--hosts).
# Sourced by the recipes (active-users.sh, engagement.sh); needs bash, and `here` (the toolkit's root:
# the checkout or the installed package) set by the recipe.
#
#   case "$1" in --hosts|--remote-path|--retries) hosts_opt "$1" "${2:?}"; shift 2 ;;
#                --shared-storage) hosts_opt "$1"; shift ;; esac     # in the recipe's option loop
#   hosts_help                              # the options' paragraph for the recipe's --help
#   if hosts_on; then                       # --hosts was given
#     hosts_setup "$me" "$work" "${files[@]}" || exit    # usage (2) or a missing local tool (1)
#     hosts_check || exit 1                 # the toolkit on every host (names each host that lacks it)
#     stage() { local in=$1 out=$2; shift 2; ep TOOL ... "$in" then ... > "$out.pairs"; }
#     export -f stage
#     hosts_run --stage stage --result pairs [--side NAME=FILE]... [--arg VALUE]... [--env VAR]... -- "${files[@]}" || exit 1
#     hosts_cat pairs | ...                 # every partition's result, in the order of the files
#   fi
#
# hosts_run runs `stage IN OUT ARGS...` once per partition (an input file), on the hosts of --hosts
# (parallel's sshlogins: `LIST` comma-separated or `@FILE` one a line; `N/ssh -p PORT user@host`; `:`
# is this host), N jobs at a time on a host that has N cores (or N/ in its sshlogin). On a remote host
# the job runs in a private working directory (parallel's --workdir ...): the input and the side files
# are sent with it (--transferfile; each under its local absolute path, made relative: names never
# collide), the stage writes OUT.EXT there for each --result EXT (written to a temporary name and
# renamed when the stage succeeded), they come back into $HOSTS_OUT/I/EXT (--return), and the directory
# is removed whatever happened (--cleanup; a run stopped by a signal removes its jobs' directories
# itself: _hosts_stopped). On `:` the stage reads the input where it is and writes
# into $HOSTS_OUT directly. With --shared-storage the hosts read the inputs and side files at their
# paths here (nothing is sent; the results still come back). Inside the stage, `ep TOOL ARGS` runs the
# toolkit of that host, and each --side NAME=FILE is $NAME (its path on that host).
# A job that fails (an exit status, a host that fails or disconnects) is tried again on another host
# (--retries N, default the number of hosts and at least 2); a partition that fails every time stops
# the run (parallel --halt soon,fail=1: no job is started after it, the running ones end with their
# cleanup; --halt now killed them before it and left their directories, inputs in them, on their
# hosts): hosts_run returns 1 after naming it, and the recipe loads nothing. Every result of every
# partition is checked to have come back.

HOSTS_SPEC=""; HOSTS_REMOTE_PATH=""; HOSTS_RETRIES=""; HOSTS_SHARED=0

hosts_opt() {
  case "$1" in
    --hosts) HOSTS_SPEC=$2 ;;
    --remote-path) HOSTS_REMOTE_PATH=$2 ;;
    --retries) HOSTS_RETRIES=$2 ;;
    --shared-storage) HOSTS_SHARED=1 ;;
  esac
}

hosts_on() { [ -n "$HOSTS_SPEC" ]; }

# an option of --hosts given without it: a usage error (usage_error of the recipe; it was ignored)
hosts_opts_check() {
  hosts_on && return 0
  local o=""
  [ -z "$HOSTS_REMOTE_PATH" ] || o=--remote-path
  [ -z "$HOSTS_RETRIES" ] || o=--retries
  [ "$HOSTS_SHARED" = 0 ] || o=--shared-storage
  [ -z "$o" ] || usage_error "$o goes with --hosts (without it the run is on this machine)"
}

hosts_help() {
  cat <<'EOF'

Other hosts (GNU parallel and rsync here; on each host: this toolkit, node, bash, perl and rsync):
  --hosts LIST|@FILE  run the per-partition stage (one job per input file) on these hosts, in GNU
                      parallel's sshlogin syntax: comma-separated, or @FILE with one a line (#
                      comments); `N/ssh -p PORT user@host` runs N jobs there at a time (default: its
                      cores), `:` is this host. Each input is sent with its job (rsync) into a
                      private directory on the host, the partial result comes back, nothing is left
                      there; the merge and the load run here, in one transaction: the tables are
                      those of a run without --hosts.
  --remote-path DIR   where the toolkit is on the hosts (DIR/bin/event-pipes, DIR relative to the
                      home there unless absolute; default: this toolkit's path, else `event-pipes`
                      on the host's PATH). Every host is checked first (same version and build as
                      here, node, rsync); a host that lacks it is named and nothing runs (exit 1).
  --shared-storage    the hosts read the inputs (and side files) at the same paths: nothing is sent
  --retries N         tries of a job: a job that fails or whose host fails or disconnects is run
                      again on another host (default: the number of hosts, at least 2); a partition
                      that fails every time stops the run (exit 1) and nothing is loaded
EOF
}

# hosts_setup ME WORK FILE... : the sshlogins, local tools and inputs checked (exit status 2: a usage
# error, 1: a missing tool or an unreadable input; the message is printed). Sets HOSTS_OUT (WORK/hosts).
hosts_setup() {
  HOSTS_ME=$1; local work=$2; shift 2
  local f
  HOSTS_DIR="$work/hosts"; HOSTS_OUT="$HOSTS_DIR/out"; mkdir -p "$HOSTS_OUT"
  HOSTS_LOGINS="$HOSTS_DIR/sshlogins"
  if [ "${HOSTS_SPEC:0:1}" = @ ]; then
    f=${HOSTS_SPEC:1}
    [ -r "$f" ] && [ -f "$f" ] || { echo "$HOSTS_ME: --hosts $HOSTS_SPEC: cannot read $f (try '$HOSTS_ME --help')" >&2; return 2; }
    grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$f" > "$HOSTS_LOGINS" || true
  else  # parallel splits a LIST on commas; "\," and ",," are a comma
    printf '%s' "$HOSTS_SPEC" | sed -e 's/\\,/\x01/g' -e 's/,,/\x01/g' | tr ',' '\n' | tr '\001' ',' \
      | grep -v -e '^[[:space:]]*$' > "$HOSTS_LOGINS" || true
  fi
  # (a host that stops answering, no reset, a hung machine or a dropped link: its ssh ends after a
  # minute of silence, so that its job fails and is run again on another host; without it the run
  # waited for TCP's keep-alive, hours. Where a login names its own command, `ssh -F ...`, or
  # PARALLEL_SSH is set, those decide)
  export PARALLEL_SSH=${PARALLEL_SSH:-ssh -o ServerAliveInterval=15 -o ServerAliveCountMax=4}
  HOSTS_N=$(wc -l < "$HOSTS_LOGINS")
  [ "$HOSTS_N" -gt 0 ] || { echo "$HOSTS_ME: --hosts $HOSTS_SPEC: no host in it (try '$HOSTS_ME --help')" >&2; return 2; }
  if [ -n "$HOSTS_RETRIES" ]; then
    [[ $HOSTS_RETRIES =~ ^[1-9][0-9]*$ ]] || { echo "$HOSTS_ME: --retries must be a positive integer, not '$HOSTS_RETRIES' (try '$HOSTS_ME --help')" >&2; return 2; }
  else
    HOSTS_RETRIES=$(( HOSTS_N < 2 ? 2 : HOSTS_N ))
  fi
  [ $# -gt 0 ] || { echo "$HOSTS_ME: --hosts needs input files (standard input cannot be sent to other hosts) (try '$HOSTS_ME --help')" >&2; return 2; }
  # (GNU parallel reads its arguments a line each: a name with a line break was two jobs, both failed,
  # and another file was named)
  for f in "$@"; do
    case $f in *$'\n'*) echo "$HOSTS_ME: $(printf '%q' "$f"): a file whose name holds a line break cannot be sent to the hosts (rename it) (try '$HOSTS_ME --help')" >&2; return 2 ;; esac
  done
  for f in "$@"; do
    [ "$f" != - ] || { echo "$HOSTS_ME: --hosts needs input files (standard input cannot be sent to other hosts) (try '$HOSTS_ME --help')" >&2; return 2; }
    [ -f "$f" ] && [ -r "$f" ] || { echo "$HOSTS_ME: cannot read $f (nothing was run)" >&2; return 1; }
  done
  command -v parallel > /dev/null 2>&1 || { echo "$HOSTS_ME: --hosts needs GNU parallel (Debian package parallel)" >&2; return 1; }
  HOSTS_REMOTE=0
  if grep -qv '^\([0-9]*/\)\{0,1\}:$' "$HOSTS_LOGINS"; then  # a remote host: files go and come back with rsync
    HOSTS_REMOTE=1
    command -v rsync > /dev/null 2>&1 || { echo "$HOSTS_ME: --hosts needs rsync here and on the hosts (Debian package rsync)" >&2; return 1; }
  fi
  HOSTS_LOCAL_VERSION="$("$here/bin/event-pipes" --version) (build $(_hosts_build "$here/bin/event-pipes"))"
  export HOSTS_LOCAL_HOME=$here HOSTS_REMOTE_PATH HOSTS_OUT HOSTS_SHARED
  return 0
}

# the toolkit on this host (the job's and the check's): --remote-path DIR (a relative one from the home
# directory there), else the same path as the toolkit that started the run, else event-pipes on PATH;
# empty when there is none
_hosts_ep() {
  if [ -n "$HOSTS_REMOTE_PATH" ]; then
    local d=$HOSTS_REMOTE_PATH
    case $d in /*) ;; "~") d=$HOME ;; "~/"*) d=$HOME/${d#"~/"} ;; *) d=$HOME/$d ;; esac  # relative: to the home there
    [ -x "$d/bin/event-pipes" ] && printf '%s\n' "$d/bin/event-pipes"
  elif [ -x "$HOSTS_LOCAL_HOME/bin/event-pipes" ]; then printf '%s\n' "$HOSTS_LOCAL_HOME/bin/event-pipes"
  else command -v event-pipes
  fi
  return 0
}
# the build of the toolkit whose bin/event-pipes is $1: a digest of its code (dist's .js and .wasm, the
# recipes' scripts), the same for a checkout and the package made of it. The version alone did not tell
# an older copy from this one (0.2.0 for months of changes: a host's older validate refused ids this
# one takes, and the tables differed, exit 0)
_hosts_build() {
  local root
  # (POSIX tools only, cksum's CRC and size: a host without sha256sum or GNU xargs had an empty digest)
  root=$(cd "$(dirname -- "$(readlink -f -- "$1" 2> /dev/null || printf '%s\n' "$1")")/.." && pwd) || return 0
  (cd "$root" && find dist scripts -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.sh' -o -name '*.mjs' -o -name '*.sql' \) \
    ! -name '*.test.*' ! -name sync-bins.mjs -print 2> /dev/null | LC_ALL=C sort | while IFS= read -r f; do cat -- "$f"; done | cksum | tr ' ' -)
}
# one line per host: "hosts-check ok VERSION (build B)" or "hosts-check no REASON"
_hosts_check() {
  local ep v
  ep=$(_hosts_ep)
  if [ -z "$ep" ]; then
    if [ -n "$HOSTS_REMOTE_PATH" ]; then echo "hosts-check no lacks the toolkit: no $HOSTS_REMOTE_PATH/bin/event-pipes there (--remote-path)"
    else echo "hosts-check no lacks the toolkit: neither $HOSTS_LOCAL_HOME/bin/event-pipes (its path here) nor event-pipes on its PATH (--remote-path DIR says where it is)"; fi
    return 0
  fi
  if ! v=$("$ep" --version 2>&1); then echo "hosts-check no cannot run the toolkit: $ep --version failed: $(printf '%s' "$v" | tail -n 1)"; return 0; fi
  if [ "$PARALLEL_SSHLOGIN" != : ] && ! command -v rsync > /dev/null 2>&1; then echo "hosts-check no lacks rsync (the files are sent with it)"; return 0; fi
  echo "hosts-check ok $v (build $(_hosts_build "$ep"))"
}
export -f _hosts_ep _hosts_build _hosts_check

# hosts_check: every host runs _hosts_check once (one parallel run, each job pinned to its host by a
# host group: much quicker than --nonall, which starts a parallel per host); each host that lacks the
# toolkit (or one that runs, of this version), or that could not be reached, is named on stderr;
# status 1 then.
hosts_check() {
  local out="$HOSTS_DIR/check.out" logins="$HOSTS_DIR/check.sshlogins" login groups bare i=0 bad=0 line args=() n=0 k
  local -A first=(); local which=()
  : > "$logins"
  while IFS= read -r login; do
    i=$((i + 1)); groups=""; bare=$login
    if [[ $bare =~ ^@([^/]*)/(.*)$ ]]; then groups="+${BASH_REMATCH[1]}"; bare=${BASH_REMATCH[2]}; fi
    [[ $bare =~ ^[0-9]+/(.*)$ ]] && bare=${BASH_REMATCH[1]}
    # a host given twice is checked once (parallel keeps one sshlogin of a spelling: a second check
    # group of it would never get a host, and the check would wait for ever)
    if [ -n "${first[$bare]-}" ]; then which[i]=${first[$bare]}; continue; fi
    n=$((n + 1)); first[$bare]=$n; which[i]=$n
    printf '@hosts-check-%s%s/1/%s\n' "$n" "$groups" "$bare" >> "$logins"
    args+=("$n@hosts-check-$n")
  done < "$HOSTS_LOGINS"
  PARALLEL_SHELL=bash parallel --hostgroups --slf "$logins" -j 1 --tagstring 'host-{}' --env _hosts_ep --env _hosts_build --env _hosts_check \
    --env HOSTS_LOCAL_HOME --env HOSTS_REMOTE_PATH _hosts_check ::: "${args[@]}" > "$out" 2>&1 || true
  i=0
  while IFS= read -r login; do
    i=$((i + 1)); k=${which[i]}
    line=$(grep "^host-$k"$'\t'"hosts-check " "$out" | head -n 1 | cut -f 2-)
    case "$line" in
      "hosts-check ok $HOSTS_LOCAL_VERSION") ;;
      "hosts-check ok "*) echo "$HOSTS_ME: host $login: the toolkit there is ${line#hosts-check ok }, here $HOSTS_LOCAL_VERSION: install the same build" >&2; bad=1 ;;
      "hosts-check no "*) echo "$HOSTS_ME: host $login ${line#hosts-check no }" >&2; bad=1 ;;
      *) line=$(grep "^host-$k"$'\t' "$out" | cut -f 2 | grep -v -e '^[[:space:]]*$' -e '^parallel: ' | head -n 1)
         line=${line%"host-$k"}   # (a message without a newline at its end runs into the next tag)
         echo "$HOSTS_ME: host $login could not be reached or ran nothing${line:+: $line}" >&2; bad=1 ;;
    esac
  done < "$HOSTS_LOGINS"
  [ "$bad" = 0 ] || echo "$HOSTS_ME: nothing was run" >&2
  return "$bad"
}

# the job on a host: _hosts_job SEQ INPUT (INPUT as given to parallel: /./ABSOLUTE). The results go
# into the directory SEQ (made first, so that an attempt that fails sends back an empty one) only when
# the stage succeeded.
_hosts_job() {
  set -o pipefail
  local seq=$1 in=$2 ep dir ext n v s
  ep=$(_hosts_ep)
  [ -n "$ep" ] || { echo "no toolkit on this host" >&2; return 127; }
  ep() { "$ep" "$@"; }
  if [ "$PARALLEL_SSHLOGIN" = : ]; then dir="$HOSTS_OUT/$seq"; else dir="./$seq"; fi
  mkdir -p "$dir" || return
  if [ "$PARALLEL_SSHLOGIN" = : ] || [ "$HOSTS_SHARED" = 1 ]; then in=${in#/.}; else in=${in#/./}; fi
  eval "set -- $HOSTS_SIDES"            # NAME=ABSOLUTE ... -> $NAME: the file on this host
  for s in "$@"; do
    n=${s%%=*}; v=${s#*=}
    if [ "$PARALLEL_SSHLOGIN" = : ] || [ "$HOSTS_SHARED" = 1 ]; then printf -v "$n" '%s' "$v"; else printf -v "$n" '%s' "${v#/}"; fi
  done
  eval "set -- $HOSTS_ARGS"
  "$HOSTS_STAGE" "$in" "$dir.tmp" "$@" || return
  for ext in $HOSTS_EXTS; do mv -f "$dir.tmp.$ext" "$dir/$ext" || return; done
}
export -f _hosts_job

# hosts_run --stage FN --result EXT... [--side NAME=FILE]... [--arg VALUE]... [--env VAR]... -- FILE...
# (the functions FN calls, and FN, exported with export -f; the variables it reads named with --env)
hosts_run() {
  local stage="" exts=() sides=() args=() envs=() tfs=() f s ext abs i=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --stage) stage=$2; shift 2 ;;
      --result) exts+=("$2"); shift 2 ;;
      --side) sides+=("$2"); shift 2 ;;
      --arg) args+=("$2"); shift 2 ;;
      --env) envs+=(--env "$2"); shift 2 ;;
      --) shift; break ;;
      *) echo "hosts_run: unknown argument $1" >&2; return 2 ;;
    esac
  done
  local files=()
  HOSTS_INPUTS=("$@")
  for f in "$@"; do  # /./ABSOLUTE: rsync -R puts it under the job's directory as ABSOLUTE less its /
    abs=$(cd "$(dirname -- "$f")" && pwd)/$(basename -- "$f"); abs=${abs#/}
    files+=("/./$abs")
  done
  HOSTS_SIDES=""
  for s in ${sides[@]+"${sides[@]}"}; do
    f=${s#*=}; abs=$(cd "$(dirname -- "$f")" && pwd)/$(basename -- "$f")
    HOSTS_SIDES+="$(printf '%q' "${s%%=*}=$abs") "
    [ "$HOSTS_SHARED" = 1 ] || tfs+=(--transferfile "/.$abs")
  done
  HOSTS_ARGS=""; for s in ${args[@]+"${args[@]}"}; do HOSTS_ARGS+="$(printf '%q' "$s") "; done
  HOSTS_STAGE=$stage; HOSTS_EXTS="${exts[*]}"
  export HOSTS_SIDES HOSTS_ARGS HOSTS_STAGE HOSTS_EXTS
  [ "$HOSTS_SHARED" = 1 ] || tfs+=(--transferfile {})
  # only this host (`:`): nothing to send or bring back (parallel would warn that it ignores them)
  if [ "$HOSTS_REMOTE" = 1 ]; then tfs+=(--workdir ... --return "$HOSTS_OUT/./{#}" --cleanup); else tfs=(); fi
  rm -rf "${HOSTS_OUT:?}"/*
  local status=0
  # (parallel started through a shell that writes down its pid, which names its job directories on
  # the hosts, and execs it: still the foreground job, so Ctrl-C and timeout reach it)
  trap '_hosts_stopped INT' INT; trap '_hosts_stopped TERM' TERM; trap '_hosts_stopped HUP' HUP
  # (Ctrl-C: GNU parallel catches SIGINT, kills its jobs and exits 255 rather than die of it, so bash
  # runs no INT trap: the jobs' directories stayed on the hosts and the run said a partition failed. A
  # sentinel in the background hears the SIGINT itself (perl, which parallel is written in: a handler
  # of its own, where the shell's background jobs ignore SIGINT) and leaves a mark)
  rm -f "$HOSTS_DIR/sigint"
  perl -e '$SIG{INT} = sub { open(my $f, ">", $ARGV[0]); exit 0 }; sleep 1 while 1' "$HOSTS_DIR/sigint" 2> /dev/null & local sentinel=$!
  PARALLEL_SHELL=bash bash -c 'echo $$ > "$0"; exec "$@"' "$HOSTS_DIR/parallel.pid" parallel --slf "$HOSTS_LOGINS" ${tfs[@]+"${tfs[@]}"} \
    --retries "$HOSTS_RETRIES" --halt soon,fail=1 --joblog "$HOSTS_DIR/joblog" \
    --env _hosts_ep --env _hosts_job --env "$stage" ${envs[@]+"${envs[@]}"} \
    --env HOSTS_LOCAL_HOME --env HOSTS_REMOTE_PATH --env HOSTS_OUT --env HOSTS_SHARED \
    --env HOSTS_SIDES --env HOSTS_ARGS --env HOSTS_STAGE --env HOSTS_EXTS \
    '_hosts_job {#} {}' ::: "${files[@]}" || status=$?
  trap - INT TERM HUP
  kill "$sentinel" 2> /dev/null; wait "$sentinel" 2> /dev/null || true
  if [ "$status" != 0 ] && [ -e "$HOSTS_DIR/sigint" ]; then _hosts_stopped INT; fi
  if [ "$status" != 0 ]; then
    # the partitions that failed (their last try), from the job log (Seq Host Starttime JobRuntime Send
    # Receive Exitval Signal Command); a job with a signal was stopped here (by --halt), not failed
    awk -F '\t' 'NR > 1 && $7 != 0 && $8 == 0 { print $1 "\t" $2 "\t" $7 }' "$HOSTS_DIR/joblog" | sort -n -u \
      | while IFS=$'\t' read -r i host code; do
          [ "$code" = 255 ] && code="255: the connection failed"
          echo "$HOSTS_ME: ${HOSTS_INPUTS[$((i - 1))]} failed on $host (exit $code), tried $HOSTS_RETRIES times" >&2
        done
    echo "$HOSTS_ME: a partition failed on every try (its messages above): nothing was loaded" >&2
    return 1
  fi
  HOSTS_COUNT=${#files[@]}
  for ((i = 1; i <= HOSTS_COUNT; i++)); do
    for ext in "${exts[@]}"; do
      [ -f "$HOSTS_OUT/$i/$ext" ] || {
        # (the host of its last try, from the job log: Seq Host ...; parallel does not retry a failed transfer back)
        local host; host=$(awk -F '\t' -v i="$i" 'NR > 1 && $1 == i { h = $2 } END { print h }' "$HOSTS_DIR/joblog" 2> /dev/null)
        echo "$HOSTS_ME: the result of ${HOSTS_INPUTS[$((i - 1))]} did not come back from ${host:-its host} (the copy back failed): nothing was loaded" >&2; return 1; }
    done
  done
  return 0
}

# a run stopped by a signal while its jobs run (timeout, Ctrl-C, a hang-up: parallel kills its jobs
# and ends, and their --cleanup never runs, so their directories, the inputs sent in them, stayed on
# the hosts): this run's job directories (.parallel/tmp/HOSTNAME-PID-SEQ under the login directory,
# PID that of the parallel here) are removed on each remote host, then the signal ends the script as
# it would have
_hosts_stopped() {
  local sig=$1 pid="" k args=()
  pid=$(cat "$HOSTS_DIR/parallel.pid" 2> /dev/null) || true
  if [ "$HOSTS_REMOTE" = 1 ] && [[ $pid =~ ^[0-9]+$ ]] && [ -f "$HOSTS_DIR/check.sshlogins" ]; then
    # one job pinned to each host checked (hosts_check's host groups), `:` (this host) left out
    for k in $(sed -n '/\/1\/:$/d; s/^@hosts-check-\([0-9]*\).*/\1/p' "$HOSTS_DIR/check.sshlogins"); do args+=("$k@hosts-check-$k"); done
    [ ${#args[@]} = 0 ] || timeout 60 parallel --hostgroups --slf "$HOSTS_DIR/check.sshlogins" -j 1 \
      ": {}; rm -rf .parallel/tmp/$(printf %q "$(hostname)")-$pid-*" ::: "${args[@]}" > /dev/null 2>&1 || true
  fi
  trap - "$sig"; kill -s "$sig" $$
}

# hosts_cat EXT: the result EXT of every partition, in the order of the input files
hosts_cat() {
  local i
  for ((i = 1; i <= HOSTS_COUNT; i++)); do cat "$HOSTS_OUT/$i/$1" || return; done
}
