#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0412: every refusal of the self-service upgrade and of database refresh, with its message
# and exit code, and that a refused command changed nothing: begin's rules (preview feature,
# another operation, the catalog, production before a committed sandbox), each preflight
# check (all of them reported at once), apply before sign-off, data before every sign-off and
# before a rehearsal, cancel after the data upgrade or from the upgrade view, refresh between
# releases, into production or onto itself, copy into a sandbox, rehearsal outside development.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

# refused CODE 'MESSAGE' CMD...: exits CODE, says MESSAGE, leaves the store as it was.
refused() {
	local want=$1 msg=$2 before out rc
	shift 2
	before=$(store_sum)
	out=$("$@" 2>&1); rc=$?
	equals "$rc" "$want" && contains "$out" "$msg" && equals "$(store_sum)" "$before"
}

test_expect_success 'setup: production and sandbox on 7.3, no refresh, no rehearsal' 'up_setup'

test_expect_success 'begin refused while the preview feature is off (and preflight lists it)' '
	ferry feature disable upgrade-self-serve --project contoso >/dev/null &&
	refused 5 "preview feature .upgrade-self-serve. is disabled for project .contoso.: enable it with" \
		ferry upgrade begin sbx --to 8.1 &&
	refused 5 "preview-feature: the preview feature" ferry upgrade preflight sbx --to 8.1 &&
	ferry feature enable upgrade-self-serve --project contoso >/dev/null'

test_expect_success 'begin refused for a target the catalog does not allow, naming the allowed ones' '
	refused 5 "the catalog does not allow an upgrade of .sbx. from 7.3/PU12 to 7.1: allowed targets: 8.1 (from PU20), 8.0 (from PU15)" \
		ferry upgrade begin sbx --to 7.1 &&
	refused 5 "a platform-only move is applied in place" ferry upgrade begin sbx --to 7.3 &&
	refused 5 "PU12" ferry upgrade begin sbx --to 8.1/PU12 &&
	refused 2 "missing --to" ferry upgrade begin sbx'

test_expect_success 'begin refused for production until a sandbox committed the same target' '
	refused 5 "production environment .prod. cannot begin an upgrade to 8.1/PU20 yet: a sandbox of project .contoso. must first upgrade" \
		ferry upgrade begin prod --to 8.1'

test_expect_success 'begin refused while another operation runs on the environment' '
	ferry env apply sbx contoso-reports@1.0.0 >/dev/null &&
	refused 4 "another operation runs on environment .sbx.: env.apply" ferry upgrade begin sbx --to 8.1 &&
	ferry env rollback sbx >/dev/null'

test_expect_success 'preflight reports every missing prerequisite at once, with sizes' '
	ferry asset rm ledger-app@8.1.0 --project contoso >/dev/null &&
	ferry asset rm ledger-data-upgrade@8.1.0 --project contoso >/dev/null &&
	ferry upgrade settings --project contoso --disk-reserve 1125899906842624 >/dev/null &&
	busy=$(ferry env show prod --json | jq -r .port) &&
	before=$(store_sum) &&
	out=$(FERRY_PORT_RANGE=$busy-$busy ferry upgrade begin sbx --to 8.1 2>&1); rc=$? &&
	equals "$rc" 5 && equals "$(store_sum)" "$before" &&
	contains "$out" "preflight found 4 missing prerequisites" &&
	contains "$out" "application-package: no application package for release 8.1" &&
	contains "$out" "data-upgrade-package: no data-upgrade package for release 8.1 (applying to 7.3)" &&
	contains "$out" "disk-space: not enough disk space in .* MiB needed (release" &&
	contains "$out" "free-ports: no free port in $busy-$busy" &&
	ferry upgrade preflight sbx --to 8.1 --json >pf.json; equals $? 5 &&
	jq -e "[.checks[] | select(.check == \"disk-space\")][0] | .ok == false and .reserve_bytes == 1125899906842624 and .needed_bytes > .free_bytes" pf.json &&
	jq -e ".warnings | length == 2" pf.json'

test_expect_success 'the prerequisites back: begin passes, warning of no rehearsal and no refresh' '
	ferry upgrade settings --project contoso --disk-reserve 0 >/dev/null &&
	up_packages ledger-app-8.1 ledger-data-upgrade-8.1 &&
	ferry upgrade begin sbx --to 8.1 >out 2>err &&
	contains "$(cat err)" "warning: project .contoso. has no successful data upgrade rehearsal from 7.3 to 8.1" &&
	contains "$(cat err)" "warning: sandbox .sbx. was never refreshed from production" &&
	equals "$(phase sbx)" prepared'

test_expect_success 'begin refused while an upgrade is in progress' '
	refused 4 "already has an upgrade to 8.1/PU20 in phase .prepared." ferry upgrade begin sbx --to 8.1'

test_expect_success 'the original is left untouched: a package applied to it is refused' '
	refused 4 "self-service upgrade in progress .phase prepared.: the original is left untouched" \
		ferry env apply sbx fabrikam-tax@1.4.0'

test_expect_success 'apply refused before the previous package is signed off' '
	ferry upgrade apply sbx fabrikam-tax@2.0.0 >/dev/null &&
	refused 5 "package fabrikam-tax 2.0.0 (activity .*) on the upgrade-in-progress environment of .sbx. is not signed off: sign it off before applying another" \
		ferry upgrade apply sbx contoso-reports@1.0.0'

test_expect_success 'data refused before every package is signed off, and without a rehearsal' '
	refused 5 "preflight found 2 missing prerequisites" ferry upgrade data sbx &&
	out=$(ferry upgrade data sbx 2>&1);
	contains "$out" "sign-offs: packages not signed off on the upgrade-in-progress environment: fabrikam-tax@2.0.0 (awaiting-signoff" &&
	contains "$out" "rehearsal: project .contoso. has no successful data upgrade rehearsal"'

test_expect_success 'cancel refused from the upgrade-in-progress view' '
	refused 5 "cancel is an action of the original environment.s view, not of the upgrade-in-progress view" \
		ferry upgrade cancel sbx --view upgrade'

test_expect_success 'resume, commit and rollback refused where they do not apply' '
	refused 4 "awaits sign-off, not a resume" ferry upgrade resume sbx &&
	refused 4 "committed after a successful data upgrade; it is in phase .prepared." ferry upgrade commit sbx &&
	refused 4 "before the data upgrade there is nothing to roll back: cancel the upgrade instead" ferry upgrade rollback sbx'

test_expect_success 'sign-off, a rehearsal, then the data upgrade goes' '
	ferry upgrade signoff sbx >/dev/null && up_rehearse &&
	ferry upgrade data sbx >/dev/null && equals "$(phase sbx)" data-upgraded'

test_expect_success 'cancel refused after the data upgrade; apply and data refused too' '
	refused 4 "can no longer be cancelled: it is in phase .data-upgraded. and the data upgrade has started; roll it back instead" \
		ferry upgrade cancel sbx &&
	refused 4 "packages are applied to the upgrade-in-progress environment of .sbx. once it is prepared and before the data upgrade" \
		ferry upgrade apply sbx contoso-reports@1.0.0 &&
	refused 4 "a package is rolled back before the data upgrade" ferry upgrade rollback-package sbx &&
	refused 4 "starts from a prepared upgrade; it is in phase .data-upgraded." ferry upgrade data sbx &&
	refused 4 "nothing to resume on .sbx." ferry upgrade resume sbx'

test_expect_success 'refresh refused between releases, into production, onto itself' '
	ferry env create sbx3 --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null &&
	ferry --quiet env deploy sbx3 --from-dir "$SCRATCH/rel/ledger-app-7.3" >/dev/null &&
	refused 5 ".dev. runs 8.1/PU20 and .sbx3. runs 7.3/PU12: a refresh copies between environments on the same release" \
		ferry db refresh --from dev --to sbx3 &&
	refused 5 "a database refresh never writes into production: .prod. is the production environment" \
		ferry db refresh --from sbx --to prod &&
	refused 2 "onto itself" ferry db refresh --from prod --to prod &&
	refused 4 "has an upgrade in progress" ferry db refresh --from prod --to sbx &&
	refused 3 "no environment" ferry db refresh --from nope --to dev'

test_expect_success 'copy only into development; the rehearsal only in development, after a copy' '
	refused 5 "copies into a development environment, and .sbx3. is a sandbox" ferry db copy --from prod --to sbx3 &&
	refused 5 "a data upgrade rehearsal runs in a development environment; .sbx3. is a sandbox" \
		ferry env data-upgrade sbx3 &&
	up_dev dev2 8.1 &&
	refused 4 "no database was copied into .dev2.: copy production.s first" ferry env data-upgrade dev2'

test_expect_success 'after rollback, a revoked signing key fails the package checks' '
	ferry upgrade rollback sbx >/dev/null &&
	ferry key revoke vendor --project contoso >/dev/null &&
	out=$(ferry upgrade preflight sbx --to 8.1 2>&1); equals $? 5 &&
	contains "$out" "application-package: application package .* fails verification" &&
	contains "$out" "data-upgrade-package: data-upgrade package .* fails verification" &&
	refused 5 "preflight found 2 missing prerequisites" ferry upgrade begin sbx --to 8.1'
test_done
