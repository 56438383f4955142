#!/usr/bin/env bash
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
ADMIN=$(new_token admin admin)
VIEWER=$(new_token viewer viewer)
ferryd_start || { echo "1..0 # SKIP ferryd did not start"; exit 1; }

ARTIFACTS="$FERRY_BUILD/artifacts/browser"
rm -rf "$ARTIFACTS"
FERRY_URL="$URL" FERRY_ADMIN="$ADMIN" FERRY_VIEWER="$VIEWER" ARTIFACTS="$ARTIFACTS" \
  timeout 120 node "$BROWSER_DIR/ui.test.mjs"
rc=$?
ferryd_stop || rc=1
if grep -q -- "${ADMIN##*_}" "$FERRYD_LOG"; then echo "# a token leaked into the log"; rc=1; fi
exit $rc
