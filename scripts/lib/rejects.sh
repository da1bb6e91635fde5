# shellcheck shell=bash
# scripts/lib/rejects.sh: a recipe's --rejects FILE: the records its steps refused, as JSON lines
# {file, line, reason, detail, raw} (each tool's --rejects-format json), step by step in the recipe's
# order, each step's in its input order. Sourced by the recipes; needs `me` (the recipe's name).
#
#   rejects_open FILE     # before anything runs: FILE ("" none) checked writable, else said and exit 1
#                         # (a run that would fail at its end is refused before it loads anything)
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
REJECTS_FILE=""; REJECTS_MADE=""; REJECTS_WRITTEN=""
rejects_open() {
  REJECTS_FILE=$1
  [ -n "$REJECTS_FILE" ] || return 0
  # (the file the check makes: FILE, or a dangling link's target, which is what the link names)
  if [ ! -e "$REJECTS_FILE" ]; then REJECTS_MADE=$(readlink -m -- "$REJECTS_FILE"); fi
  if ! : >> "$REJECTS_FILE"; then echo "$me: cannot write --rejects $REJECTS_FILE; nothing loaded" >&2; exit 1; fi
  export EVENT_PIPES_REJECTS_AS=$REJECTS_FILE
}
rejects_opts() {
  [ -z "$REJECTS_FILE" ] || printf '%s\n' --rejects "$1/rejects.$2" --rejects-format json
}
# (the tools' summaries name the recipe's file, not the run's part of it: "JSON records in FILE")
[ -z "${EVENT_PIPES_REJECTS_AS+x}" ] || unset EVENT_PIPES_REJECTS_AS
rejects_save() {
  local err
  err=$(mktemp) || return 1
  if ! save --strict -- "$REJECTS_FILE" 2> "$err"; then
    cat "$err" >&2; rm -f "$err"
    return 1
  fi
  rm -f "$err"
}
rejects_write() {
  [ -n "$REJECTS_FILE" ] || return 0
  REJECTS_WRITTEN=1
  local parts=() f any=""
  for f in "$1"/rejects.[0-9]; do [ -e "$f" ] && parts+=("$f"); [ ! -s "$f" ] || any=1; done
  [ -z "${2-}" ] || [ -n "$any" ] || return 0
  cat ${parts[@]+"${parts[@]}"} < /dev/null | rejects_save \
    || { echo "$me: the refused records could not be written to --rejects $REJECTS_FILE" >&2; return 1; }
}
rejects_on_exit() {
  [ "$1" -ne 1 ] || [ -z "$REJECTS_FILE" ] || [ -n "$REJECTS_WRITTEN" ] || [ ! -d "$2" ] || rejects_write "$2" failed || true
}
rejects_close() {
  if [ "$1" -ne 0 ] && [ -n "$REJECTS_MADE" ] && [ -f "$REJECTS_MADE" ] && [ ! -L "$REJECTS_MADE" ] && [ ! -s "$REJECTS_MADE" ]; then rm -f -- "$REJECTS_MADE"; fi
}
