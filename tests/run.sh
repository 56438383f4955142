#!/usr/bin/env bash
# run.sh BUILD [unit|e2e|all]: run ferry's tests under prove (one TAP summary per backend).
# The whole selection runs on SQLite; then the end-to-end tests run again with the
# state store on PostgreSQL (a fresh database per test file, see tests/e2e/lib.sh).
#   FERRY_PG=DIR                a server scripts/pg-start.sh started (.ci/run); else run.sh
#                               starts a throwaway one when PostgreSQL is installed
#   FERRY_TEST_BACKENDS=LIST    "sqlite postgresql" (default), or either alone
#   FERRY_TESTS="FILES"         run only these files
#   FERRY_TEST_LONG=1           the long mode (`make test LONG=1`): 30 random kills per
#                               operation in the t032x kill tests (FERRY_KILL_N sets any N)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?build dir}
which=${2:-all}
export FERRY_BUILD=$(realpath "$BUILD")
export FERRY_SRC=$(pwd)
export FERRY="$FERRY_BUILD/ferry"
export FERRYD="$FERRY_BUILD/ferryd"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C
unset FERRY_HOME XDG_DATA_HOME FERRY_STORE FERRY_TEST_PG
backends=${FERRY_TEST_BACKENDS:-sqlite postgresql}
export FERRY_TEST_BACKENDS=$backends  # tests that run once choose their pass (t07-nodes.lib)
if [ "${FERRY_TEST_LONG:-0}" = 1 ]; then
  export FERRY_KILL_N=${FERRY_KILL_N:-30}
fi

files=()
if [ "$which" = unit ] || [ "$which" = all ]; then
  for f in "$BUILD"/tests/test_*; do [ -x "$f" ] && files+=("$f"); done
fi
if [ "$which" = e2e ] || [ "$which" = all ]; then
  for f in tests/e2e/t[0-9]*.sh; do files+=("$f"); done
fi
[ -n "${FERRY_TESTS:-}" ] && files=($FERRY_TESTS)
e2e_files=()
for f in "${files[@]}"; do case "$f" in *.sh) e2e_files+=("$f");; esac; done

# A throwaway PostgreSQL for the unit tests' second backend and the e2e pass.
if [ -z "${FERRY_PG:-}" ] && [[ " $backends " == *" postgresql "* ]]; then
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    FERRY_PG=$(mktemp -d "${TMPDIR:-/tmp}/ferry-pg.XXXXXX")
    trap 'bash scripts/pg-stop.sh "$FERRY_PG"' EXIT
    bash scripts/pg-start.sh "$FERRY_PG" >/dev/null
  else
    echo "# PostgreSQL is not installed (bash scripts/deps.sh): testing on SQLite only"
  fi
fi
if [ -n "${FERRY_PG:-}" ]; then
  export FERRY_PG
  . "$FERRY_PG/env"
fi

prove_run() { prove --exec '' --failures --comments --jobs "${FERRY_TEST_JOBS:-2}" --timer "$@"; }
status=0
if [[ " $backends " == *" sqlite "* ]] && [ ${#files[@]} -gt 0 ]; then
  echo "# state store: SQLite"
  prove_run "${files[@]}" || status=1
fi
if [[ " $backends " == *" postgresql "* ]] && [ -n "${FERRY_PG:-}" ] && [ ${#e2e_files[@]} -gt 0 ]; then
  echo "# state store: PostgreSQL ($FERRY_PG)"
  FERRY_TEST_PG=$FERRY_PG prove_run "${e2e_files[@]}" || status=1
fi
exit $status
