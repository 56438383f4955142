#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0003: concurrent ferry processes writing at once lose nothing, corrupt nothing.
. "$(dirname "$0")/lib.sh"

ferry init >/dev/null
ferry project create p >/dev/null
N=40
test_expect_success "two writers creating $N environments each all land" '
  ( for i in $(seq 1 $N); do ferry -q env create a$i --project p --role sandbox --app 7.3 --platform PU12 || exit 1; done ) &
  pa=$!
  ( for i in $(seq 1 $N); do ferry -q env create b$i --project p --role sandbox --app 7.3 --platform PU12 || exit 1; done ) &
  pb=$!
  wait $pa && wait $pb &&
  equals "$(ferry env list --json | jq length)" "$((2 * N))"'
test_expect_success 'racing on the same name: exactly one wins' '
  for i in $(seq 1 8); do
    ferry -q env create same --project p --role sandbox --app 7.3 --platform PU12 2>/dev/null & done; wait
  equals "$(ferry env list --json | jq "[.[] | select(.name==\"same\")] | length")" 1'
test_expect_success 'the store passes an integrity check' '
  equals "$(store_check)" ok'
test_done
