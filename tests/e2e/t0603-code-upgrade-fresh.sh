#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0603: the code upgrade on a fresh clone of a customer's tree (no vendor branches):
# ferry builds vendor/<old> and vendor/<new> from the vendor's model sources
# (--vendor-dir, one folder per release); an unknown target release is refused (exit 2)
# before git is touched.
. "$(dirname "$0")/lib.sh"

M="$FERRY_SRC/examples/ledger/models"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x
refs() { git -C "$1" for-each-ref --format="%(refname) %(objectname)"; }

"$M/make-repo.sh" src >/dev/null
git clone -q --single-branch -b main src fresh
git -C fresh remote remove origin

test_expect_success 'the fresh clone has only the customer branch' '
	equals "$(git -C fresh for-each-ref --format="%(refname)")" refs/heads/main'
test_expect_code 2 'an unknown release is refused before git is touched' '
	refs fresh >before; ferry code upgrade fresh --to 9.9 --vendor-dir "$M/vendor" 2>err; rc=$?;
	refs fresh >after; cmp before after && grep -q "unknown release .9.9." err && exit $rc'
test_expect_code 3 'without vendor sources the missing base is named' '
	ferry code upgrade fresh --to 8.1 -o nope 2>err; rc=$?; grep -q "vendor/7.3" err &&
	grep -q -- "--vendor-dir" err && test ! -e nope && exit $rc'
test_expect_code 5 'with --vendor-dir: the bases are built and the upgrade runs (the sample is not ready)' '
	ferry code upgrade fresh --to 8.1 -o up --vendor-dir "$M/vendor" --json >up.json'
test_expect_success 'the built bases hold the vendor sources; the new one is a child of the old' '
	git -C fresh rev-parse -q --verify vendor/7.3 && git -C fresh rev-parse -q --verify vendor/8.1 &&
	equals "$(git -C fresh rev-parse vendor/8.1^)" "$(git -C fresh rev-parse vendor/7.3)" &&
	for f in ApplicationSuite/AxClass/LedgerPosting.xpp ApplicationPlatform/model.json; do
		cmp up/$f "$M/vendor/8.1/$f" || exit 1; done &&
	equals "$(git -C up ls-tree -r --name-only vendor/7.3 | sort)" "$(cd "$M/vendor/7.3" && find . -type f | sed "s|^\./||" | sort)"'
test_expect_success 'the result matches the upgrade of the repository with hand-made bases' '
	ferry code upgrade src --to 8.1 -o up0 --json >up0.json; test $? = 5 &&
	equals "$(jq -c "[.conflicts[].path, .merged[].path, .forbidden_overlayering[].target_element]" up.json)" \
	       "$(jq -c "[.conflicts[].path, .merged[].path, .forbidden_overlayering[].target_element]" up0.json)" &&
	equals "$(git -C up ls-tree -r code-upgrade/8.1 | grep -v "code-upgrade/report")" \
	       "$(git -C up0 ls-tree -r code-upgrade/8.1 | grep -v "code-upgrade/report")"'
test_done
