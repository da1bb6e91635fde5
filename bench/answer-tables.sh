#!/usr/bin/env bash
# bench/answer-tables.sh sqlite|duckdb DBFILE "TABLE col,col,..." ...: the given tables of a SQLite or
# DuckDB database as canonical rows (bench/norm.mjs), each row prefixed by its table's name.
set -euo pipefail
cd "$(dirname "$0")"
kind=$1 db=$2; shift 2
for t in "$@"; do
  read -r name cols <<< "$t"
  if [ "$kind" = sqlite ]; then query-sqlite --db "$db" "SELECT $cols FROM $name"
  else node duckdb-run.mjs --db "$db" -e "SELECT $cols FROM $name"; fi | node norm.mjs --cols "$cols" | sed "s/^/$name\t/"
done
