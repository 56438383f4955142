#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0101: every row of the seed's code-upgrade table, through `ferry upgrade check`.
# Application rows are asked with the source's AX7.version build string (the
# table's second column) and with its release id; both must give the same answer.
. "$(dirname "$0")/lib.sh"

# row FROM TO KIND CODE RULE [extra options]: the advice must match.
row() {
  local from=$1 to=$2 kind=$3 code=$4 rule=$5; shift 5
  local out
  out=$(ferry upgrade check --from "$from" --to "$to" "$@" --json) || { echo "exit $? for $from -> $to"; return 1; }
  jq -e --arg k "$kind" --argjson c "$code" --arg r "$rule" \
    '.kind == $k and .code_upgrade_required == $c and .rule == $r and
     (.reasons | map(select(.answer == "code_upgrade_required"))[0].rule) == $r' <<<"$out" >/dev/null ||
    { echo "unexpected advice for $from -> $to $*:"; echo "$out" | jq -c '{kind, code_upgrade_required, rule}'; return 1; }
}
# app_row ID BUILD RULE TARGET...: an application row of the table, "Yes".
app_row() {
  local id=$1 build=$2 rule=$3 t; shift 3
  for t in "$@"; do
    row "$build" "$t" upgrade true "$rule" || return 1
    row "$id" "$t" upgrade true "$rule" || return 1
  done
}

test_expect_success 'row 1: Application 7.3 (7.3.11971.56116) -> 8.x: Yes' '
  app_row 7.3 7.3.11971.56116 "\$.code_upgrade[0]" 8.0 8.1'
test_expect_success 'row 2: July 2017 (7.2.11792.56024) -> 8.x or 7.3: Yes' '
  app_row 7.2 7.2.11792.56024 "\$.code_upgrade[1]" 8.0 8.1 7.3'
test_expect_success 'row 3: Release 1611 (7.1.1541.3036) -> 8.x, 7.3, 7.2: Yes' '
  app_row 7.1 7.1.1541.3036 "\$.code_upgrade[2]" 8.0 8.1 7.3 7.2'
test_expect_success 'row 4: August 2016 (7.0.1265.27075) -> 8.x, 7.3, 7.2, 7.1: Yes' '
  app_row 7.0.1-pu2 7.0.1265.27075 "\$.code_upgrade[3]" 8.0 8.1 7.3 7.2 7.1'
test_expect_success 'row 5: May 2016 (7.0.1265.23014) -> 8.x, 7.3, 7.2, 7.1: Yes' '
  app_row 7.0.1 7.0.1265.23014 "\$.code_upgrade[4]" 8.0 8.1 7.3 7.2 7.1'
test_expect_success 'row 6: February 2016 (7.0.1265.3015) -> 8.x, 7.3, 7.2, 7.1: Yes' '
  app_row 7.0 7.0.1265.3015 "\$.code_upgrade[5]" 8.0 8.1 7.3 7.2 7.1'
test_expect_success 'row 7: AX 2012 -> 7.3 or July 2017 (7.2): Yes' '
  row ax2012 7.3 upgrade true "\$.code_upgrade[6]" &&
  row ax2012 7.2 upgrade true "\$.code_upgrade[6]"'
test_expect_success 'row 8: Application 7.3 -> newer platform: No' '
  row 7.3 7.3 platform-update false "\$.code_upgrade[7]" --to-platform PU13 &&
  row 7.3 7.3 platform-update false "\$.code_upgrade[7]" --from-platform PU15 --to-platform PU30'
test_expect_success 'row 9: July 2017 (7.2) -> newer platform: No' '
  row 7.2 7.2 platform-update false "\$.code_upgrade[8]" --to-platform PU11 &&
  row 7.2.11792.56024 7.2 platform-update false "\$.code_upgrade[8]" --from-platform PU9 --to-platform PU20'
test_expect_success 'row 10: Release 1611 (7.1) -> newer platform: No' '
  row 7.1 7.1 platform-update false "\$.code_upgrade[9]" --from-platform PU3 --to-platform PU9'
test_expect_success 'row 11: May 2016 (PU1, 7.0.1) -> August 2016 (PU2, 7.0.1): No' '
  row 7.0.1 7.0.1-pu2 platform-update false "\$.code_upgrade[10]" &&
  row 7.0.1265.23014 7.0.1265.27075 platform-update false "\$.code_upgrade[10]" --from-platform PU1 --to-platform PU2'

test_expect_success 'the text output says the same and cites the row' '
  out=$(ferry upgrade check --from 7.1.1541.3036 --to 7.2) &&
  contains "$out" "kind: *upgrade" &&
  contains "$out" "code upgrade service required: *yes" &&
  contains "$out" "data upgrade required: *yes" &&
  contains "$out" "code_upgrade\[2\]" &&
  contains "$out" "Release 1611 (Application 7.1)"'
test_expect_success 'a platform row in text: no code upgrade, no data upgrade' '
  out=$(ferry upgrade check --from 7.3 --to 7.3 --to-platform PU20) &&
  contains "$out" "kind: *platform-update" &&
  contains "$out" "code upgrade service required: *no" &&
  contains "$out" "data upgrade required: *no" &&
  contains "$out" "Newer version of the platform"'
test_expect_success 'every application row of the table is covered, and nothing else is allowed' '
  for f in ax2012 7.0 7.0.1 7.0.1-pu2 7.1 7.2 7.3; do
    ferry catalog show "$f" --json | jq -r ".targets[] | select(.kind == \"upgrade\") | .release" | sort >got.$f
  done &&
  equals "$(cat got.ax2012 | tr "\n" " ")" "7.2 7.3 " &&
  equals "$(cat got.7.0 | tr "\n" " ")" "7.1 7.2 7.3 8.0 8.1 " &&
  equals "$(cat got.7.0.1-pu2 | tr "\n" " ")" "7.1 7.2 7.3 8.0 8.1 " &&
  equals "$(cat got.7.1 | tr "\n" " ")" "7.2 7.3 8.0 8.1 " &&
  equals "$(cat got.7.2 | tr "\n" " ")" "7.3 8.0 8.1 " &&
  equals "$(cat got.7.3 | tr "\n" " ")" "8.0 8.1 "'
test_done
