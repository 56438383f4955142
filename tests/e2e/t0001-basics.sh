#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0001: init, home resolution, help, unknown commands, version.
. "$(dirname "$0")/lib.sh"

test_expect_code 7 'commands refuse a missing home and say how to create it' '
  out=$(ferry project list 2>&1); rc=$?; contains "$out" "ferry init"; exit $rc'
test_expect_success 'init creates the home and store' '
  ferry init && store_ready "$FERRY_HOME"'
test_expect_success 'init is idempotent' 'ferry init && ferry init'
test_expect_success '--home overrides FERRY_HOME' '
  ferry --home "$SCRATCH/other" init && store_ready "$SCRATCH/other"'
test_expect_success 'XDG_DATA_HOME is used when nothing else is set' '
  (unset FERRY_HOME; XDG_DATA_HOME="$SCRATCH/xdg" ferry init) && store_ready "$SCRATCH/xdg/ferry"'
test_expect_code 2 'unknown command is a usage error' 'ferry frobnicate'
test_expect_success 'unknown command names itself' '
  out=$(ferry frobnicate 2>&1); contains "$out" "unknown command .frobnicate."'
test_expect_code 2 'unknown subcommand is a usage error' 'ferry project frob'
test_expect_code 2 'unknown option is a usage error' 'ferry project list --bogus'
test_expect_code 2 'no command prints usage' 'ferry'
test_expect_success 'help lists the groups' 'out=$(ferry help); contains "$out" "project"; contains "$out" "env"'
test_expect_success '--help and -h: the groups on stdout, exit 0' '
  ferry --help >out && contains "$(cat out)" "upgrade" && ferry -h >out2 && cmp out out2'
test_expect_success 'a group help lists its commands (t0005 walks them all)' '
  out=$(ferry env help) && contains "$out" "apply" && contains "$out" "logs"'
test_expect_success 'version prints' 'out=$(ferry version); contains "$out" "ferry "'
test_expect_success 'version --json is JSON' 'ferry version --json | jq -e .version'
test_expect_code SQLITE 7 'a corrupt store is refused with a clear message' '
  mkdir -p "$SCRATCH/bad" && head -c 8192 /dev/urandom > "$SCRATCH/bad/ferry.db" &&
  cp "$SCRATCH/bad/ferry.db" "$SCRATCH/bad.orig" &&
  out=$(ferry --home "$SCRATCH/bad" project list 2>&1); rc=$?;
  contains "$out" "damaged" && cmp "$SCRATCH/bad/ferry.db" "$SCRATCH/bad.orig" && exit $rc'
test_done
