#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0704: servicing (env apply / signoff / rollback) with the environment database on
# PostgreSQL: package SQL scripts run there in one transaction, the restore point is a
# verified template copy, and rollback gives back the database byte for byte (ferry's
# canonical dump checksum and the ledger's own dump).
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"

if [ -z "${FERRY_PG:-}" ]; then
  echo "1..0 # SKIP no PostgreSQL server (FERRY_PG; tests/run.sh starts one)"
  exit 0
fi
. "$FERRY_PG/env"
pre="ft0704p$$"
base="postgresql:///$pre?host=$PGHOST&port=$PGPORT&user=$PGUSER"
env_db() { ferry env show "$1" --json | jq -r .runtimes.main.database; }
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${pre}_p_$1" -c "$2"; }
dbs() { psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '${pre}%' ORDER BY 1" | tr '\n' ' '; }
cleanup() {
  stop_all_envs
  for d in $(dbs); do dropdb --force "$d"; done
}
test_cleanup_hook=cleanup

ferry init >/dev/null
setup_project p
ferry -q env create sb --project p --role sandbox --app 7.3 --platform PU12 &&
ferry -q env deploy sb --from-dir "$EX/packages/ledger-app-7.3" --db "$base" >/dev/null &&
ferry -q env stop sb &&
"$LEDGERCTL" generate --db "$(env_db sb)" --rows 300 --seed 7 >/dev/null &&
ferry -q env start sb

test_expect_success 'the sandbox serves 7.3 from its PostgreSQL database' '
  equals "$(ferry env show sb --json | jq -r .runtimes.main.db_driver)" postgresql &&
  [ "$(pgq sb "SELECT count(*) FROM customers")" -gt 0 ] &&
  equals "$(version sb | jq -r .release)" 7.3'

test_expect_success 'apply an ISV package: its post-install SQL runs in the PostgreSQL database' '
  before=$(ferry env db sb checksum) &&
  ferry env apply sb fabrikam-tax@1.4.0 >out && file_contains out "awaiting sign-off" &&
  equals "$(pgq sb "SELECT count(*) FROM fabrikam_tax_rules")" 5 &&
  ferry env db sb restore-points --json | jq -e "length == 1" >/dev/null &&
  [ "$(ferry env db sb checksum)" != "$before" ] &&
  ferry -q env signoff sb && equals "$(env_json sb | jq -r .state)" deployed'

test_expect_success 'apply a customization, then roll it back: database byte for byte' '
  curl -sf -X POST "$(env_url sb)/customers" -d "{\"name\":\"Ada Lovelace\",\"email\":\"ada@x.example\"}" >/dev/null &&
  ferry -q env stop sb && sum=$(ferry env db sb checksum) && lsum=$(dump_sum sb) &&
  state=$(env_json sb | jq -c "{app_release, platform}") && ferry -q env start sb &&
  ferry -q env apply sb contoso-reports@1.0.0 &&
  equals "$(pgq sb "SELECT count(*) FROM contoso_report_definitions")" 3 &&
  curl -sf -X POST "$(env_url sb)/customers" -d "{\"name\":\"Grace Hopper\",\"email\":\"grace@x.example\"}" >/dev/null &&
  ferry env rollback sb >out && file_contains out "env.rollback) succeeded" &&
  equals "$(ferry env db sb checksum)" "$sum" && equals "$(dump_sum sb)" "$lsum" &&
  equals "$(env_json sb | jq -c "{app_release, platform}")" "$state" &&
  ! pgq sb "SELECT 1 FROM contoso_report_definitions" 2>/dev/null &&
  curl -sf "$(env_url sb)/health" >/dev/null'

test_expect_success 'a platform update and its rollback: same state, same data' '
  echo "$(env_state sb)" >before-pu13 && sum=$(ferry env db sb checksum) &&
  ferry -q env apply sb ledger-platform@13.0.0 &&
  equals "$(version sb | jq -r .platform)" PU13 &&
  ferry -q env rollback sb &&
  equals "$(env_state sb)" "$(cat before-pu13)" &&
  equals "$(ferry env db sb checksum)" "$sum"'

test_expect_success 'no database is left behind but the environment and its restore points' '
  for d in $(dbs); do case "$d" in ${pre}_p_sb|${pre}_p_sb__rp_*) ;; *) echo "stray: $d"; exit 1;; esac; done'
test_done
