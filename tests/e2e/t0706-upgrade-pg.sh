#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0706: the self-service upgrade with every environment database on PostgreSQL
# (FERRY_ENV_DB): refresh, rehearsal copy, upgrade-in-progress database beside the
# original, data upgrade on the swapped connection (SQL steps through envdb, marked once),
# and rollback giving back the pre-upgrade database byte for byte.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

if [ -z "${FERRY_PG:-}" ]; then
  echo "1..0 # SKIP no PostgreSQL server (FERRY_PG; tests/run.sh starts one)"
  exit 0
fi
. "$FERRY_PG/env"
pre="ft0706p$$"
export FERRY_ENV_DB="postgresql:///$pre?host=$PGHOST&port=$PGPORT&user=$PGUSER"
dbs() { psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '${pre}%' ORDER BY 1" | tr '\n' ' '; }
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
cleanup() {
  local n
  for n in $(ferry env list --json 2>/dev/null | jq -r '.[].name'); do
    ferry env stop "$n" --grace 1 >/dev/null 2>&1
    ferry env stop "$n" --view upgrade --grace 1 >/dev/null 2>&1
  done
  for d in $(dbs); do dropdb --force "$d"; done
}
test_cleanup_hook=cleanup

test_expect_success 'setup on PostgreSQL: production, sandbox refreshed from it, rehearsal' '
  up_setup && equals "$(dbs)" "${pre}_contoso_prod ${pre}_contoso_sbx " &&
  ferry db refresh --from prod --to sbx >/dev/null &&
  [ "$(pgq ${pre}_contoso_sbx "SELECT count(*) FROM customers")" -gt 0 ] &&
  up_rehearse &&
  equals "$(pgq ${pre}_contoso_dev "SELECT release FROM schema_version")" 8.1'

ORIG=$(env_url sbx)
test_expect_success 'begin: the upgrade-in-progress environment has its own database beside it' '
  ferry upgrade begin sbx --to 8.1 >/dev/null &&
  ferry env show sbx --view upgrade --json | jq -r .database | grep -q "^postgresql:///${pre}_contoso_sbx_upgrade" &&
  ferry upgrade apply sbx contoso-reports@1.0.0 >/dev/null && ferry upgrade signoff sbx >/dev/null'

test_expect_success 'data upgrade on the original database (swap by connection settings)' '
  ferry env stop sbx >/dev/null && ledgerctl dump --db "$(env_db sbx)" >pre.dump &&
  sum=$(ferry env db sbx checksum) && echo "$sum" >pre.sum && ferry env start sbx >/dev/null &&
  ferry upgrade data sbx >/dev/null && equals "$(version_of "$ORIG")" 8.1 &&
  db=$(ferry env show sbx --view upgrade --json | jq -r .database) &&
  case "$db" in *"/${pre}_contoso_sbx?"*) ;; *) echo "not swapped: $db"; false;; esac &&
  equals "$(pgq ${pre}_contoso_sbx "SELECT release FROM schema_version")" 8.1 &&
  ! pgq ${pre}_contoso_sbx "SELECT 1 FROM ferry_step_marks" 2>/dev/null'

test_expect_success 'users change data on the upgraded environment before the rollback' '
  pgq ${pre}_contoso_sbx "UPDATE tax_codes SET description = '\''changed'\''" &&
  ! cmp -s pre.dump <(ledgerctl dump --db "$(env_db sbx)")'

test_expect_success 'rollback: the original back online, database byte for byte' '
  ferry upgrade rollback sbx >out && contains "$(cat out)" "Rolled back" &&
  equals "$(version_of "$ORIG")" 7.3 &&
  ferry env stop sbx >/dev/null && ledgerctl dump --db "$(env_db sbx)" >post.dump &&
  cmp pre.dump post.dump && equals "$(ferry env db sbx checksum)" "$(cat pre.sum)" &&
  ferry env start sbx >/dev/null'
test_done
