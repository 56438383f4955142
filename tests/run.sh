#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD [unit|e2e|all]: run ferry's tests under prove (one TAP summary per backend).
# The whole selection runs on SQLite; then the end-to-end tests run again with the
# state store on PostgreSQL (a fresh database per test file, see tests/e2e/lib.sh).
#   FERRY_PG=DIR                a server scripts/pg-start.sh started (.ci/run); else run.sh
#                               starts a throwaway one when PostgreSQL is installed
#   FERRY_TEST_BACKENDS=LIST    "sqlite postgresql" (default), or either alone
#   FERRY_TESTS="FILES"         run only these files
#   CI=true                     (.ci/run) a skipped component is a failure: the
#                               PostgreSQL pass, a skipped file or case (tests/tools/tap-guard.sh)
# Every process the suite starts carries FERRYTEST_RUN (or works under this run's
# TMPDIR); one still alive after the tests is reported, stopped, and fails the run.
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
# The ASan builds of the sample applications reserve terabytes of address space: the
# sandbox cannot limit theirs (docs/SECURITY.md; t09xx tests set it themselves).
export FERRY_SANDBOX_MEMORY=${FERRY_SANDBOX_MEMORY:-off}
export LC_ALL=C
unset FERRY_HOME XDG_DATA_HOME FERRY_STORE FERRY_TEST_PG
backends=${FERRY_TEST_BACKENDS:-sqlite postgresql}
in_ci() { [ "${CI:-}" = true ]; }
if in_ci && [[ " $backends " != *" postgresql "* ]]; then
  echo "# CI runs both state store backends: FERRY_TEST_BACKENDS='$backends' leaves PostgreSQL out"; exit 1
fi
# The mark of this run: inherited by everything the tests start (ferry passes the
# environment on to services, FERRY_* variables aside), and a TMPDIR of its own.
export FERRYTEST_RUN="run-$$-$(date +%s%N)"
OUTER_TMP=${TMPDIR:-/tmp}
RUN_TMP=$(mktemp -d "$OUTER_TMP/ferry-run.XXXXXX")
chmod 0711 "$RUN_TMP"   # searchable: t0902 runs a ferry as nobody in a directory of its own below
export TMPDIR=$RUN_TMP
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
    FERRY_PG=$(mktemp -d "$OUTER_TMP/ferry-pg.XXXXXX")   # postgres must reach it
    OWN_PG=$FERRY_PG
    trap 'bash scripts/pg-stop.sh "$OWN_PG"' EXIT
    bash scripts/pg-start.sh "$FERRY_PG" >/dev/null
  elif in_ci; then
    echo "# PostgreSQL is not installed, and CI must test on it (bash scripts/deps.sh)"; exit 1
  else
    echo "#" >&2
    echo "# ######## PostgreSQL is not installed (bash scripts/deps.sh): testing on SQLite ONLY ########" >&2
    echo "#" >&2
  fi
fi
if [ -n "${FERRY_PG:-}" ]; then
  export FERRY_PG
  . "$FERRY_PG/env"
fi

prove_run() {
  prove --exec "bash tests/tools/tap-guard.sh" --failures --comments --jobs "${FERRY_TEST_JOBS:-2}" \
    --timer "$@"
}

# The processes of this run still alive: marked, or working under its TMPDIR.
suite_procs() {
  local p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
    if tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "FERRYTEST_RUN=$FERRYTEST_RUN" ||
       [[ "$(readlink "$p/cwd" 2>/dev/null)" == "$RUN_TMP"* ]]; then
      echo "$pid"
    fi
  done
}
# leak_check: after the tests nothing they started may live on (a few seconds' grace
# for processes on their way out); name each survivor, stop it, fail.
leak_check() {
  local left i pid
  for i in $(seq 1 50); do
    left=$(suite_procs)
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  echo "# processes started by the tests outlived them (a test must stop what it starts):"
  for pid in $left; do
    echo "#   pid $pid: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") (cwd $(readlink "/proc/$pid/cwd" 2>/dev/null))"
  done
  for pid in $left; do kill -TERM "$pid" 2>/dev/null; done
  sleep 1
  for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
  return 1
}
status=0
# A test that runs once (several ferryd nodes on a PostgreSQL of its own, t07-nodes.lib)
# belongs to the PostgreSQL pass when one follows: left out of the SQLite pass, not
# skipped there (CI counts a skip as a failure).
pg_pass() { [[ " $backends " == *" postgresql "* ]] && [ -n "${FERRY_PG:-}" ]; }
sqlite_files=()
for f in "${files[@]}"; do
  if pg_pass && case "$f" in *.sh) grep -q 't07-nodes\.lib' "$f";; *) false;; esac; then
    continue
  fi
  sqlite_files+=("$f")
done
if [[ " $backends " == *" sqlite "* ]] && [ ${#sqlite_files[@]} -gt 0 ]; then
  echo "# state store: SQLite"
  prove_run "${sqlite_files[@]}" || status=1
fi
if pg_pass && [ ${#e2e_files[@]} -gt 0 ]; then
  echo "# state store: PostgreSQL ($FERRY_PG)"
  FERRY_TEST_PG=$FERRY_PG prove_run "${e2e_files[@]}" || status=1
fi
if [ -n "${OWN_PG:-}" ]; then   # stop our PostgreSQL first: it is the suite's, not a leak
  bash scripts/pg-stop.sh "$OWN_PG"
  trap - EXIT
fi
leak_check || status=1
[ $status -ne 0 ] || rm -rf "$RUN_TMP"
exit $status
