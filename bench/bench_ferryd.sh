#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_ferryd.sh: ferryd's resident memory idle and under load (row 8), with 1,000
# environments in the store: RSS (VmRSS, MiB) after start, and the highest RSS sampled every
# 50 ms while `wrk` (2 threads, 16 connections) asks GET /api/environments; also the
# requests per second wrk saw. Reference: nginx (master + worker) serving a static file with
# the same bytes as that answer, measured the same way.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "$QUICK" = 1 ] && [ "$RUNS" -gt 2 ] && RUNS=2
if [ ! -x "$FERRYD" ] || ! "$FERRY" token --help >/dev/null 2>&1; then
	echo "bench: $FERRYD or 'ferry token' is missing" >&2
	exit 1
fi
for t in wrk nginx; do
	command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "bench: $t missing (make deps)" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
N=1000
if [ "$QUICK" = 1 ]; then DUR=2; else DUR=10; fi
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-d.XXXXXX")
DPID= NPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$NPID" ] && kill -QUIT "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
export FERRY_HOME="$W/home"
"$FERRY" -q init
sqlite3 "$FERRY_HOME/ferry.db" "BEGIN;
	WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < $N / 100)
	INSERT INTO projects(name, product, created_ms) SELECT printf('p%05d', k), 'finance-operations', 0 FROM i;
	WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < $N)
	INSERT INTO environments(project_id, name, role, state, product, app_release, platform, created_ms, updated_ms)
	SELECT (SELECT id FROM projects WHERE name = printf('p%05d', k / 100)), printf('env%06d', k), 'sandbox',
		'deployed', 'finance-operations', '8.1', 'PU20', 1700000000000 + k, 1700000000000 + k FROM i; COMMIT;"
TOKEN=$("$FERRY" -q token create bench --role viewer | grep -o 'ferry_[A-Za-z0-9_]*' | head -1)
"$FERRYD" --home "$FERRY_HOME" --listen 127.0.0.1 --port 0 --port-file "$W/port" 2>"$W/ferryd.log" &
DPID=$!
for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
DURL="http://127.0.0.1:$(cat "$W/port")/api/environments"
mkdir -p "$W/www"; chmod 755 "$W" "$W/www"
curl -sf -H "Authorization: Bearer $TOKEN" "$DURL" >"$W/www/environments.json"; chmod 644 "$W/www/environments.json"
NPORT=$(free_port)
cat >"$W/nginx.conf" <<CONF
worker_processes 1;
error_log $W/nginx.err;
pid $W/nginx.pid;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $W/tmp; proxy_temp_path $W/tmp; fastcgi_temp_path $W/tmp;
	uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;
	server { listen 127.0.0.1:$NPORT; root $W/www; default_type application/json; }
}
CONF
mkdir -p "$W/tmp"
"$NGINX" -p "$W" -c "$W/nginx.conf" -g 'daemon off;' 2>>"$W/nginx.err" &
NPID=$!
NURL="http://127.0.0.1:$NPORT/environments.json"
wait_http "$NURL" 100 || { cat "$W/nginx.err" >&2; exit 1; }
[ "$(curl -sf "$NURL" | jq length)" = "$N" ]

# rss_kib PID...: VmRSS of the processes and their children, summed (KiB)
rss_kib() {
	local p t=0 v
	for p in "$@" $(for p in "$@"; do pgrep -P "$p"; done); do
		v=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# load URL PID [HEADER]: wrk for DUR s; prints "peak_rss_kib req_per_s"
load() {
	local peak=0 v
	wrk -t2 -c16 -d"${DUR}s" ${3:+-H "$3"} "$1" >"$W/wrk.out" 2>&1 &
	local wpid=$!
	while kill -0 "$wpid" 2>/dev/null; do
		v=$(rss_kib "$2"); [ "$v" -gt "$peak" ] && peak=$v
		sleep 0.05
	done
	wait "$wpid"
	echo "$peak $(awk '/^Requests\/sec/ { print $2 }' "$W/wrk.out")"
}
sleep 1
di=() ni=() dl=() nl=() dr=() nr=()
for r in $(seq 1 "$RUNS"); do
	di+=("$(mib "$(rss_kib "$DPID")")")
	ni+=("$(mib "$(rss_kib "$NPID")")")
	read -r p q < <(load "$DURL" "$DPID" "Authorization: Bearer $TOKEN"); dl+=("$(mib "$p")"); dr+=("$q")
	read -r p q < <(load "$NURL" "$NPID"); nl+=("$(mib "$p")"); nr+=("$q")
	sleep 0.5
done
grep -q '^ *[0-9]* requests in' "$W/wrk.out"
# /api/health with 2,000 idle connections open (four client addresses, 500 each: one
# address may hold 512), against the same requests with none open.
cat >"$W/idle.py" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (2 + i // 500), 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
print("open", flush=True)
sys.stdin.read()
PY
HURL="http://127.0.0.1:$(cat "$W/port")/api/health"
health() { local i; for i in $(seq 1 10); do curl -sf -m 5 -o /dev/null "$HURL" || return 1; done; }
h0=() h1=()
for r in $(seq 1 "$RUNS"); do h0+=("$(ms health)"); done
mkfifo "$W/hold"
python3 "$W/idle.py" "$(cat "$W/port")" 2000 <"$W/hold" >"$W/idle.out" & IPID=$!
exec 9>"$W/hold"
for _ in $(seq 1 100); do [ -s "$W/idle.out" ] && break; sleep 0.1; done
[ -s "$W/idle.out" ] || { echo "bench: could not open 2,000 idle connections to ferryd" >&2; exit 1; }
for r in $(seq 1 "$RUNS"); do h1+=("$(ms health)"); done
exec 9>&-
wait "$IPID"
per10() { local v out=(); for v in "$@"; do out+=("$(awk -v a="$v" 'BEGIN { printf "%.2f", a / 10 }')"); done; echo "${out[*]}"; }
row "ferryd RSS idle ($N envs)" MiB "${di[*]}" "nginx (master+worker), idle" "${ni[*]}"
row "ferryd RSS under load (wrk -c16, GET /api/environments)" MiB "${dl[*]}" "nginx, same bytes, static file" "${nl[*]}"
row "ferryd GET /api/environments throughput ($N envs)" req/s "${dr[*]}" "nginx, same bytes, static file" "${nr[*]}"
row "ferryd idle connections: GET /api/health with 2,000 idle connections open" ms "$(per10 "${h1[@]}")" \
	"same requests, no idle connection" "$(per10 "${h0[@]}")"
