#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0418: `make run`'s sample project: after scripts/run-extra.sh, `ferry update calendar
# --project contoso --json` lists the next two service updates with their sandbox and
# production dates (the catalog's dates run to 2028; later the sample catalog needs more).
. "$(dirname "$0")/lib.sh"
test_cleanup_hook='for n in contoso-prod contoso-uat contoso-dev81; do ferry env stop $n --grace 1 >/dev/null 2>&1; done; return 0'

test_expect_success 'the sample project as make run sets it up' '
	ferry init >/dev/null && ferry project create contoso >/dev/null &&
	ferry env create contoso-uat --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null &&
	ferry env create contoso-prod --project contoso --role production --app 7.3 --platform PU12 >/dev/null &&
	bash "$FERRY_SRC/scripts/run-extra.sh" "$FERRY_BUILD" >run.out'

test_expect_success 'the service-update package is named and in the asset library' '
	ferry update settings --project contoso --json | jq -e ".package == \"ledger-service-update\" and (.enabled | not)" &&
	ferry asset list --project contoso --json | jq -e "map(select(.name == \"ledger-service-update\")) | length == 2"'

test_expect_success 'update calendar --json: the next two service updates, sandbox a week before production' '
	ferry update calendar --project contoso --json >cal && cat cal &&
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ) &&
	jq -e --arg now "$now" "length == 2 and (.[0].version < .[1].version or (.[0].version | length) < (.[1].version | length)) and
	  all(.[]; .production.date > \$now and .sandbox.date != null and
	      ((.production.date | fromdate) - (.sandbox.date | fromdate)) == 7 * 86400 and
	      (.sandbox.environments | map(.env)) == [\"contoso-uat\"] and
	      (.production.environments | map(.env)) == [\"contoso-prod\"])" cal'
test_done
