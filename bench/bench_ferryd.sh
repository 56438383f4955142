#!/usr/bin/env bash
# bench_ferryd.sh: ferryd's GET /api/environments (100 environments, a viewer token)
# under wrk against nginx serving a static file of the same bytes on this machine, and
# ferryd's resident memory idle and under that load. Rows (bench/run.sh):
#   "name<TAB>ferry<TAB>reference<TAB>ref": throughput as ms per 10,000 requests (so the
#   ratio is ferryd's time over nginx's), memory in KiB in the same columns.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in wrk nginx curl jq; do
  command -v "$t" >/dev/null || { echo "bench_ferryd: $t missing (bash scripts/deps.sh)" >&2; exit 0; }
done
DUR=10s CONNS=32 THREADS=2
[ "${QUICK:-0}" = 1 ] && DUR=3s
tmp=$(mktemp -d /tmp/ferry-bench-d.XXXXXX)
FPID= NPID=
cleanup() {
  [ -n "$FPID" ] && kill -TERM "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
  [ -n "$NPID" ] && kill -QUIT "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export FERRY_HOME="$tmp/home"
unset FERRY_STORE

"$FERRY" init >/dev/null
"$FERRY" project create bench >/dev/null
for i in $(seq -w 1 100); do
  "$FERRY" -q env create "env-$i" --project bench --role sandbox --app 7.3 --platform PU12
done
TOKEN=$("$FERRY" token create bench --role viewer --json | jq -r .token)

"$FERRYD" --home "$FERRY_HOME" --port 0 --port-file "$tmp/port" 2>"$tmp/ferryd.log" &
FPID=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
FURL="http://127.0.0.1:$(cat "$tmp/port")/api/environments"
mkdir -p "$tmp/www"
curl -sf -H "Authorization: Bearer $TOKEN" "$FURL" >"$tmp/www/envs.json"
[ "$(jq length "$tmp/www/envs.json")" = 100 ] || { echo "bench_ferryd: expected 100 environments" >&2; exit 1; }

# nginx on a free port, serving the same bytes as application/json.
NPORT=$(( 20000 + RANDOM % 20000 ))
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/json json; }
  client_body_temp_path $tmp/nb; proxy_temp_path $tmp/np; fastcgi_temp_path $tmp/nf;
  uwsgi_temp_path $tmp/nu; scgi_temp_path $tmp/ns;
  server { listen 127.0.0.1:$NPORT; root $tmp/www; location / { add_header Cache-Control no-store; } }
}
EOF
nginx -c "$tmp/nginx.conf" -p "$tmp" 2>>"$tmp/nginx.err" &
NPID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$NPORT/envs.json" >/dev/null && break; sleep 0.05; done
cmp <(curl -sf "http://127.0.0.1:$NPORT/envs.json") "$tmp/www/envs.json"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# rps URL [header]: requests per second from wrk.
rps() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DUR" ${2:+-H "$2"} "$1" | awk '/^Requests\/sec:/ { print $2 }'
}
idle_kib=$(rss "$FPID")
nginx_idle=$(rss "$NPID")
peak=0
( while kill -0 "$FPID" 2>/dev/null; do r=$(rss "$FPID" 2>/dev/null || echo 0); echo "$r"; sleep 0.2; done ) >"$tmp/rss" &
SAMPLER=$!
f_rps=$(rps "$FURL" "Authorization: Bearer $TOKEN")
kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null || true
peak=$(sort -n "$tmp/rss" | tail -1)
n_rps=$(rps "http://127.0.0.1:$NPORT/envs.json")
nginx_load=$(rss "$NPID")
bytes=$(wc -c <"$tmp/www/envs.json")

echo "bench_ferryd: ferryd $f_rps req/s, nginx $n_rps req/s ($bytes bytes; wrk -t$THREADS -c$CONNS -d$DUR)" >&2
per10k() { awk -v r="$1" 'BEGIN { printf "%.1f", (r > 0) ? 10000 * 1000 / r : 0 }'; }
printf 'ferryd GET /api/environments (100), ms/10k req\t%s\tnginx static, same bytes\t%s\n' \
  "$(per10k "$f_rps")" "$(per10k "$n_rps")"
printf 'ferryd RSS idle, KiB\t%s\tnginx idle, KiB\t%s\n' "$idle_kib" "$nginx_idle"
printf 'ferryd RSS under load (peak), KiB\t%s\tnginx after load, KiB\t%s\n' "$peak" "$nginx_load"
