#!/usr/bin/env bash
# run.sh BUILD [unit|e2e|all]: run ferry's tests under prove (one TAP summary).
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
unset FERRY_HOME XDG_DATA_HOME
files=()
if [ "$which" = unit ] || [ "$which" = all ]; then
  for f in "$BUILD"/tests/test_*; do [ -x "$f" ] && files+=("$f"); done
fi
if [ "$which" = e2e ] || [ "$which" = all ]; then
  for f in tests/e2e/t[0-9]*.sh; do files+=("$f"); done
fi
[ -n "${FERRY_TESTS:-}" ] && files=($FERRY_TESTS)
exec prove --exec '' --jobs "${FERRY_TEST_JOBS:-2}" --timer "${files[@]}"
