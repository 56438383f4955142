#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tap-guard.sh TEST [ARGS]: how tests/run.sh has prove run each test file. It passes the
# file's TAP through and watches it for skips: a skip is a component that did not run.
#   CI=true   a skipped file ("1..0 # SKIP ...") or case ("ok N # skip ...", cmocka's
#             "not ok N # SKIP ...") becomes a failing case naming what did not run;
#   else      the skip stays a skip (cmocka's too) and is printed loudly on stderr.
# A per-backend prerequisite ("# skip ... (needs SQLITE)" / "(needs PG)", tests/e2e/lib.sh)
# is not a skip of a component: the other backend's pass runs that case.
set -o pipefail
t=${1:?usage: tap-guard.sh TEST [ARGS]}
shift
ci=0
[ "${CI:-}" = true ] && ci=1

loud() {
  printf '#\n# ######## SKIPPED, NOT PASSED: %s: %s ########\n#\n' "$t" "$1" >&2
}

guard() {
  local line n rest reason failed=0 skip_re='^(not )?ok ([0-9]+)(.*)#[[:space:]]*[Ss][Kk][Ii][Pp](.*)$'
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^1\.\.0[[:space:]]*#[[:space:]]*[Ss][Kk][Ii][Pp][[:space:]]*(.*)$ ]]; then
      reason=${BASH_REMATCH[1]}
      if [ $ci -eq 1 ]; then
        printf '1..1\nnot ok 1 - skipped in CI, where every component must run: %s\n' "$reason"
        failed=1
      else
        printf '%s\n' "$line"
        loud "$reason"
      fi
    elif [[ $line =~ $skip_re ]]; then
      n=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]} reason=${BASH_REMATCH[4]}
      if [[ $reason =~ \(needs\ (SQLITE|PG)\)[[:space:]]*$ ]]; then
        printf '%s\n' "$line"
      elif [ $ci -eq 1 ]; then
        printf 'not ok %s%s- skipped in CI, where every component must run:%s\n' "$n" "$rest" "$reason"
        failed=1
      else
        printf 'ok %s%s# skip%s\n' "$n" "$rest" "$reason"
        loud "case $n:$reason"
      fi
    else
      printf '%s\n' "$line"
    fi
  done
  return $failed
}

"$t" "$@" | guard
