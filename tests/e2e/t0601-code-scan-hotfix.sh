#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0601: source models (code scan) and source hotfixes (scenario 1): prerequisite
# order, already applied, conflicts naming file and hunk with the tree unchanged,
# archives with verified payloads, refusals (8.1, other releases, non-vendor code).
. "$(dirname "$0")/lib.sh"

M="$FERRY_SRC/examples/ledger/models"
H="$M/hotfixes"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x
tree_sum() { (cd "$1" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
fresh() { rm -rf "$1" && "$M/make-repo.sh" "$1" >/dev/null; }
LP=ApplicationSuite/AxClass/LedgerPosting.xpp

test_expect_success 'scan reports models, layers and overlayering' '
  fresh src && out=$(ferry code scan src) &&
  contains "$out" "release 7.3, platform PU12" &&
  contains "$out" "ContosoSales/NumberSeq overlayers ApplicationFoundation/NumberSeq (vendor, platform)" &&
  contains "$out" "ContosoSales/SalesLineCalc overlayers ApplicationSuite/SalesLineCalc (vendor)" &&
  contains "$out" "ContosoReports/CustTable.ContosoReports extends ApplicationSuite/CustTable"'
test_expect_success 'scan --json: owners, layers, overlayering and extensions' '
  j=$(ferry code scan src --json) &&
  equals "$(jq -r .release <<<"$j")" 7.3 &&
  equals "$(jq -r "[.models[] | select(.owner==\"vendor\") | .name] | sort | join(\",\")" <<<"$j")" \
    ApplicationFoundation,ApplicationPlatform,ApplicationSuite,Directory,TestEssentials &&
  equals "$(jq -r "[.models[] | select(.owner==\"isv\") | .layer] | join(\",\")" <<<"$j")" isv &&
  equals "$(jq ".overlayering | length" <<<"$j")" 2 &&
  equals "$(jq -r ".overlayering[] | select(.platform) | .target_model" <<<"$j")" ApplicationFoundation &&
  equals "$(jq ".extensions | length" <<<"$j")" 2 &&
  equals "$(jq "[.models[] | select(.name==\"ContosoReports\") | .overlayers[]] | length" <<<"$j")" 0 &&
  equals "$(jq ".problems | length" <<<"$j")" 0'
test_expect_success 'scan of the 8.1 vendor base' '
  j=$(ferry code scan "$M/vendor/8.1" --json) &&
  equals "$(jq -r .release <<<"$j")" 8.1 && equals "$(jq -r .platform <<<"$j")" PU20'
test_expect_success 'scan reports broken links as problems' '
  mkdir -p bad/M && echo "x" > bad/M/a.xpp &&
  echo "{\"name\":\"M\",\"owner\":\"customer\",\"layer\":\"cus\",\"elements\":[{\"name\":\"A\",\"file\":\"a.xpp\",\"overlayers\":\"Nope\"},{\"name\":\"B\",\"file\":\"b.xpp\"}]}" > bad/M/model.json &&
  j=$(ferry code scan bad --json) && equals "$(jq ".problems | length" <<<"$j")" 2 &&
  jq -r ".problems[]" <<<"$j" | grep -q "b.xpp. is missing" &&
  jq -r ".problems[]" <<<"$j" | grep -q "overlayers model .Nope."'
test_expect_code 2 'scan refuses a malformed model.json' '
  mkdir -p bad2/M && echo "{\"name\":\"M\",\"owner\":\"boss\",\"layer\":\"cus\"}" > bad2/M/model.json &&
  ferry code scan bad2'
test_expect_code 3 'scan of a missing folder is not found' 'ferry code scan nowhere'

test_expect_success 'no hotfixes installed at first' '
  equals "$(ferry hotfix list src --json)" "[]"'
test_expect_code 5 'a hotfix without its prerequisite is refused, tree unchanged' '
  before=$(tree_sum src); out=$(ferry hotfix apply src "$H/KB4051002" 2>&1); rc=$?
  contains "$out" "needs hotfix .KB4051001." && equals "$(tree_sum src)" "$before" && exit $rc'
test_expect_success 'hotfixes apply in prerequisite order whatever the argument order' '
  j=$(ferry hotfix apply src "$H/KB4051002" "$H/KB4051001" --json) &&
  equals "$(jq -r "[.hotfixes[].id] | join(\",\")" <<<"$j")" KB4051001,KB4051002 &&
  equals "$(jq -r "[.hotfixes[].status] | unique | join(\",\")" <<<"$j")" installed &&
  grep -q "CurrencyRound::amount(debit - credit, currency) == 0" src/$LP &&
  grep -q "taxGroup == .EXPORT." src/ApplicationSuite/AxClass/TaxCalc.xpp &&
  ! ls -d src/.ferry-staging* 2>/dev/null'
test_expect_success 'the result is exactly what the patches say (git apply agrees)' '
  fresh ref && (cd ref && git apply "$H/KB4051001/patches/"*.diff "$H/KB4051002/patches/"*.diff) &&
  cmp ref/$LP src/$LP && cmp ref/ApplicationSuite/AxClass/TaxCalc.xpp src/ApplicationSuite/AxClass/TaxCalc.xpp'
test_expect_success 'hotfix list shows what is installed, with the patches kept' '
  j=$(ferry hotfix list src --json) &&
  equals "$(jq -r "[.[].id] | join(\",\")" <<<"$j")" KB4051001,KB4051002 &&
  equals "$(jq -r ".[1].prerequisites[0]" <<<"$j")" KB4051001 &&
  test -f "src/$(jq -r ".[0].patch" <<<"$j")" &&
  out=$(ferry hotfix list src) && contains "$out" "KB4051002"'
test_expect_success 'applying an installed hotfix again is detected and skipped' '
  before=$(tree_sum src) &&
  j=$(ferry hotfix apply src "$H/KB4051001" --json) &&
  equals "$(jq -r ".hotfixes[0].status" <<<"$j")" already-installed &&
  equals "$(tree_sum src)" "$before"'
test_expect_success 'a fix already in the code is detected and recorded, code unchanged' '
  fresh pre && (cd pre && git apply "$H/KB4051001/patches/"*.diff) && cp pre/$LP lp.before &&
  j=$(ferry hotfix apply pre "$H/KB4051001" --json) &&
  equals "$(jq -r ".hotfixes[0].status" <<<"$j")" already-present &&
  cmp lp.before pre/$LP &&
  equals "$(ferry hotfix list pre --json | jq ".[0].detected")" true'
test_expect_code 4 'a conflicting hotfix names the file and hunk and changes nothing' '
  fresh cf && sed -i "s/return debit == credit;/return debit - credit == 0;/" cf/$LP &&
  before=$(tree_sum cf); out=$(ferry hotfix apply cf "$H/KB4051001" 2>&1); rc=$?
  contains "$out" "KB4051001" && contains "$out" "file .$LP." &&
  contains "$out" "hunk 1 (@@ -19,7 +19,7 @@" && equals "$(tree_sum cf)" "$before" &&
  test ! -e cf/.ferry && exit $rc'
test_expect_code 4 'a batch is all or nothing: the first hotfix is not applied when the second conflicts' '
  fresh cf2 && sed -i "s/taxGroup == .EXEMPT./taxGroup == \"NONE\"/" cf2/ApplicationSuite/AxClass/TaxCalc.xpp &&
  before=$(tree_sum cf2); out=$(ferry hotfix apply cf2 "$H/KB4051001" "$H/KB4051002" 2>&1); rc=$?
  contains "$out" "KB4051002" && contains "$out" "TaxCalc.xpp" && contains "$out" "hunk 1" &&
  equals "$(tree_sum cf2)" "$before" && exit $rc'
test_expect_code 5 'hotfixes are refused on 8.1, pointing to a full update' '
  fresh r81 && (cd r81 && git checkout -q vendor/8.1) && before=$(tree_sum r81)
  out=$(ferry hotfix apply r81 "$H/KB4051001" 2>&1); rc=$?
  contains "$out" "release 8.1" && contains "$out" "full update" && equals "$(tree_sum r81)" "$before" && exit $rc'
test_expect_code 5 'a hotfix for another release is refused' '
  cp -r "$H/KB4051001" kb72 && jq ".applies_to.releases = [\"7.2\"]" "$H/KB4051001/manifest.json" > kb72/manifest.json &&
  out=$(ferry hotfix apply pre kb72 2>&1); rc=$?; contains "$out" "does not apply to release 7.3"; exit $rc'
test_expect_code 5 'a hotfix that touches customer code is refused' '
  mkdir -p kbc/p && cp "$H/KB4051001/manifest.json" kbc/ &&
  jq ".hotfix.id = \"KB9\"" kbc/manifest.json > kbc/m && mv kbc/m kbc/manifest.json &&
  (cd cf && git diff --no-index /dev/null ContosoSales/model.json | sed "s|b/ContosoSales/model.json|b/ContosoSales/x.json|g" > ../kbc/p/x.diff) && test -s kbc/p/x.diff &&
  out=$(ferry hotfix apply cf kbc 2>&1); rc=$?; contains "$out" "not in a vendor model"; exit $rc'
test_expect_success 'a plain diff -u hotfix (no git headers) applies' '
  fresh plain && mkdir -p kbp/patches && cp "$H/KB4051001/manifest.json" kbp/ &&
  cp plain/$LP old.xpp && sed "s/return debit == credit;/return debit == credit \&\& debit > 0;/" old.xpp > new.xpp &&
  mkdir -p a/ApplicationSuite/AxClass b/ApplicationSuite/AxClass && cp old.xpp a/$LP && cp new.xpp b/$LP &&
  { diff -u a/$LP b/$LP > kbp/patches/fix.diff; test $? -eq 1; } &&
  ferry hotfix apply plain kbp && cmp new.xpp plain/$LP'
test_expect_success 'a hotfix archive with a verified payload applies' '
  fresh arc && mkdir -p pk && cp -r "$H/KB4051001/." pk/ &&
  sum=$(sha256sum pk/patches/*.diff | cut -d" " -f1) && name=$(cd pk && ls patches/*.diff) &&
  jq --arg s "$sum" --arg p "$name" ".payload = [{path: \$p, size: 1, mode: \"0644\", sha256: \$s}]" \
    "$H/KB4051001/manifest.json" > pk/manifest.json &&
  tar -C pk -czf kb.tar.gz manifest.json patches &&
  ferry hotfix apply arc kb.tar.gz && grep -q "CurrencyRound::amount(debit - credit, .USD.)" arc/$LP'
test_expect_code 6 'a tampered archive is refused' '
  fresh arc2 && sed -i "s/USD/EUR/" pk/patches/*.diff && tar -C pk -czf bad.tar.gz manifest.json patches &&
  before=$(tree_sum arc2); out=$(ferry hotfix apply arc2 bad.tar.gz 2>&1); rc=$?
  contains "$out" "SHA-256" && equals "$(tree_sum arc2)" "$before" && exit $rc'
test_expect_code 6 'an archive entry outside the package is refused' '
  printf x > x && tar -czf evil.tar.gz -P "$SCRATCH/x" &&
  out=$(ferry hotfix apply arc2 evil.tar.gz 2>&1); rc=$?; contains "$out" "not a plain file inside the package"; exit $rc'
test_done
