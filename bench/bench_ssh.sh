#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_ssh.sh: servicing apply on an environment on a remote host (sshd in a network
# namespace on this machine, tests/tools/hosts.sh) against doing the same by hand over
# the same SSH connection.
#   9. `ferry env apply ENV fabrikam-tax@1.4.0` on host a until it waits for sign-off
#      (restore point on the host, the package shipped as a verified stream, overlay,
#      scripts, restart, health, DVT), then `ferry env rollback` (not timed) for the next
#      run; by hand: `ssh host cp -a` of the release, `tar -c | ssh host tar -x` of the
#      package over it, and a restart of the application over ssh until /health answers.
# Needs root (network namespaces) and openssh-server: otherwise an n/a row.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME="servicing apply on a remote host (ferry env apply over SSH)"
if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/sshd ] || ! command -v ip >/dev/null; then
	na "$NAME" "n/a: needs root, iproute2 and openssh-server (network namespaces)"
	exit 0
fi
if ! has_cmd host add; then
	na "$NAME" "n/a: ferry host not available on this build"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-ssh.XXXXXX")
HS="$BENCH_SRC/tests/tools/hosts.sh"
export FERRY_HOME="$W/home"
f() { "$FERRY" "$@"; }
cleanup() {
	f -q env stop sbx --grace 1 >/dev/null 2>&1 || true
	bash "$HS" stop "$W/hosts" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
bash "$HS" start "$W/hosts" 1 >&2
. "$W/hosts/hosts.env"
# by hand: the same login, the same connection reuse
SSH=(ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
     -o LogLevel=ERROR -o ControlMaster=auto -o "ControlPath=$W/cm-%C" -o ControlPersist=60
     -i "$HOSTS_KEY" "root@$H1_ADDR")
on() { "${SSH[@]}" "$@"; }

f -q init
f -q host add a --ssh "root@$H1_ADDR" --identity "$HOSTS_KEY" --dir "$H1_DIR" --accept-host-key
f -q project create bench
f -q key generate vendor >/dev/null
f -q key trust vendor --project bench
PK="$EX/packages"
for d in ledger-app-7.3 fabrikam-tax-1.4; do
	f -q package build "$PK/$d" -o "$W/$d.zip" --sign vendor >/dev/null
	f -q asset upload "$W/$d.zip" --project bench >/dev/null
	f -q package extract "$W/$d.zip" "$W/$d" --project bench >/dev/null
done
f -q env create sbx --project bench --role sandbox --app 7.3 --platform PU12 --host a
f -q env deploy sbx --package ledger-app@7.3.0 >/dev/null
DIR=$(f env show sbx --json | jq -r .runtimes.main.dir)
REL=$(f env show sbx --json | jq -r .release)

# The by-hand application on the host: its own copy of the release, database and port.
HPORT=$(free_port)
HAND="$H1_DIR/hand"
on "mkdir -p $HAND && cp -a $DIR/releases/$REL $HAND/rel && cp $DIR/db/app.db $HAND/app.db"
jq -n --arg db "$HAND/app.db" --arg rel "$HAND/rel" --argjson port "$HPORT" --arg st "$HAND" \
	--arg url "http://$H1_ADDR:$HPORT" \
	'{environment: "hand", role: "sandbox", port: $port, url: $url, database: $db, release_dir: $rel, state_dir: $st}' |
	on "cat > $HAND/hand.json"
hand_start() {  # RELEASE on the host, until /health answers here
	on "setsid $1/bin/ledger serve --config $HAND/hand.json >>$HAND/log 2>&1 </dev/null & echo \$! > $HAND/pid"
	wait_http "http://$H1_ADDR:$HPORT/health" 2000
}
hand_stop() { on "kill \$(cat $HAND/pid); while kill -0 \$(cat $HAND/pid) 2>/dev/null; do sleep 0.01; done"; }
hand_start "$HAND/rel"

fv=() rv=()
for r in $(seq 1 "$RUNS"); do
	log "remote servicing run $r of $RUNS"
	fv+=("$(ms f -q env apply sbx fabrikam-tax@1.4.0)")
	f -q env rollback sbx >/dev/null
	s=$(now_us)
	on "rm -rf $HAND/rel2 && cp -a $HAND/rel $HAND/rel2"
	tar -C "$W/fabrikam-tax-1.4" --exclude manifest.json --exclude manifest.sig -cf - . | on "tar -xf - -C $HAND/rel2"
	hand_stop
	hand_start "$HAND/rel2"
	e=$(now_us)
	rv+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", (b - a) / 1000 }')")
	hand_stop
	hand_start "$HAND/rel"
done
hand_stop
row "$NAME" ms "${fv[*]}" "by hand: ssh cp -a, tar | ssh tar -x, restart over ssh" "${rv[*]}"
