# shellcheck shell=bash
# scripts/lib/inputs.sh: a recipe's input files checked before anything runs. Sourced by the recipes;
# needs `me` (the recipe's name).
#
#   inputs_check FILE...   # each FILE ('-': standard input, not checked) exists, is no folder and can be
#                          # read; else "$me: FILE: no such file (nothing was run)" (or "it is a folder",
#                          # "permission denied") and exit 1, as a tool says an input it cannot read and
#                          # exits (a missing file failed the recipe half way: each shard of insights.sh
#                          # said its seven outputs not written; game-stats.sh made the database first)
inputs_check() {
  local f why
  for f in "$@"; do
    [ "$f" != - ] || continue
    why=""
    if [ ! -e "$f" ]; then why="no such file"; elif [ -d "$f" ]; then why="it is a folder"; elif [ ! -r "$f" ]; then why="permission denied"; fi
    [ -z "$why" ] || { echo "$me: $f: $why (nothing was run)" >&2; exit 1; }
  done
}
