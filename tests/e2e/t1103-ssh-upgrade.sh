#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t1103: the seed's scenario 3 across hosts. Production and a sandbox on host a; a
# refresh from a into a sandbox on host c (the snapshot streamed host to host,
# scrubbed there); the rehearsal on host c; the sandbox upgraded with its
# upgrade-in-progress environment prepared on host b while the original keeps serving
# (a probe counts zero failed requests during preparation and packages), the data
# upgrade moving the database to b and the address with it (the route hook told,
# argv), commit; then production the same way to b and rolled back: the original
# serves again on a, byte for byte, nothing of it left on b.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t11-ssh.lib"

cat >"$SCRATCH/route-hook" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$SCRATCH/routes"
EOF
chmod +x "$SCRATCH/route-hook"
export FERRY_ROUTE_HOOK="$SCRATCH/route-hook"
rows() { on "$1" sqlite3 "$2" "select count(*) from invoices"; }
addr_of() { ferry env show "$1" --json | jq -r .address; }

test_expect_success 'setup: hosts, signed packages; production and a sandbox on host a' '
	ssh_setup && host_env prod production a 600 7 && host_env sbx sandbox a 0 0 &&
	equals "$(version_of "$(env_url prod)")" 7.3 && [ "$(rows 1 "$(env_db prod)")" -gt 50 ]'

test_expect_success 'refresh from host a into a sandbox on host c: streamed, scrubbed there' '
	host_env sbx2 sandbox c 0 0 &&
	ferry db refresh --from prod --to sbx2 >out && contains "$(cat out)" "Refreshed" &&
	on 3 "$LEDGERCTL" scrub-status --db "$(env_db sbx2)" | jq -e ".scrubbed and .secrets == 0" &&
	equals "$(rows 3 "$(env_db sbx2)")" "$(rows 1 "$(env_db prod)")" &&
	equals "$(version_of "$(env_url sbx2)")" 7.3 &&
	! ls "$FERRY_HOME"/tmp 2>/dev/null | grep -q . &&
	ferry -q db refresh --from prod --to sbx'

test_expect_success 'rehearsal on host c: production copied there, data upgraded, timed' '
	ferry env create dev --project contoso --role development --app 8.1 --platform PU20 --host c >/dev/null &&
	ferry -q env deploy dev --package ledger-app@8.1.0 &&
	ferry -q db copy --from prod --to dev && ferry -q env data-upgrade dev &&
	equals "$(version_of "$(env_url dev)")" 8.1 &&
	ferry db rehearsals --json | jq -e ".[0].from == \"7.3\" and .[0].to == \"8.1\" and (.[0].data_steps | length) == 12"'

ORIG=$(env_url sbx)
probe_start "$ORIG/customers?limit=1" probe.txt
test_expect_success 'begin --host b: prepared on host b while the original serves (zero failures)' '
	t0=$(now_ms) && echo "$t0" >window.start &&
	ferry upgrade begin sbx --to 8.1 --host b >out &&
	contains "$(cat out)" "is prepared" &&
	ferry env show sbx --view upgrade --json >up.json &&
	ferry env show sbx --json | jq -e ".runtimes.upgrade.host == \"b\" and .runtimes.main.host == \"a\"" &&
	equals "$(version_of "$(up_url sbx)")" 8.1 && equals "$(version_of "$ORIG")" 7.3 &&
	contains "$(up_url sbx)" "$H2_ADDR"'

test_expect_success 'packages on the upgrade-in-progress environment on b, signed off' '
	ferry -q upgrade apply sbx fabrikam-tax@2.0.0 && ferry -q upgrade signoff sbx &&
	ferry -q upgrade apply sbx contoso-reports@1.0.0 && ferry -q upgrade signoff sbx &&
	curl -sf "$(up_url sbx)/version" | jq -e "[.packages[].name] | index(\"fabrikam-tax\") != null"'

test_expect_success 'the probe saw no failure on the original during preparation and packages' '
	t1=$(now_ms) && [ "$(answers probe.txt $(cat window.start) $t1)" -gt 10 ] &&
	equals "$(failures probe.txt $(cat window.start) $t1)" 0'
probe_stop

test_expect_success 'data upgrade: the database moves to b, the address with it (route hook, argv)' '
	n=$(rows 1 "$(env_db sbx)") &&
	ferry upgrade data sbx >out && contains "$(cat out)" "measured downtime:" &&
	equals "$(phase sbx)" data-upgraded &&
	up=$(up_url sbx) && equals "$(addr_of sbx)" "$up" &&
	equals "$(cat routes)" "sbx $up $ORIG" &&
	equals "$(version_of "$(addr_of sbx)")" 8.1 &&
	db=$(ferry env show sbx --view upgrade --json | jq -r .database) &&
	case "$db" in "$H2_DIR"/*) ;; *) false;; esac &&
	equals "$(rows 2 "$db")" "$n" &&
	on 2 sqlite3 "$db" "pragma table_info(invoices)" | grep -q tax_code &&
	equals "$(on 2 sqlite3 "$db" "select count(*) from fabrikam_tax_rules")" 5'

test_expect_success 'commit: the environment runs on host b; host a keeps only the restore point' '
	ferry -q upgrade commit sbx &&
	ferry env show sbx --json >c.json &&
	jq -e ".app_release == \"8.1\" and .state == \"deployed\" and (.runtimes | keys) == [\"main\"] and .runtimes.main.host == \"b\"" c.json &&
	equals "$(jq -r .address c.json)" "$(jq -r .url c.json)" &&
	equals "$(version_of "$(env_url sbx)")" 8.1 &&
	on_exists 1 "$H1_DIR/environments/sbx/db/restore-points" && ! on_exists 1 "$H1_DIR/environments/sbx/releases" &&
	! on_exists 1 "$H1_DIR/environments/sbx/db/app.db" &&
	equals "$(wc -l <routes)" 1'

PROD=$(env_url prod)
probe_start "$PROD/customers?limit=1" pprobe.txt
test_expect_success 'production to host b: zero failures during preparation, then the data upgrade' '
	ferry env db prod checksum >prod.sum && t0=$(now_ms) &&
	ferry -q upgrade begin prod --to 8.1 --host b && t1=$(now_ms) &&
	equals "$(failures pprobe.txt $t0 $t1)" 0 && [ "$(answers pprobe.txt $t0 $t1)" -gt 0 ] &&
	ferry -q upgrade data prod && equals "$(version_of "$(addr_of prod)")" 8.1 &&
	contains "$(addr_of prod)" "$H2_ADDR"'
probe_stop

test_expect_success 'rollback: the original back on host a byte for byte, the address too, nothing on b' '
	up=$(up_url prod) &&
	ferry -q upgrade rollback prod && equals "$(phase prod)" rolled-back &&
	ferry env show prod --json | jq -e ".app_release == \"7.3\" and .runtimes.main.host == \"a\" and (.runtimes | keys) == [\"main\"]" &&
	equals "$(addr_of prod)" "$PROD" && equals "$(version_of "$PROD")" 7.3 &&
	equals "$(ferry env db prod checksum)" "$(cat prod.sum)" &&
	equals "$(tail -1 routes)" "prod $PROD $up" &&
	! on_exists 2 "$H2_DIR/environments/prod"'
hosts_clean
test_done
