#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0602: the code upgrade service (scenario 2) on real git repositories: hotfix
# removal, clean three-way merges and real conflicts, the branch and its report,
# forbidden overlayering, readiness exit codes, refusals that leave nothing behind.
. "$(dirname "$0")/lib.sh"

M="$FERRY_SRC/examples/ledger/models"
H="$M/hotfixes"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x
B=code-upgrade/8.1
show() { git -C "$1" show "$2:$3"; }
rep() { show "$1" "$2" .ferry/code-upgrade/report.json; }

# the sample: vendor 7.3 and 8.1, the customer's models, two hotfixes installed
"$M/make-repo.sh" src >/dev/null
ferry hotfix apply src "$H/KB4051001" "$H/KB4051002" >/dev/null
git -C src add -A && git -C src commit -qm "Install KB4051001, KB4051002"

test_expect_code 5 'the sample upgrade to 8.1 is written but not ready (conflict, overlayering)' '
  ferry code upgrade src --to 8.1 -o up --json > up.json'
test_expect_success 'the branch is a merge of the customer code and the new vendor base' '
  equals "$(git -C up rev-parse --abbrev-ref HEAD)" $B &&
  equals "$(git -C up rev-parse $B^1)" "$(git -C src rev-parse main)" &&
  equals "$(git -C up rev-parse $B^2)" "$(git -C src rev-parse vendor/8.1)" &&
  equals "$(jq -r .commit up.json)" "$(git -C up rev-parse $B)" && test -z "$(git -C up status --porcelain)"'
test_expect_success 'old hotfixes are removed: vendor files are exactly the 8.1 ones' '
  for f in ApplicationSuite/AxClass/LedgerPosting.xpp ApplicationSuite/AxClass/TaxCalc.xpp \
           ApplicationFoundation/AxClass/NumberSeq.xpp ApplicationPlatform/model.json; do
    cmp up/$f "$M/vendor/8.1/$f" || exit 1; done &&
  test ! -e up/.ferry/hotfixes.json && test ! -e up/.ferry/hotfixes &&
  equals "$(jq -r "[.hotfixes_removed[] | select(.removed and .superseded) | .id] | join(\",\")" up.json)" KB4051001,KB4051002'
test_expect_success 'customer models come along; extensions untouched' '
  cmp up/ContosoReports/AxTable/CustTable.ContosoReports.xpp "$M/customer/ContosoReports/AxTable/CustTable.ContosoReports.xpp" &&
  cmp up/FabrikamTax/AxClass/FabrikamTaxEngine.xpp "$M/customer/FabrikamTax/AxClass/FabrikamTaxEngine.xpp"'
test_expect_success 'an overlayered element merges cleanly with the vendor change' '
  f=ContosoSales/AxClass/SalesLineCalc.xpp &&
  grep -q "ContosoDiscount::apply(qty, amount)" up/$f && grep -q "price < 0" up/$f && ! grep -q "<<<<<<<" up/$f &&
  equals "$(jq -r ".merged[].path" up.json)" $f'
test_expect_success 'a real conflict keeps both sides with markers and is reported' '
  f=ContosoSales/AxClass/NumberSeq.xpp &&
  grep -q "^<<<<<<< customer" up/$f && grep -q "^>>>>>>> vendor 8.1" up/$f &&
  equals "$(jq -r ".conflicts | length" up.json)" 1 && equals "$(jq -r ".conflicts[0].path" up.json)" $f &&
  jq -r ".conflicts[0].regions[0].customer" up.json | grep -q "CON-%1-%2" &&
  jq -r ".conflicts[0].regions[0].vendor" up.json | grep -q "format ? format"'
test_expect_success 'overlayering of vendor models is forbidden on 8.1 and listed' '
  equals "$(jq -r "[.forbidden_overlayering[] | .target_model + \"/\" + .target_element] | sort | join(\",\")" up.json)" \
    ApplicationFoundation/NumberSeq,ApplicationSuite/SalesLineCalc &&
  equals "$(jq -r ".ready" up.json)" false'
test_expect_success 'the report is committed in JSON and Markdown' '
  rep up $B > r.json && equals "$(jq -r .ready r.json)" false && equals "$(jq -r .to_release r.json)" 8.1 &&
  equals "$(jq -r .from_release r.json)" 7.3 && equals "$(jq -r .customer_ref r.json)" main &&
  show up $B .ferry/code-upgrade/report.md > r.md && grep -q "^# Code upgrade to 8.1" r.md &&
  grep -q "ContosoSales/AxClass/NumberSeq.xpp" r.md && grep -q "KB4051001 removed" r.md &&
  grep -q "locked for overlayering from release 8.0" r.md'
test_expect_success 'the source repository is left as it was' '
  equals "$(git -C src rev-parse --abbrev-ref HEAD)" main && test -z "$(git -C src status --porcelain)" &&
  ! git -C src rev-parse -q --verify $B'
test_expect_code 4 'an existing output path is refused' 'ferry code upgrade src --to 8.1 -o up'

# a customer who refactored into extensions: the upgrade is ready
git init -q -b vendor/7.3 ext && cp -R "$M/vendor/7.3/." ext/ && git -C ext add -A && git -C ext commit -qm v73
git -C ext checkout -q -b vendor/8.1 && git -C ext rm -rq . && cp -R "$M/vendor/8.1/." ext/ && git -C ext add -A && git -C ext commit -qm v81
git -C ext checkout -q -b main vendor/7.3 && cp -R "$M/customer/ContosoReports" "$M/customer/FabrikamTax" ext/ &&
  git -C ext add -A && git -C ext commit -qm customer
test_expect_success 'extensions only: ready, exit 0, branch written in the source repository' '
  ferry code upgrade ext --to 8.1 --json > ext.json && equals "$(jq -r .ready ext.json)" true &&
  equals "$(jq ".conflicts + .forbidden_overlayering | length" ext.json)" 0 &&
  equals "$(git -C ext rev-parse --abbrev-ref HEAD)" main && test -z "$(git -C ext status --porcelain)" &&
  equals "$(show ext $B ApplicationSuite/AxTable/CustTable.xpp)" "$(cat "$M/vendor/8.1/ApplicationSuite/AxTable/CustTable.xpp")" &&
  show ext $B ContosoReports/model.json >/dev/null'
test_expect_code 4 'the branch exists: refused without --force' 'ferry code upgrade ext --to 8.1'
test_expect_success '--force replaces the branch' 'ferry -q code upgrade ext --to 8.1 --force'
test_expect_code 2 'the target must be later than the current release' '
  out=$(ferry code upgrade ext --to 7.3 --branch main 2>&1); rc=$?; contains "$out" "later release"; exit $rc'
test_expect_code 3 'a missing vendor base is not found and says how bases are named' '
  out=$(ferry code upgrade ext --to 8.0 -o none 2>&1); rc=$?
  contains "$out" "vendor/8.0" && test ! -e none && exit $rc'
test_expect_code 2 'a failed upgrade into a new repository leaves nothing behind' '
  out=$(ferry code upgrade ext --to 8.1 --force --new-base vendor/7.3 -o gone 2>&1); rc=$?
  contains "$out" "is release 7.3, not 8.1" && test ! -e gone && exit $rc'

# in-place edits of vendor files: a tree-level three-way merge, clean and conflicting
mk() { # mk DIR: vendor 7.2 -> 7.3 with one vendor file changed on line 3
  git init -q -b vendor/7.2 "$1" && mkdir -p "$1/ApplicationSuite"
  echo "{\"name\":\"ApplicationSuite\",\"owner\":\"vendor\",\"layer\":\"sys\",\"version\":\"7.2.1\",\"elements\":[{\"name\":\"A\",\"file\":\"A.xpp\"}]}" > "$1/ApplicationSuite/model.json"
  printf "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n" > "$1/ApplicationSuite/A.xpp"
  git -C "$1" add -A && git -C "$1" commit -qm v72
  git -C "$1" checkout -q -b vendor/7.3 && sed -i "s/7.2.1/7.3.1/" "$1/ApplicationSuite/model.json" &&
  sed -i "s/^l3$/l3 vendor/" "$1/ApplicationSuite/A.xpp" && git -C "$1" commit -qam v73
  git -C "$1" checkout -q -b main vendor/7.2
}
test_expect_success 'a clean three-way merge of an in-place change (allowed before 8.0): ready' '
  mk inpl && sed -i "s/^l8$/l8 customer/" inpl/ApplicationSuite/A.xpp && git -C inpl commit -qam cust &&
  ferry code upgrade inpl --to 7.3 --json > in.json && equals "$(jq -r .ready in.json)" true &&
  equals "$(show inpl code-upgrade/7.3 ApplicationSuite/A.xpp | sed -n "3p;8p" | tr "\n" ,)" "l3 vendor,l8 customer," &&
  equals "$(jq -r ".merged[0].path" in.json)" ApplicationSuite/A.xpp'
test_expect_code 5 'the same lines changed on both sides conflict: exit 5, markers in the branch' '
  mk conf && sed -i "s/^l3$/l3 customer/" conf/ApplicationSuite/A.xpp && git -C conf commit -qam cust &&
  ferry code upgrade conf --to 7.3 --json > c.json; rc=$?
  equals "$(jq -r ".conflicts[0].path + \" \" + .conflicts[0].kind" c.json)" "ApplicationSuite/A.xpp changed by both" &&
  equals "$(jq -r ".conflicts[0].regions[0].customer" c.json)" "l3 customer" &&
  equals "$(jq -r ".conflicts[0].regions[0].vendor" c.json)" "l3 vendor" &&
  show conf code-upgrade/7.3 ApplicationSuite/A.xpp | grep -q "^=======" && exit $rc'
test_done
