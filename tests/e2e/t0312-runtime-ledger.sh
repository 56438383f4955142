#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0312: the runtime with the real sample application (examples/ledger): deploy the
# staged 7.3 application package, serve, restore point and restore, redeploy.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/tools/runtime-lib.sh"

PKGS="$FERRY_BUILD/examples/packages"
ferry init >/dev/null
ferry project create contoso >/dev/null
ferry env create sbx --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null

test_expect_success 'the ledger 7.3 application deploys and answers /version' '
  test -f "$PKGS/ledger-app-7.3/manifest.json" &&
  ferry env deploy sbx --from-dir "$PKGS/ledger-app-7.3" &&
  curl -sf "$(env_url sbx)/version" | jq -e ".release == \"7.3\" and .environment == \"sbx\" and .role == \"sandbox\" and (.packages | map(.name)) == [\"ledger-app\"]"'
test_expect_success 'it keeps its data in the environment database' '
  curl -sf -X POST "$(env_url sbx)/customers" -d "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}" >/dev/null &&
  curl -sf "$(env_url sbx)/customers" | grep -q "Ada Lovelace" &&
  sqlite3 "$(env_dir sbx)/db/app.db" "select count(*) from customers" | grep -qx 1'
test_expect_success 'restore point while serving, restore after changes: same data, same dump' '
  ferry env db sbx restore-point before && sum=$(ferry env db sbx checksum) &&
  sqlite3 "$(env_dir sbx)/db/app.db" .dump >before.dump &&
  curl -sf -X POST "$(env_url sbx)/customers" -d "{\"name\":\"Grace Hopper\",\"email\":\"grace@example.com\"}" >/dev/null &&
  [ "$(ferry env db sbx checksum)" != "$sum" ] &&
  ferry env stop sbx && ferry env db sbx restore before &&
  sqlite3 "$(env_dir sbx)/db/app.db" .dump >after.dump && cmp before.dump after.dump &&
  equals "$(ferry env db sbx checksum)" "$sum" &&
  ferry env start sbx && ! curl -sf "$(env_url sbx)/customers" | grep -q "Grace Hopper"'
test_expect_success 'SIGTERM stops the ledger cleanly (no SIGKILL needed)' '
  out=$(ferry env stop sbx --grace 10) && ! contains "$out" killed >/dev/null &&
  grep -q "stopped" "$(env_dir sbx)/logs/app.log"'
test_done
