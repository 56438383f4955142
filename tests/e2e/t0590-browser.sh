#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0590: the web UI in a real browser: Playwright (playwright-core from npm, installed from
# tests/browser's lock file) driving Debian's chromium against a running ferryd.
# Screenshots are kept in $FERRY_BUILD/artifacts/browser.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

BROWSER_DIR="$FERRY_SRC/tests/browser"
for tool in node npm /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool missing (scripts/deps.sh installs it)"; exit 0; }
done
# npm ci from the lock file, once per lock file version (the cache outlives scratch dirs).
stamp="$BROWSER_DIR/node_modules/.ferry-lock-sha"
want=$(sha256sum "$BROWSER_DIR/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --cache "$FERRY_SRC/build/npm-cache" >&2) ||
    { echo "1..0 # SKIP npm ci failed"; exit 0; }
  echo "$want" >"$stamp"
fi

ferry init >/dev/null
ferry project create contoso --description "sample" >/dev/null
for spec in "contoso-dev development" "contoso-uat sandbox" "contoso-prod production"; do
  set -- $spec
  ferry env create "$1" --project contoso --role "$2" --app 7.3 --platform PU12 >/dev/null
done
# Real runtimes for the upgrade in the browser: signed packages, a sandbox and production
# of the sample ledger on 7.3 with data, a rehearsal of the data upgrade in development.
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait 2>/dev/null'
{ ferry key generate vendor && ferry key trust vendor --project contoso &&
  up_packages ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-2.0 &&
  up_env sales-prod production 200 7 && up_env sales-uat sandbox 0 0 && up_env sales-uat2 sandbox 0 0 &&
  up_env sales-fail sandbox 0 0 && up_env sales-kbd sandbox 0 0 &&
  up_dev sales-dev 8.1 && ferry -q db copy --from sales-prod --to sales-dev && ferry -q env data-upgrade sales-dev &&
  # an operation abort refuses (a database copy has no clean-up), left interrupted
  ferry -q env deploy contoso-dev --from-dir "$SCRATCH/rel/ledger-app-7.3" --no-start &&
  { FERRY_CRASH_AT=copy ferry -q db copy --from sales-prod --to contoso-dev 2>/dev/null; test $? = 137; }
} >/dev/null || { echo "1..0 # SKIP upgrade setup failed"; exit 1; }
# a package for the browser to upload (built and signed, not in the library yet)
ferry --quiet package build "$PKGS/contoso-reports" -o "$SCRATCH/contoso-reports.zip" --sign vendor >/dev/null ||
  { echo "1..0 # SKIP package build failed"; exit 1; }
ADMIN=$(new_token admin admin)
VIEWER=$(new_token viewer viewer)
ferryd_start || { echo "1..0 # SKIP ferryd did not start"; exit 1; }

# FERRY_UI_HOLD=FILE: write the URL and tokens to FILE and keep ferryd up (a person's look).
if [ -n "${FERRY_UI_HOLD:-}" ]; then
  printf 'URL=%s\nADMIN=%s\nVIEWER=%s\nFERRY_HOME=%s\nFERRYD_PID=%s\n' "$URL" "$ADMIN" "$VIEWER" "$FERRY_HOME" "$FERRYD_PID" >"$FERRY_UI_HOLD"
  wait "$FERRYD_PID"
  exit 0
fi
ARTIFACTS="$FERRY_BUILD/artifacts/browser"
rm -rf "$ARTIFACTS"
FERRY_URL="$URL" FERRY_ADMIN="$ADMIN" FERRY_VIEWER="$VIEWER" ARTIFACTS="$ARTIFACTS" FERRY_UPLOAD="$SCRATCH/contoso-reports.zip" \
  timeout 900 node "$BROWSER_DIR/ui.test.mjs"
rc=$?
ferryd_stop || rc=1
if grep -q -- "${ADMIN##*_}" "$FERRYD_LOG"; then echo "# a token leaked into the log"; rc=1; fi
exit $rc
