#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0604: the code upgrade on a fresh clone of a customer's tree, with the vendor bases
# built from the application packages of the asset library: the ledger's ledger-app 7.3
# and 8.1 packages carry their model sources ("model_sources": "models"), signed; ferry
# finds the package of each release, verifies it and commits its model sources as
# vendor/<release>. An unknown release is refused (exit 2) with the repository untouched;
# a release whose package is not in the library names what to upload, nothing made.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

M="$FERRY_SRC/examples/ledger/models"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x
state() { # the refs and the work tree (files and their content) of a repository
	git -C "$1" for-each-ref --format="%(refname) %(objectname)"
	(cd "$1" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
}
fresh() { # fresh NAME: a clone of the customer's branch alone
	git clone -q --single-branch -b main src "$1" && git -C "$1" remote remove origin
}

"$M/make-repo.sh" src >/dev/null
fresh fresh
fresh nolib

test_expect_success 'setup: the application packages of 7.3 and 8.1, signed, in the library' '
	ferry init >/dev/null && ferry project create contoso >/dev/null &&
	ferry key generate vendor >/dev/null && ferry key trust vendor --project contoso >/dev/null &&
	up_packages ledger-app-7.3 &&
	ferry asset show ledger-app@7.3.0 --project contoso --json |
		jq -e ".signer == \"vendor\" and .manifest.model_sources == \"models\""'

test_expect_code 2 'an unknown release: refused before git is touched' '
	state fresh >before; ferry code upgrade fresh --to 9.9 2>err; rc=$?; cat err >&2
	state fresh >after; cmp before after && grep -q "unknown release .9.9." err && exit $rc'
test_expect_code 3 'the 8.1 package is not in the library: named, what to upload, nothing made' '
	state fresh >before; ferry code upgrade fresh --to 8.1 -o nope 2>err; rc=$?; cat err >&2
	state fresh >after; cmp before after && test ! -e nope &&
	grep -q "application package of release 8.1" err && grep -q "ferry asset upload FILE --project" err &&
	exit $rc'

test_expect_success 'upload the 8.1 package' 'up_packages ledger-app-8.1'
test_expect_code 5 'the bases are built from the library and the upgrade runs (the sample is not ready)' '
	ferry code upgrade fresh --to 8.1 -o up --json >up.json'
test_expect_success 'the bases hold the packages'\'' model sources, verified; the new one a child of the old' '
	equals "$(git -C fresh rev-parse vendor/8.1^)" "$(git -C fresh rev-parse vendor/7.3)" &&
	git -C fresh log -1 --format=%s vendor/8.1 | grep -q "ledger-app@8.1.0" &&
	for r in 7.3 8.1; do
		equals "$(git -C fresh ls-tree -r --name-only vendor/$r | sort)" \
		       "$(cd "$M/vendor/$r" && find . -type f | sed "s|^\./||" | sort)" || exit 1
		git -C fresh archive vendor/$r | tar -x -C "$SCRATCH" --one-top-level=v$r || exit 1
		diff -r "$SCRATCH/v$r" "$M/vendor/$r" || exit 1
	done'
test_expect_success 'conflicts reported as with hand-made bases' '
	ferry code upgrade src --to 8.1 -o up0 --json >up0.json; test $? = 5 &&
	jq -e ".conflicts | length > 0" up.json &&
	equals "$(jq -c "[.conflicts[].path, .merged[].path, .forbidden_overlayering[].target_element]" up.json)" \
	       "$(jq -c "[.conflicts[].path, .merged[].path, .forbidden_overlayering[].target_element]" up0.json)" &&
	equals "$(git -C up ls-tree -r code-upgrade/8.1 | grep -v "code-upgrade/report")" \
	       "$(git -C up0 ls-tree -r code-upgrade/8.1 | grep -v "code-upgrade/report")"'
test_expect_success 'no temporary extraction is left behind' '
	test -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name "ferry-vendor.*" -newer before 2>/dev/null)"'
test_expect_code 3 '--project names another library: the package is looked for there only' '
	ferry project create fabrikam >/dev/null &&
	ferry code upgrade nolib --to 8.1 --project fabrikam -o nope2 2>err; rc=$?; cat err >&2
	grep -q "project .fabrikam." err && test ! -e nope2 &&
	equals "$(git -C nolib for-each-ref --format="%(refname)")" refs/heads/main && exit $rc'
test_expect_code 3 'a package without model sources (ledger-app 8.0) is named, nothing made' '
	up_packages ledger-app-8.0 &&
	ferry code upgrade nolib --to 8.0 -o nope4 2>err; rc=$?; cat err >&2
	grep -q "ledger-app@8.0.0 of release 8.0 (project .contoso.) carries no model sources" err &&
	test ! -e nope4 && equals "$(git -C nolib for-each-ref --format="%(refname)")" refs/heads/main && exit $rc'
test_expect_code 6 'a package whose key the project no longer trusts is refused, nothing made' '
	id=$(ferry key list --project contoso --json | jq -r ".[0].key_id") &&
	ferry key revoke "$id" --project contoso >/dev/null &&
	ferry code upgrade nolib --to 8.1 -o nope3 2>err; rc=$?; cat err >&2
	grep -q "ledger-app@" err && test ! -e nope3 &&
	equals "$(git -C nolib for-each-ref --format="%(refname)")" refs/heads/main && exit $rc'
test_expect_success '--vendor-dir still overrides the library' '
	ferry code upgrade nolib --to 8.1 -o up2 --vendor-dir "$M/vendor" >/dev/null; test $? = 5 &&
	git -C nolib log -1 --format=%s vendor/8.1 | grep -q "its model sources"'
test_done
