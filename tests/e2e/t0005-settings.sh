#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0005: settings (docs/CLI.md "Settings", docs/DAEMON.md "Settings"): ferry takes them
# from the config file, then the environment, then flags; ferryd from the environment,
# its config file, then flags; bad values are refused naming their source.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/tools/runtime-lib.sh"

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry env create sbx --project contoso --role sandbox --app 7.3 --platform PU20 >/dev/null
CAT="$FERRY_SRC/catalog/finance-operations.json"
# three catalog directories, each with product "acme" under another name
for d in from-config from-env from-flag; do
  mkdir -p "$d" && jq ".product = \"acme\" | .name = \"$d\"" "$CAT" >"$d/acme.json"
done
config() { mkdir -p "$HOME/.config/ferry" && printf '%s\n' "$@" >"$HOME/.config/ferry/config"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

test_expect_success 'a bad value in the environment is refused, naming the variable' '
  out=$(FERRY_PORT_RANGE=9-1 ferry project list 2>&1); equals $? 2 &&
  contains "$out" "environment variable FERRY_PORT_RANGE: port-range .9-1.: expected LO-HI"'
test_expect_success 'a bad flag value is refused, naming the option' '
  out=$(ferry project list --lease-ttl-ms 5 2>&1); equals $? 2 &&
  contains "$out" "option --lease-ttl-ms: lease-ttl-ms .5.: expected an integer from 300"'
test_expect_code 2 'a setting flag without its value' 'ferry project list --catalog-dir'
test_expect_success 'config file, environment and flag: each wins over the one before' '
  config "# settings" "catalog_dir = $PWD/from-config" &&
  equals "$(ferry catalog show acme --json | jq -r .name)" from-config &&
  equals "$(FERRY_CATALOG_DIR=$PWD/from-env ferry catalog show acme --json | jq -r .name)" from-env &&
  equals "$(FERRY_CATALOG_DIR=$PWD/from-env ferry --catalog-dir $PWD/from-flag catalog show acme --json | jq -r .name)" from-flag &&
  equals "$(FERRY_CATALOG_DIR=$PWD/from-env ferry catalog show acme --json --catalog-dir=$PWD/from-flag | jq -r .name)" from-flag'
test_expect_success 'an unknown key in the config file is refused with its line' '
  config "catalog-dir = $PWD/from-config" "prot-range = 21000-21001" &&
  out=$(ferry project list 2>&1); equals $? 2 &&
  contains "$out" "ferry/config:2: unknown setting .prot-range." &&
  config "port-range = 21000" && out=$(ferry project list 2>&1); equals $? 2 &&
  contains "$out" "ferry/config:1: port-range .21000.: expected LO-HI" &&
  rm "$HOME/.config/ferry/config"'
test_expect_success 'after "--" a setting flag is an argument, not a setting' '
  out=$(ferry project create -- --catalog-dir 2>&1); equals $? 2 &&
  ! contains "$out" "needs a value" >/dev/null'
test_expect_success SQLITE '--store puts the state elsewhere, and only there' '
  ferry --store "$PWD/other.db" init >/dev/null && test -f other.db &&
  ferry --store="$PWD/other.db" project create elsewhere >/dev/null &&
  ferry --store "$PWD/other.db" project list --json | jq -e "map(.name) | index(\"elsewhere\")" &&
  ! ferry project list --json | jq -e "map(.name) | index(\"elsewhere\")"'
test_expect_success '--port-range gives the application a port from the range' '
  make_release rel1 7.3.0 && p=$(free_port) &&
  ferry --port-range "$p-$p" env deploy sbx --from-dir rel1 --no-start >/dev/null &&
  equals "$(env_port sbx)" "$p"'

test_expect_success 'ferryd: a bad value in the environment stops it, naming the variable' '
  out=$(FERRY_NODE_ID=a/b "$FERRYD" --routes 2>&1); equals $? 2 &&
  contains "$out" "environment variable FERRY_NODE_ID: node-id .a/b."'
test_expect_success 'ferryd: every setting is a flag, and a bad one stops it' '
  "$FERRYD" --node-id n1 --lease-ttl-ms 900 --port-range 21000-21009 --routes >/dev/null &&
  out=$("$FERRYD" --port-range 9-1 --routes 2>&1); equals $? 2 &&
  contains "$out" "command line: port-range .9-1."'
test_expect_success 'ferryd: settings in the config file, a bad key with its line' '
  printf "catalog_dir = %s\nnode-id = n1\n" "$PWD/from-config" >ok.conf &&
  "$FERRYD" --config ok.conf --routes >/dev/null &&
  printf "port-range = 21000-21009\nbogus = 1\n" >bad.conf &&
  out=$("$FERRYD" --config bad.conf --routes 2>&1); equals $? 2 &&
  contains "$out" "bad.conf:2: unknown setting .bogus."'

test_cleanup_hook='stop_all_envs'
test_done
