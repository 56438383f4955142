#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0510: daemon/openapi.json is generated from the route table (scripts/gen-openapi.py)
# and real clients accept it: Redocly's linter reports no error, and a client written
# against the types openapi-typescript generates compiles with tsc --strict and talks to
# a live ferryd. npm packages come from tests/openapi's lock file.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

OA_DIR="$FERRY_SRC/tests/openapi"
test_expect_success 'openapi.json is what the route table and openapi.in.json generate' '
  "$FERRYD" --route-table >routes.json &&
  python3 "$FERRY_SRC/scripts/gen-openapi.py" --check routes.json'
test_expect_success 'a route missing from openapi.in.json is an error, not a silent gap' '
  jq ". + [{method: \"GET\", path: \"/api/nowhere\", role: \"viewer\", action: null,
            global: false, summary: \"x\"}]" routes.json >more.json &&
  ! python3 "$FERRY_SRC/scripts/gen-openapi.py" more.json >/dev/null 2>err &&
  file_contains err "GET /api/nowhere has no entry"'

# npm ci from the lock file, once per lock file version. Outside CI a machine without
# npm or the registry skips (loudly); in CI (CI=true) that is a failure.
npm_ready() {
  local stamp="$OA_DIR/node_modules/.ferry-lock-sha" want
  command -v npm >/dev/null || return 1
  want=$(sha256sum "$OA_DIR/package-lock.json" | cut -d" " -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  (cd "$OA_DIR" && npm ci --no-audit --no-fund --cache "$FERRY_SRC/build/npm-cache" >&2) || return 1
  echo "$want" >"$stamp"
}
if ! npm_ready; then
  if [ "${CI:-}" = true ]; then
    test_expect_success 'npm ci of tests/openapi (required in CI)' 'false'
  else
    echo "# SKIP the npm checks: npm ci of tests/openapi failed (no npm or no registry)" >&2
    test_skip_ "redocly lint, openapi-typescript, tsc" "npm"
  fi
  test_done
  exit
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
BIN="$OA_DIR/node_modules/.bin"

test_expect_success 'redocly lint: no errors, no warnings' '
  "$BIN/redocly" lint --format=stylish "$FERRY_SRC/daemon/openapi.json" >lint 2>&1;
  rc=$?; cat lint; test $rc -eq 0 && file_contains lint "valid" &&
  ! grep -Eq "[0-9]+ (error|warning)s?" lint'
test_expect_success 'openapi-typescript generates the types; the client compiles (tsc --strict)' '
  mkdir -p client && cp "$OA_DIR/client.ts" "$OA_DIR/tsconfig.json" client/ &&
  "$BIN/openapi-typescript" "$FERRY_SRC/daemon/openapi.json" -o client/api.d.ts &&
  (cd client && "$BIN/tsc" -p .) && test -s client/out/client.js'
test_expect_success 'the types catch a request the API does not take' '
  sed "s/app_release: \"7.3\", //" client/client.ts >client/bad.ts &&
  ! (cd client && "$BIN/tsc" --strict --noEmit --lib es2022,dom --module es2022 \
       --moduleResolution bundler --target es2022 bad.ts) >tsc.out 2>&1 &&
  file_contains tsc.out "app_release"'

ferry init >/dev/null
ferry project create p1 >/dev/null
ADMIN=$(new_token admin admin)
ferryd_start || exit 1
test_expect_success 'the compiled client works against a live ferryd' '
  FERRY_URL=$URL FERRY_TOKEN=$ADMIN node client/out/client.js >out.json &&
  jq -e ".status == \"ok\" and .created == \"ts-client\" and (.names | index(\"ts-client\"))
         and (.refused | test(\"404 not-found\"))" out.json'
test_expect_success 'ferryd serves the generated document' '
  curl -sf "$URL/api/openapi.json" | cmp - "$FERRY_SRC/daemon/openapi.json"'
test_done
