#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0313: `ferry env deploy --package REF` from the asset library: verified, checked against
# the environment's release and platform, recorded as a reference; refusals change nothing.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"

ferry init >/dev/null
ferry -q key generate vendor
ferry project create p >/dev/null && ferry -q key trust vendor --project p
for pkg in ledger-app-7.3 ledger-app-8.1 fabrikam-tax-1.4; do
  ferry -q package build "$EX/packages/$pkg" -o "$pkg.zip" --sign vendor >/dev/null &&
  ferry -q asset upload "$pkg.zip" --project p >/dev/null
done
ferry -q env create sb --project p --role sandbox --app 7.3 --platform PU12

test_expect_code 5 'an application package of another release is refused' '
  before=$(store_sum); ferry env deploy sb --package ledger-app@8.1.0 2>err; rc=$?
  file_contains err "provides release 8.1" && equals "$(store_sum)" "$before" &&
  ! test -e "$FERRY_HOME/environments/sb/current" || exit 9; exit $rc'
test_expect_code 5 'an ISV package is not deployed: it is applied' '
  ferry env deploy sb --package fabrikam-tax@1.4.0 2>err; rc=$?
  file_contains err "not an application package" || exit 9; exit $rc'
test_expect_code 3 'an unknown package is not found' 'ferry env deploy sb --package nope@1.0.0'
test_expect_success 'the 7.3 application package deploys and serves' '
  ferry env deploy sb --package ledger-app@7.3.0 >out &&
  equals "$(curl -sf "$(env_url sb)/version" | jq -r .release)" 7.3 &&
  equals "$(env_json sb | jq -r .state)" deployed'
test_expect_success 'the environment now references the package: rm is refused' '
  ferry asset rm ledger-app@7.3.0 --project p 2>err; rc=$?
  test $rc -ne 0 && file_contains err "sb" &&
  ferry asset show ledger-app@7.3.0 --project p --json >/dev/null'
test_expect_code 6 'a package tampered with in the library is refused before deploy' '
  blob=$(ls "$FERRY_HOME"/assets/*/* 2>/dev/null | head -1)
  sha=$(ferry asset show ledger-app@7.3.0 --project p --json | jq -r .sha256)
  f=$(find "$FERRY_HOME/assets" -type f -name "*$sha*" | head -1)
  chmod u+w "$f" && printf "X" | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
  ferry env deploy sb --package ledger-app@7.3.0 2>err; rc=$?
  equals "$(curl -sf "$(env_url sb)/version" | jq -r .release)" 7.3 || exit 9; exit $rc'
test_done
