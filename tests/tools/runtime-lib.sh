# SPDX-License-Identifier: MIT
# runtime-lib.sh: helpers for the runtime tests (t031x): a release tree of the
# httpfixture application, and waiting without timed assertions.
FIXTURE="$FERRY_BUILD/tools/httpfixture"

# make_release DIR VERSION: an extracted application package running httpfixture.
make_release() {
  mkdir -p "$1/bin" && cp "$FIXTURE" "$1/bin/app" && echo "$2" >"$1/VERSION" &&
  cat >"$1/manifest.json" <<JSON
{"format": 1, "name": "fixture-app", "version": "$2", "type": "application",
 "product": "finance-operations", "provides": {"release": "7.3", "platform": "PU20"},
 "service": {"exec": ["bin/app", "serve", "--config", "\${CONFIG}"],
             "health": "/health", "version": "/version", "ready_timeout_s": 20}}
JSON
}

env_json() { ferry env show "$1" --json; }
env_url() { env_json "$1" | jq -r .url; }
env_pid() { env_json "$1" | jq -r .pid; }
env_port() { env_json "$1" | jq -r .port; }
env_dir() { echo "$FERRY_HOME/environments/$1"; }
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# Stop every environment's processes (both views) when the test file ends, whatever happened.
stop_all_envs() { stop_envs; }
test_cleanup_hook=stop_all_envs
