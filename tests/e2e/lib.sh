# lib.sh: the end-to-end test library, after git's test-lib: each test file sources
# it, gets a fresh scratch directory and ferry home, and reports TAP.
#   test_expect_success 'what' 'commands'
#   test_expect_failure_code N 'what' 'command'   (command must exit with N)
#   test_done
set -u
: "${FERRY:?run through tests/run.sh (FERRY unset)}"
TEST_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ferry-$TEST_NAME.XXXXXX")
export FERRY_HOME="$SCRATCH/home"
export HOME="$SCRATCH"
cd "$SCRATCH" || exit 1
test_count=0
test_fail=0
trap 'test_cleanup' EXIT

test_cleanup() {
  [ -n "${test_cleanup_hook:-}" ] && eval "$test_cleanup_hook"
  if [ "$test_fail" -eq 0 ] && [ -z "${FERRY_KEEP_SCRATCH:-}" ]; then
    rm -rf "$SCRATCH"
  else
    echo "# scratch kept: $SCRATCH"
  fi
}

ferry() { "$FERRY" "$@"; }

test_expect_success() {
  local desc=$1 body=$2 out
  test_count=$((test_count + 1))
  out=$(cd "$SCRATCH" && eval "$body" 2>&1)
  local rc=$?
  if [ $rc -eq 0 ]; then
    echo "ok $test_count - $desc"
  else
    test_fail=$((test_fail + 1))
    echo "not ok $test_count - $desc"
    printf '%s\n' "$out" | sed 's/^/#   /'
  fi
}

# test_expect_code N 'desc' 'command': the command must exit with exactly N.
test_expect_code() {
  local want=$1 desc=$2 body=$3 out rc
  test_count=$((test_count + 1))
  out=$(cd "$SCRATCH" && eval "$body" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ]; then
    echo "ok $test_count - $desc"
  else
    test_fail=$((test_fail + 1))
    echo "not ok $test_count - $desc (exit $rc, wanted $want)"
    printf '%s\n' "$out" | sed 's/^/#   /'
  fi
}

# Assertions for use inside bodies.
contains() { grep -q -- "$2" <<<"$1" || { echo "expected to find: $2"; echo "in: $1"; return 1; }; }
file_contains() { grep -q -- "$2" "$1" || { echo "expected $1 to contain: $2"; cat "$1"; return 1; }; }
equals() { [ "$1" = "$2" ] || { echo "expected: '$2'"; echo "got:      '$1'"; return 1; }; }
# The audit log records refused attempts too: it is not part of the state compared.
store_sum() { sqlite3 "$FERRY_HOME/ferry.db" .dump | grep -v "^INSERT INTO audit_log" | sha256sum | cut -d" " -f1; }

test_done() {
  echo "1..$test_count"
  [ "$test_fail" -eq 0 ]
}
