#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0008: `make install DESTDIR=... PREFIX=/usr` and `make uninstall`: the installed ferry
# finds its data beside itself (<prefix>/share/ferry), works from outside the tree, and
# no path of the tree is in the binaries; uninstall leaves nothing but a changed config.
# (scripts/test-deb.sh does the same for the Debian package, and moves its tree away.)
. "$(dirname "$0")/lib.sh"

SAN=0
case "$FERRY_BUILD" in */asan) SAN=1;; esac
D="$SCRATCH/root"
mk() { make -s -C "$FERRY_SRC" SAN=$SAN BUILD="$FERRY_BUILD" PREFIX=/usr DESTDIR="$D" "$@"; }
test_expect_success 'make install DESTDIR PREFIX=/usr: binaries, data, pages, completion, config, unit' '
  mk install >install.log 2>&1 || { cat install.log; exit 1; }
  for f in usr/bin/ferry usr/sbin/ferryd usr/share/ferry/catalog/finance-operations.json \
      usr/share/ferry/daemon/openapi.json usr/share/ferry/daemon/web/app.js \
      usr/share/man/man1/ferry.1 usr/share/man/man8/ferryd.8 usr/share/man/man5/ferryd.conf.5 \
      usr/share/bash-completion/completions/ferry usr/share/zsh/vendor-completions/_ferry \
      etc/ferry/ferryd.conf usr/lib/systemd/system/ferryd.service; do
    test -s "$D/$f" || { echo "missing $f"; exit 1; }; done &&
  grep -qx "ExecStart=/usr/sbin/ferryd --config /etc/ferry/ferryd.conf" "$D/usr/lib/systemd/system/ferryd.service"'
# A test build (make SAN=1) keeps the tree as its last-resort data directory (unit
# tests); a release build has no path of it (scripts/test-deb.sh checks the package).
if [ "$SAN" = 1 ]; then
  test_expect_success 'the test build names the tree only as its last-resort data directory' '
    strings -a "$D/usr/bin/ferry" | grep -qx "$FERRY_SRC" &&
    ! strings -a "$D/usr/bin/ferry" "$D/usr/sbin/ferryd" | grep -F "$FERRY_SRC" |
      grep -vx -e "$FERRY_SRC" -e ".*share/ferry beside the binary, else $FERRY_SRC"'
else
  test_expect_success 'no path of the tree in the installed binaries' '
    ! strings -a "$D/usr/bin/ferry" "$D/usr/sbin/ferryd" | grep -F "$FERRY_SRC"'
fi
mkdir -p "$SCRATCH/elsewhere"
test_expect_success 'the installed ferry finds its data beside itself, from anywhere' '
  cd "$SCRATCH/elsewhere" && unset FERRY_DATA_DIR &&
  "$D/usr/bin/ferry" version --json | jq -e --arg d "$D/usr/share/ferry" ".data_dir == \$d" &&
  "$D/usr/bin/ferry" init >/dev/null &&
  "$D/usr/bin/ferry" upgrade check --from 7.3 --to 8.1 --json | jq -e ".to" >/dev/null &&
  "$D/usr/sbin/ferryd" --check-config | grep -qx "assets = $D/usr/share/ferry/daemon"'
test_expect_success 'FERRY_DATA_DIR (or --data-dir) wins' '
  FERRY_DATA_DIR=/opt/elsewhere "$D/usr/bin/ferry" version --json | jq -e ".data_dir == \"/opt/elsewhere\"" &&
  "$D/usr/bin/ferry" --data-dir /opt/x version --json | jq -e ".data_dir == \"/opt/x\""'
test_expect_success 'a second install keeps a changed config file' '
  echo "workers = 3" >>"$D/etc/ferry/ferryd.conf" && mk install >/dev/null 2>&1 &&
  grep -qx "workers = 3" "$D/etc/ferry/ferryd.conf"'
test_expect_success 'make uninstall removes everything it installed; a changed config stays' '
  mk uninstall >uninstall.log 2>&1 && file_contains uninstall.log "KEEP" &&
  find "$D" -type f >left && equals "$(cat left)" "$D/etc/ferry/ferryd.conf"'
test_done
