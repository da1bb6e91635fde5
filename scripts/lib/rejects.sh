# shellcheck shell=bash
# scripts/lib/rejects.sh: a recipe's --rejects FILE: the records its steps refused, as JSON lines
# {file, line, reason, detail, raw} (each tool's --rejects-format json), step by step in the recipe's
# order, each step's in its input order. Sourced by the recipes; needs `me` (the recipe's name).
#
#   rejects_open FILE [PATH...]
#                         # before anything runs: FILE ("" none) checked writable, else said and exit 1
#                         # (a run that would fail at its end is refused before it loads anything); a
#                         # FILE that is one of the PATHs the run reads or writes (its inputs, database,
#                         # side files, outputs), `-`, or a file holding anything but refused records
#                         # (its first bytes no `{"file":`: a typo's input, say) is refused, exit 2
#   rejects_opts DIR N    # prints one step's options, one a line, for mapfile: --rejects DIR/rejects.N
#                         # --rejects-format json (nothing without --rejects); N orders the steps
#   rejects_save < LINES  # at the end (the load done): LINES written whole to FILE by save (core/files.ts:
#                         # under a temporary name renamed into place, a link's target, a device as it
#                         # is); failing, said and status 1, the old FILE kept as it was
#   rejects_write DIR [failed]
#                         # the steps' files DIR/rejects.N joined in step order and saved (rejects_save);
#                         # with `failed` (the steps or the load failed) only when they hold a record: a
#                         # run that refused every record says why in FILE, one that failed before it
#                         # refused any leaves last night's FILE as it was. Failing, said, status 1
#   rejects_on_exit STATUS DIR
#                         # in the recipe's EXIT trap, first: a run that failed (status 1: said; not a
#                         # signal, whose steps were cut short) writes its refused records, if any
#   rejects_close STATUS  # in the recipe's EXIT trap: a FILE that rejects_open made, still empty, goes
#                         # when the run failed (a first run that failed leaves no empty file behind)
REJECTS_FILE=""; REJECTS_MADE=""; REJECTS_TRIED=""; REJECTS_WRITTEN=""
rejects_open() {
  REJECTS_FILE=$1; shift
  [ -n "$REJECTS_FILE" ] || return 0
  local p real
  [ "$REJECTS_FILE" != - ] || { echo "$me: --rejects takes a file, not - (try '$me --help')" >&2; exit 2; }
  # (the records would replace a file the run reads or writes: an input, the database, an output)
  real=$(readlink -m -- "$REJECTS_FILE")
  for p in "$@"; do
    [ -n "$p" ] && [ "$p" != - ] || continue
    if [ "$REJECTS_FILE" -ef "$p" ] || [ "$real" = "$(readlink -m -- "$p")" ]; then
      echo "$me: --rejects $REJECTS_FILE is $p, which this run reads or writes: not replaced by its refused records (try '$me --help')" >&2; exit 2
    fi
  done
  # (last night's rejects are replaced; anything else is not: `--rejects day1.ndjson day2.ndjson`, a
  # forgotten argument, would replace day 1's events)
  if [ -f "$REJECTS_FILE" ] && [ -s "$REJECTS_FILE" ] && [ "$(head -c 8 -- "$REJECTS_FILE" 2> /dev/null)" != '{"file":' ]; then
    echo "$me: --rejects $REJECTS_FILE holds something other than refused records (it does not begin with {\"file\":): not replaced; remove it or name another file (try '$me --help')" >&2; exit 2
  fi
  # (the file the check makes: FILE, or a dangling link's target, which is what the link names)
  if [ ! -e "$REJECTS_FILE" ]; then REJECTS_MADE=$real; fi
  if ! { : >> "$REJECTS_FILE"; } 2> /dev/null; then echo "$me: cannot write --rejects $REJECTS_FILE; nothing loaded" >&2; exit 1; fi
  export EVENT_PIPES_REJECTS_AS=$REJECTS_FILE
}
rejects_opts() {
  [ -z "$REJECTS_FILE" ] || printf '%s\n' --rejects "$1/rejects.$2" --rejects-format json
}
# (the tools' summaries name the recipe's file, not the run's part of it: "JSON records in FILE")
unset EVENT_PIPES_REJECTS_AS
rejects_save() {
  local err
  # (its messages held back until it fails: no temporary file for them)
  if ! err=$(save --strict -- "$REJECTS_FILE" 2>&1 > /dev/null); then
    [ -z "$err" ] || printf '%s\n' "$err" >&2
    return 1
  fi
  REJECTS_WRITTEN=1
}
rejects_write() {
  [ -n "$REJECTS_FILE" ] || return 0
  REJECTS_TRIED=1
  local parts=() f any=""
  for f in "$1"/rejects.[0-9]; do [ -e "$f" ] && parts+=("$f"); [ ! -s "$f" ] || any=1; done
  [ -z "${2-}" ] || [ -n "$any" ] || return 0
  cat ${parts[@]+"${parts[@]}"} < /dev/null | rejects_save \
    || { echo "$me: the refused records could not be written to --rejects $REJECTS_FILE" >&2; return 1; }
}
rejects_on_exit() {
  [ "$1" -ne 1 ] || [ -z "$REJECTS_FILE" ] || [ -n "$REJECTS_TRIED" ] || [ ! -d "$2" ] || rejects_write "$2" failed || true
}
rejects_close() {
  if [ "$1" -ne 0 ] && [ -n "$REJECTS_MADE" ] && [ -z "$REJECTS_WRITTEN" ] && [ -f "$REJECTS_MADE" ] && [ ! -L "$REJECTS_MADE" ] && [ ! -s "$REJECTS_MADE" ]; then rm -f -- "$REJECTS_MADE"; fi
}
