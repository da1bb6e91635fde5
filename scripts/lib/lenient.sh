# A step that rejects every record it reads exits 1 (the runner's rule for a whole run: it kept
# nothing). Inside a recipe that can be a normal outcome (a file whose only pings are of users not
# registered yet; a file whose watch events all lack a field the rules need), so status 1 is accepted
# when the step's own figures say it read records and rejected all of them.

# rejected_all FIGURES: the last line of a --stats-file says records were read and all were rejected
rejected_all() {
  local in_out_rej n_in n_out n_rej
  in_out_rej=$(sed -nE 's/.*"in":([0-9]+),"out":([0-9]+),"rejected":([0-9]+),.*/\1 \2 \3/p' "$1" 2> /dev/null | tail -n 1)
  read -r n_in n_out n_rej <<< "${in_out_rej:-0 0 0}"
  [ "$n_in" -gt 0 ] && [ "$n_out" -eq 0 ] && [ "$n_rej" -eq "$n_in" ]
}

# lenient CMD ARGS...: run CMD with --stats-file (the file $figures, else a new one in $work); its
# status 1 is 0 when it rejected every record it read
lenient() {
  local figures=${figures:-}; [ -n "$figures" ] || figures=$(mktemp "$work/figures.XXXXXX")
  local status=0
  "$@" --stats-file "$figures" || status=$?
  [ $status -eq 0 ] && return 0
  [ $status -eq 1 ] && rejected_all "$figures" && return 0
  return $status
}
