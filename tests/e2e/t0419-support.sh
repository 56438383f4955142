#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0419: support bundles and outage reports. `ferry support bundle ENV -o FILE` writes a
# tar.zst with the operation journals and step logs, the environment and its config with
# secrets scrubbed, versions, the catalog, recent audit rows, the application's and
# ferryd's logs; `ferry env report-outage` (and POST /api/environments/{env}/outage)
# records an incident with its bundle and notifies the project with the bundle's reference.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM $FERRYD_PID 2>/dev/null; wait 2>/dev/null'

test_expect_success 'setup: the ledger on 7.3, a package applied, a secret in its config' '
	up_setup ledger-app-7.3 fabrikam-tax-1.4 &&
	ferry env apply sbx fabrikam-tax@1.4.0 >/dev/null &&
	ferry env config sbx --set smtp.password=hunter2 --set api_token=s3cr3t-t0ken >/dev/null &&
	ferry notify add --project contoso --webhook http://127.0.0.1:$(cat http.port)/ >/dev/null'

FERRY_NODE_ID=node-a ferryd_start || exit 1

test_expect_success 'support bundle: a tar.zst with what support asks for' '
	ferry support bundle sbx -o b.tar.zst --ferryd-log "$FERRYD_LOG" --json >sum &&
	jq -e ".path == \"b.tar.zst\" and (.sha256 | length) == 64 and .bytes > 0" sum &&
	equals "$(sha256sum b.tar.zst | cut -d" " -f1)" "$(jq -r .sha256 sum)" &&
	mkdir x && tar --zstd -xf b.tar.zst -C x &&
	for f in manifest.json environment.json config/main.json operations.json audit.json catalog.json ferryd.log app-main.log; do
		test -s x/$f || { echo "missing $f"; exit 1; }; done &&
	jq -e ".ferry != null and .environment == \"sbx\"" x/manifest.json &&
	jq -e "map(.kind) | index(\"env.apply\") != null" x/operations.json &&
	ls x/logs/*.log >/dev/null && grep -q "fabrikam" x/logs/*.log &&
	jq -e ".name == \"sbx\" and .app_release == \"7.3\"" x/environment.json &&
	jq -e ".product == \"finance-operations\"" x/catalog.json && grep -q listening x/ferryd.log'

test_expect_success 'secrets are scrubbed' '
	! grep -r -q hunter2 x && ! grep -r -q s3cr3t-t0ken x &&
	jq -e ".smtp.password == \"***\" and .api_token == \"***\"" x/config/main.json'

test_expect_code 2 'an outage report needs a message' 'ferry env report-outage sbx --message ""'
test_expect_code 3 'an unknown environment' 'ferry env report-outage nope --message "down"'

test_expect_success 'report-outage: incident recorded, bundle written, project notified with its reference' '
	ferry env report-outage prod --message "invoices answer 500 since 09:10" --json >inc &&
	jq -e ".id == 1 and .env == \"prod\" and .message == \"invoices answer 500 since 09:10\" and (.bundle.sha256 | length) == 64" inc &&
	test -s "$(jq -r .bundle.path inc)" &&
	equals "$(sha256sum "$(jq -r .bundle.path inc)" | cut -d" " -f1)" "$(jq -r .bundle.sha256 inc)" &&
	cat hooks/*.json | jq -s -e --arg p "$(jq -r .bundle.path inc)" \
		"map(select(.subject | test(\"Outage reported on .prod.\"))) | length == 1 and (.[0].subject | contains(\$p)) and .[0].data.bundle.sha256 != null"'

ADMIN=$(ferry token create admin --role admin --json | jq -r .token)
VIEW=$(ferry token create v --role viewer --json | jq -r .token)
test_expect_success 'through the API: report, then list' '
	expect_status 201 "$ADMIN" POST /api/environments/sbx/outage "{\"message\": \"login loops\"}" &&
	jq -e ".env == \"sbx\" and .id == 2 and .actor == \"token:admin\"" "$SCRATCH/resp" &&
	expect_status 200 "$VIEW" GET /api/environments/sbx/incidents &&
	jq -e "length == 1 and .[0].message == \"login loops\"" "$SCRATCH/resp" &&
	ferry env incidents prod --json | jq -e "length == 1 and .[0].id == 1"'
test_expect_success 'a viewer may not report; a report without a message is refused' '
	expect_status 403 "$VIEW" POST /api/environments/sbx/outage "{\"message\": \"x\"}" &&
	expect_status 400 "$ADMIN" POST /api/environments/sbx/outage "{}"'
test_done
