# shellcheck shell=bash
# scripts/lib/sink.sh: where a recipe keeps its tables: a SQLite file (--db FILE) or a PostgreSQL
# database (--pg URL). Sourced by the recipes; needs bash, `here` (the toolkit's root), `me` (the
# recipe's name) and usage_error MESSAGE (one line, exit 2) from the recipe.
#
#   case "$1" in --db|--pg) sink_opt "$1" "${2-}"; shift 2 ;; esac   # in the recipe's option loop
#   sink_check [optional]    # after the loop: one of --db/--pg (none allowed with 'optional'); makes
#                            # the SQLite file's folder
#   sink_on                  # true when --db or --pg was given
#   sink_is_pg               # true with --pg
#   sink_load ARGS...        # load-sqlite --db FILE ARGS, or load-postgres --url URL ARGS
#   sink_loader              # the same command as the array SINK_LOADER, to end a chain with
#                            # (... then "${SINK_LOADER[@]}" ARGS: the load knows a stage before it
#                            # failed, an input cut short, and writes nothing; behind a pipe it cannot)
#   sink_load_tables_argv OPTS... TABLE:KEY:FILE... -- ARGS...
#                            # several tables loaded by one process, one after another: the arguments
#                            # of scripts/lib/load-tables.mjs (see it for OPTS) as the array
#                            # SINK_LOAD_TABLES, for `node load-tables.mjs` or its loadTables function
#   sink_query ARGS...       # query-sqlite --db FILE ARGS, or query-postgres --url URL ARGS
#   sink_sql NAME            # the path of scripts/sql/NAME.sql, or of NAME.pg.sql with --pg when the
#                            # recipe has one (where the dialects differ)
#   sink_name                # FILE, or the URL without its password: for messages
#   sink_lock NAME           # one run at a time per database until the recipe exits: flock on
#                            # FILE.lock, or a PostgreSQL advisory lock on NAME held by a session
#                            # that ends with the recipe (scripts/lib/pg-lock.mjs)
#
# In --help, say both: "--db FILE  the SQLite database (created if missing)" and "--pg URL  or a
# PostgreSQL database, postgres://USER@HOST:PORT/DB (the same tables)".
#
# The tables, keys and refresh SQL are the same in both; only the SQL where the dialects differ has a
# second file (NAME.pg.sql). A URL may be postgres://USER@HOST:PORT/DB or postgresql://...; keep a
# password in PGPASSWORD or ~/.pgpass rather than in the URL (a command line shows in ps).

sink_db=""; sink_pg=""

sink_opt() {  # OPT VALUE
  [ -n "${2-}" ] || usage_error "$1 needs a value"
  case "$1" in
    --db) sink_db=$2 ;;
    --pg)
      case "$2" in postgres://*|postgresql://*|socket:*) ;; *) usage_error "--pg takes postgres://USER@HOST:PORT/DB (got a value that is not such a URL)" ;; esac
      sink_pg=$2 ;;
  esac
}

sink_check() {  # [optional]
  if [ -n "$sink_db" ] && [ -n "$sink_pg" ]; then usage_error "--db and --pg: give one of them"; fi
  if [ -z "$sink_db" ] && [ -z "$sink_pg" ] && [ "${1-}" != optional ]; then usage_error "missing --db FILE or --pg URL"; fi
  if [ -n "$sink_db" ]; then mkdir -p "$(dirname "$sink_db")"; fi
}

sink_on() { [ -n "$sink_db$sink_pg" ]; }
sink_is_pg() { [ -n "$sink_pg" ]; }

sink_load() {
  if sink_is_pg; then load-postgres --url "$sink_pg" "$@"; else load-sqlite --db "$sink_db" "$@"; fi
}

sink_loader() {
  if sink_is_pg; then SINK_LOADER=(load-postgres --url "$sink_pg"); else SINK_LOADER=(load-sqlite --db "$sink_db"); fi
}

sink_load_tables_argv() {
  local to=(--db "$sink_db") t=load-sqlite
  if sink_is_pg; then to=(--url "$sink_pg"); t=load-postgres; fi
  SINK_LOAD_TABLES=(--tool "$t" "$@" "${to[@]}")
}

sink_query() {
  if sink_is_pg; then query-postgres --url "$sink_pg" "$@"; else query-sqlite --db "$sink_db" "$@"; fi
}

sink_sql() {  # NAME
  if sink_is_pg && [ -e "$here/scripts/sql/$1.pg.sql" ]; then echo "$here/scripts/sql/$1.pg.sql"; else echo "$here/scripts/sql/$1.sql"; fi
}

sink_name() {
  # (a password given as the URL's parameter, ?password=, as libpq takes it, left out too; the password
  # runs to the last @ before the host, as the URL parser reads it: etl:p@ss@db is password p@ss)
  if sink_is_pg; then printf '%s\n' "$sink_pg" | sed -E 's#^([a-z]+://[^:/@]*):[^/]*@#\1@#; s#([?&])password=[^&]*#\1password=***#g'; else printf '%s\n' "$sink_db"; fi
}

sink_lock() {  # NAME
  if sink_is_pg; then
    # a session that takes the lock, says so, and holds it until its stdin closes (this shell ends)
    # (with the shell's other descriptors closed: it held insights.sh's pipe to its combining process
    # open, which then waited for its end for ever)
    coproc SINK_LOCK {
      for _fd in /proc/$BASHPID/fd/*; do _fd=${_fd##*/}; [ "$_fd" -le 2 ] || eval "exec $_fd>&-"; done 2> /dev/null
      EVENT_PIPES_PG_URL=$sink_pg exec node "$here/scripts/lib/pg-lock.mjs" "$1"
    }
    local said=""
    read -r said <&"${SINK_LOCK[0]}" || true
    [ "$said" = locked ] || { echo "$me: cannot lock $(sink_name): ${said:-the lock session ended}" >&2; exit 1; }
  else
    exec 9>>"$sink_db.lock"
    flock 9
  fi
}
