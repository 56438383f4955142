#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0103: `ferry catalog list|show|validate`, the catalog search path, broken
# catalogs with precise messages, and env create validated against the catalog.
. "$(dirname "$0")/lib.sh"

CAT="$FERRY_SRC/catalog/finance-operations.json"
broken() { jq "$1" "$CAT" >"$2"; }

test_expect_success 'the shipped catalog validates' '
  out=$(ferry catalog validate "$CAT") && contains "$out" "valid catalog of .finance-operations." &&
  ferry catalog validate "$CAT" --json | jq -e ".valid == true and .releases == 9 and .code_upgrade_rows == 11"'
test_expect_success 'catalog list shows it' '
  ferry catalog list --json | jq -e "any(.[]; .product == \"finance-operations\" and .valid == true)"'
test_expect_success 'catalog show: releases, build strings, minimum platforms' '
  ferry catalog show --json | jq -e "
    ([.releases[] | {(.id): .build}] | add) == {\"ax2012\": null, \"7.0\": \"7.0.1265.3015\", \"7.0.1\": \"7.0.1265.23014\",
      \"7.0.1-pu2\": \"7.0.1265.27075\", \"7.1\": \"7.1.1541.3036\", \"7.2\": \"7.2.11792.56024\",
      \"7.3\": \"7.3.11971.56116\", \"8.0\": null, \"8.1\": null} and
    ([.releases[] | {(.id): .min_platform}] | add) == {\"ax2012\": null, \"7.0\": \"RTW\", \"7.0.1\": \"PU1\",
      \"7.0.1-pu2\": \"PU2\", \"7.1\": \"PU3\", \"7.2\": \"PU9\", \"7.3\": \"PU12\", \"8.0\": \"PU15\", \"8.1\": \"PU20\"}" &&
  out=$(ferry catalog show) && contains "$out" "7.3.11971.56116" && contains "$out" "PU1\* PU2\* PU3 "'
test_expect_success 'catalog show: platform dates the seed gives, overlayering only on PU1/PU2 (and before)' '
  ferry catalog show finance-operations --json | jq -e "
    ([.platforms[] | select(.date) | {(.id): .date}] | add) ==
      {\"RTW\": \"2016-02\", \"PU1\": \"2016-05\", \"PU2\": \"2016-08\", \"PU3\": \"2016-11\", \"PU9\": \"2017-07\", \"PU11\": \"2017-10\"} and
    [.platforms[] | select(.overlayering_allowed) | .id] == [\"RTW\", \"PU1\", \"PU2\"] and
    (.platforms | length) == 31"'
test_expect_success 'catalog show RELEASE (by id and by build string)' '
  ferry catalog show 8.1 --json | jq -e ".id == \"8.1\" and .hotfixes_supported == false and .vendor_overlayering_locked == true and .kind_of_moves == \"update\"" &&
  ferry catalog show 7.2.11792.56024 --json | jq -e ".id == \"7.2\" and .hotfixes_supported == true and .vendor_overlayering_locked == false" &&
  out=$(ferry catalog show 7.0.1) && contains "$out" "7.0.1-pu2 *platform-update"'
test_expect_code 3 'catalog show of something unknown' 'ferry catalog show nothing-here'
test_expect_code 3 'catalog validate of a missing file' 'ferry catalog validate no-such.json'

test_expect_success 'broken: bad JSON names file, line and column' '
  printf "{\n  \"format\": 1,\n  \"product\": \"x\",,\n}\n" >bad.json;
  out=$(ferry catalog validate bad.json 2>&1); test $? -eq 2 && contains "$out" "bad.json:3:[0-9]*: invalid JSON"'
test_expect_success 'broken: a missing field names its JSON path' '
  broken "del(.releases[4].name)" missing.json;
  out=$(ferry catalog validate missing.json 2>&1); test $? -eq 2 &&
  contains "$out" "missing.json: \$.releases\[4\]: missing required field .name."'
test_expect_success 'broken: an unknown platform in a combination' '
  broken ".combinations[2].min_platform = \"PU99\"" combo.json;
  out=$(ferry catalog validate combo.json 2>&1); test $? -eq 2 &&
  contains "$out" "combo.json: \$.combinations\[2\]: .min_platform. names unknown platform .PU99."'
test_expect_success 'broken: wrong types, duplicates, bad builds, bad targets' '
  broken ".platforms[3].ordinal = \"3\"" t1.json; broken ".releases[5].id = \"7.1\"" t2.json;
  broken ".releases[6].build = \"7.3.x\"" t3.json; broken ".code_upgrade[1].targets += [\"7.0\"]" t4.json;
  broken ".code_upgrade[0].ax7_version = \"7.2.11792.56024\"" t5.json; broken ".format = 2" t6.json;
  broken "del(.combinations[7])" t7.json; broken ".releases[3].date = \"Aug 2016\"" t8.json;
  broken ".platforms[4].id = \"pu3\"" t9.json;
  e1=$(ferry catalog validate t1.json 2>&1); contains "$e1" "\$.platforms\[3\]: field .ordinal. must be an integer, not a string" &&
  e2=$(ferry catalog validate t2.json 2>&1); contains "$e2" "\$.releases\[5\]: duplicate release id .7.1." &&
  e3=$(ferry catalog validate t3.json 2>&1); contains "$e3" "\$.releases\[6\]: build .7.3.x. is not an AX7.version build string" &&
  e4=$(ferry catalog validate t4.json 2>&1); contains "$e4" "\$.code_upgrade\[1\].targets\[3\]: target .7.0. is not newer than source .7.2." &&
  e5=$(ferry catalog validate t5.json 2>&1); contains "$e5" "\$.code_upgrade\[0\]: ax7_version .7.2.11792.56024. is not the build of release .7.3." &&
  e6=$(ferry catalog validate t6.json 2>&1); contains "$e6" "\$.format: unsupported catalog format 2" &&
  e7=$(ferry catalog validate t7.json 2>&1); contains "$e7" "\$.combinations: release .8.1. has no combination" &&
  e8=$(ferry catalog validate t8.json 2>&1); contains "$e8" "\$.releases\[3\]: field .date. must be YEAR-MONTH" &&
  e9=$(ferry catalog validate t9.json 2>&1); contains "$e9" "\$.platforms\[4\]: duplicate platform id .pu3."'
test_expect_success 'broken catalogs are listed as invalid with their error' '
  mkdir -p cats && cp missing.json cats/finance-operations.json &&
  FERRY_CATALOG_DIR=$PWD/cats ferry catalog list --json | jq -e "
    .[0].valid == false and (.[0].error | test(\"missing required field\")) and
    .[1].valid == true and .[1].shadowed_by == .[0].path"'
test_expect_success 'a broken catalog on the search path refuses advice, naming the file' '
  out=$(FERRY_CATALOG_DIR=$PWD/cats ferry upgrade check --from 7.3 --to 8.1 2>&1); test $? -eq 2 &&
  contains "$out" "cats/finance-operations.json: \$.releases\[4\]"'
test_expect_success '$FERRY_CATALOG_DIR comes first: another product' '
  mkdir -p other && jq ".product = \"ledger-erp\" | .name = \"Ledger ERP\"" "$CAT" >other/ledger-erp.json &&
  FERRY_CATALOG_DIR=$PWD/other ferry catalog show ledger-erp --json | jq -e ".product == \"ledger-erp\"" &&
  FERRY_CATALOG_DIR=$PWD/other ferry upgrade check --product ledger-erp --from 7.3 --to 8.0 --json | jq -e ".product == \"ledger-erp\""'
test_expect_success 'a catalog whose product differs from its file name is refused' '
  cp other/ledger-erp.json other/mismatch.json &&
  out=$(FERRY_CATALOG_DIR=$PWD/other ferry upgrade check --product mismatch --from 7.3 --to 8.0 2>&1); test $? -eq 2 &&
  contains "$out" "\$.product: is .ledger-erp."'
test_expect_code 3 'an unknown product' 'ferry upgrade check --product nope --from 7.3 --to 8.1'

ferry init >/dev/null
ferry project create contoso >/dev/null
test_expect_success '<home>/catalog comes before the built-in catalogs' '
  mkdir -p "$FERRY_HOME/catalog" && jq ".releases[7].name = \"Release eight\"" "$CAT" >"$FERRY_HOME/catalog/finance-operations.json" &&
  ferry catalog show 8.0 --json | jq -e ".name == \"Release eight\"" && rm -r "$FERRY_HOME/catalog"'
test_expect_success 'env create stores the catalog ids (build string, lower-case platform)' '
  ferry env create dev1 --project contoso --role development --app 7.3.11971.56116 --platform pu13 &&
  ferry env show dev1 --json | jq -e ".app_release == \"7.3\" and .platform == \"PU13\""'
test_expect_success 'env create: unknown release is refused with the valid releases' '
  before=$(store_sum);
  out=$(ferry env create x --project contoso --role sandbox --app 7.4 --platform PU12 2>&1); test $? -eq 2 &&
  contains "$out" "unknown release .7.4." && contains "$out" "7.3, 8.0, 8.1" && equals "$(store_sum)" "$before"'
test_expect_success 'env create: unknown platform is refused with the valid platforms' '
  before=$(store_sum);
  out=$(ferry env create x --project contoso --role sandbox --app 7.3 --platform PU31 2>&1); test $? -eq 2 &&
  contains "$out" "unknown platform .PU31." && contains "$out" "RTW .. PU30" && equals "$(store_sum)" "$before"'
test_expect_success 'env create: a platform too old for the release is refused with the valid range' '
  before=$(store_sum);
  out=$(ferry env create x --project contoso --role sandbox --app 8.1 --platform PU15 2>&1); test $? -eq 5 &&
  contains "$out" "PU15 is too old for release 8.1, which needs PU20 or newer: valid platforms are PU20 .. PU30" &&
  equals "$(store_sum)" "$before"'
test_expect_success 'env create: AX 2012 is a source only' '
  out=$(ferry env create x --project contoso --role sandbox --app ax2012 --platform PU12 2>&1); test $? -eq 2 &&
  contains "$out" "only a source for upgrades"'
test_expect_success 'env create: malformed build string' '
  out=$(ferry env create x --project contoso --role sandbox --app 7.3.11971 --platform PU12 2>&1); test $? -eq 2 &&
  contains "$out" "malformed AX7.version build string"'
test_expect_code 3 'env create: a product without a catalog' \
  'ferry env create x --project contoso --role sandbox --product nope --app 7.3 --platform PU12'
test_expect_success 'env create: the oldest valid combinations are accepted' '
  ferry env create old1 --project contoso --role sandbox --app 7.0 --platform RTW &&
  ferry env create old2 --project contoso --role sandbox --app 7.0.1-pu2 --platform PU2 &&
  ferry env create new1 --project contoso --role sandbox --app 8.1 --platform PU20'
test_done
