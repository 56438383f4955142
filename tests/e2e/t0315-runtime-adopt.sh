#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0315: kill -9 of ferry inside the `start` step of `ferry env apply`, at a random
# instant after the service began to be spawned (issue 22, defect 1: a service spawned
# but not yet recorded kept the environment's port and `op resume` failed with "port
# ... is in use by another process"). Each kill is followed by `ferry op resume`,
# which must reach the end state of an uninterrupted apply with exactly one service
# running; rollback then gives the original back; at the end, stop leaves no process
# of the environment and nothing answers on its port. ADOPT_KILLS rounds (default 4;
# LONG=1: 30); the delays after the spawn began are a third within 5 ms, a third
# within 5-40 ms (where an unrecorded service used to exist), the rest within 400 ms.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"
: "${ADOPT_KILLS:=4}"
[ -n "${LONG:-}" ] && ADOPT_KILLS=30

ferry init >/dev/null
setup_project p
deploy sb p sandbox 7.3 PU12
PKG=fabrikam-tax@1.4.0
ENVDIR="$FERRY_HOME/environments/sb"
LOG="$ENVDIR/logs/app.log"

# Processes of the environment's service (its environment names the runtime), and
# any process working in its release trees (whoever started it).
service_procs() { grep -lzxF "FERRY_SERVICE=$ENVDIR" /proc/[0-9]*/environ 2>/dev/null | wc -l; }
release_procs() {
	local p n=0 cwd
	for p in /proc/[0-9]*; do
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		case "$cwd" in "$ENVDIR"/releases/*) n=$((n + 1));; esac
	done
	echo "$n"
}
starts() { grep -c "starting release" "$LOG"; }
# A random delay in seconds for round $1.
delay() {
	case $(($1 % 3)) in
	0) printf '0.%06d' $((RANDOM % 5000));;
	1) printf '0.%06d' $((5000 + RANDOM % 35000));;
	*) printf '0.%06d' $(((RANDOM * 32768 + RANDOM) % 400000));;
	esac
}

test_expect_success 'reference: an uninterrupted apply, then its rollback' '
  env_state sb >pre &&
  ferry -q env apply sb $PKG && env_state sb >ref &&
  ferry -q env rollback sb && equals "$(env_state sb)" "$(cat pre)" &&
  grep -q awaiting-signoff ref && equals "$(service_procs)" 1'

for i in $(seq 1 "$ADOPT_KILLS"); do
  d=$(delay "$i")
  test_expect_code 137 "round $i: stopped at the start step" "FERRY_CRASH_AT=start ferry -q env apply sb $PKG"
  test_expect_success "round $i: kill -9 ${d}s after the spawn began, resume gives the uninterrupted end state" '
    id=$(last_op sb 2>/dev/null) && n=$(starts) && t=$((SECONDS + 60)) &&
    { "$FERRY" -q op resume "$id" >/dev/null 2>&1 & pid=$!; } &&
    until [ "$(starts)" != "$n" ] || ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $t ]; do
      sleep 0.001; done &&
    sleep "$d" && { kill -9 "$pid" 2>/dev/null || echo "resume had finished"; } &&
    { wait "$pid"; echo "resume exited $?" >&2; } &&
    { [ "$(op_state "$id")" = awaiting-signoff ] || ferry -q op resume "$id"; } &&
    equals "$(op_state "$id")" awaiting-signoff &&
    equals "$(env_state sb)" "$(cat ref)" &&
    equals "$(service_procs)" 1'
  test_expect_success "round $i: rollback gives the original back, one service" '
    ferry -q env rollback sb && equals "$(env_state sb)" "$(cat pre)" &&
    equals "$(service_procs)" 1'
done

test_expect_success 'stop leaves no process of the environment and nothing on its port' '
  url=$(env_url sb) && ferry -q env stop sb &&
  equals "$(service_procs)" 0 && equals "$(release_procs)" 0 &&
  ! curl -s -o /dev/null --max-time 2 "$url/health"'
test_done
