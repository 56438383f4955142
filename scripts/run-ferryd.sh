#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-ferryd.sh BUILD: the ferryd part of `make run`: start ferryd on the sample home
# (in the background, log in $FERRY_HOME/ferryd.log), and print the web UI's address
# and a fresh admin token. Safe to run again: the earlier ferryd is stopped first.
set -euo pipefail
BUILD=${1:?build dir}
FERRY="$BUILD/ferry" FERRYD="$BUILD/ferryd"
[ -x "$FERRYD" ] || exit 0
pidf="$FERRY_HOME/ferryd.pid" portf="$FERRY_HOME/ferryd.port"
if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
  kill -TERM "$(cat "$pidf")"
  for _ in $(seq 1 100); do kill -0 "$(cat "$pidf")" 2>/dev/null || break; sleep 0.1; done
fi
"$FERRY" -q token revoke make-run 2>/dev/null || true
token=$("$FERRY" token create make-run --role admin --expires 30d --json | jq -r .token)
port=${FERRYD_PORT:-8580}
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && port=0   # taken: any free port
rm -f "$portf"
nohup "$FERRYD" --home "$FERRY_HOME" --port "$port" --port-file "$portf" \
  >/dev/null 2>>"$FERRY_HOME/ferryd.log" &
echo $! >"$pidf"
for _ in $(seq 1 100); do [ -s "$portf" ] && break; sleep 0.05; done
[ -s "$portf" ] || { echo "ferryd did not start: see $FERRY_HOME/ferryd.log"; exit 1; }
cat <<EOT

ferryd is running (pid $(cat "$pidf"), log $FERRY_HOME/ferryd.log).
  Web UI:      http://127.0.0.1:$(cat "$portf")/
  Admin token: $token
  (shown once; sign in with it, or: curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$(cat "$portf")/api/environments)
  Stop it:     kill \$(cat $pidf)
EOT
