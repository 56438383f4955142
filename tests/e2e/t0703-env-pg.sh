#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0703: environments whose database is on PostgreSQL: `env deploy --db URL` (one
# database per environment, named after it), the ledger serving from it, restore points
# verified and restored byte for byte (canonical dump checksum), refresh between
# environments, passwords kept out of the client tools' argv, and refusals.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/tools/runtime-lib.sh"

if [ -z "${FERRY_PG:-}" ]; then
  echo "1..0 # SKIP no PostgreSQL server (FERRY_PG; tests/run.sh starts one)"
  exit 0
fi
. "$FERRY_PG/env"
PKGS="$FERRY_BUILD/examples/packages"
pre="ft0703p$$"
base="postgresql:///$pre?host=$PGHOST&port=$PGPORT&user=$PGUSER"
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
dbs() { psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '${pre}%' ORDER BY 1" | tr '\n' ' '; }
cleanup() {
  stop_all_envs
  for d in $(dbs); do dropdb --force "$d"; done
}
test_cleanup_hook=cleanup
ferry init >/dev/null
ferry project create contoso >/dev/null
for e in sbx prod; do
  ferry env create $e --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null
done

test_expect_success 'deploy --db puts the environment database on PostgreSQL, named after it' '
  ferry env deploy sbx --from-dir "$PKGS/ledger-app-7.3" --db "$base&password=s3cr3t-pw" >/dev/null &&
  equals "$(dbs)" "${pre}_contoso_sbx " &&
  ferry env show sbx --json | jq -e ".runtimes.main.database | startswith(\"postgresql:///${pre}_contoso_sbx?\")" >/dev/null &&
  ! ferry env show sbx --json | grep -q s3cr3t &&
  jq -e ".db_driver == \"postgresql\"" "$(env_dir sbx)/config.json" >/dev/null &&
  curl -sf "$(env_url sbx)/health" | jq -e ".release == \"7.3\"" >/dev/null &&
  equals "$(pgq ${pre}_contoso_sbx "SELECT release FROM schema_version")" 7.3 &&
  test ! -e "$(env_dir sbx)/db/app.db"'

test_expect_success 'the application keeps its data there' '
  curl -sf -X POST "$(env_url sbx)/customers" -d "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}" >/dev/null &&
  equals "$(pgq ${pre}_contoso_sbx "SELECT name FROM customers")" "Ada Lovelace"'

test_expect_success 'FERRY_ENV_DB is the default server for a first deploy' '
  FERRY_ENV_DB="$base" ferry env deploy prod --from-dir "$PKGS/ledger-app-7.3" --no-start >/dev/null &&
  equals "$(dbs)" "${pre}_contoso_prod ${pre}_contoso_sbx "'

test_expect_code 4 'a second deploy cannot move the database to another server' '
  ferry env deploy sbx --from-dir "$PKGS/ledger-app-7.3" --db "postgresql:///other?host=/nowhere" 2>err'
test_expect_success '... and says why' 'contains "$(cat err)" "first deploy only"'

test_expect_code 2 '--db wants a postgresql:// URL' '
  ferry env deploy prod --from-dir "$PKGS/ledger-app-7.3" --db /tmp/x.db'

# Client tools see the password only in their environment: wrappers on PATH record argv.
mkdir -p wrap
for t in pg_dump pg_restore; do
  cat >wrap/$t <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$*" >>"$SCRATCH/argv.log"
echo "PGPASSWORD=\${PGPASSWORD:-}" >>"$SCRATCH/argv.log"
exec "$PGBIN/$t" "\$@"
EOF
  chmod +x wrap/$t
done

test_expect_success 'restore point while serving: verified pg_dump | pg_restore, password only in PGPASSWORD' '
  sum=$(ferry env db sbx checksum) &&
  ferry env stop sbx >/dev/null && ferry env db sbx restore-point warmup >/dev/null &&
  ferry env start sbx >/dev/null &&
  PATH="$SCRATCH/wrap:$PATH" "$FERRY_BUILD/ferry" env db sbx restore-point before >/dev/null &&
  grep -q -- "^-Fc" argv.log && grep -q "^pg_restore\|--exit-on-error" argv.log &&
  ! grep -q "s3cr3t" <(grep -v "^PGPASSWORD=" argv.log) &&
  test "$(grep -c "^PGPASSWORD=s3cr3t-pw$" argv.log)" -ge 2 &&
  equals "$(ferry env db sbx restore-points --json | jq -r "map(.name) | sort | join(\" \")")" "before warmup" &&
  equals "$(ferry env db sbx checksum)" "$sum"'

test_expect_success 'restore after changes gives back the same database byte for byte' '
  sum=$(ferry env db sbx checksum) &&
  "$FERRY_BUILD/examples/bin/ledgerctl" dump --db "$(ferry env show sbx --json | jq -r .runtimes.main.database)" >before.dump &&
  curl -sf -X POST "$(env_url sbx)/customers" -d "{\"name\":\"Grace Hopper\",\"email\":\"grace@example.com\"}" >/dev/null &&
  [ "$(ferry env db sbx checksum)" != "$sum" ] &&
  ferry env stop sbx >/dev/null && ferry env db sbx restore before >/dev/null &&
  equals "$(ferry env db sbx checksum)" "$sum" &&
  "$FERRY_BUILD/examples/bin/ledgerctl" dump --db "$(ferry env show sbx --json | jq -r .runtimes.main.database)" >after.dump &&
  cmp before.dump after.dump &&
  ferry env start sbx >/dev/null && ! curl -sf "$(env_url sbx)/customers" | grep -q "Grace Hopper"'

test_expect_code 4 'restore refuses while the application runs' 'ferry env db sbx restore before 2>err'

test_expect_success 'refresh: copy sbx into prod (stopped), same checksum; no stray databases' '
  ferry env stop sbx >/dev/null &&
  ferry env db prod copy-from sbx >/dev/null &&
  equals "$(ferry env db prod checksum)" "$(ferry env db sbx checksum)" &&
  equals "$(pgq ${pre}_contoso_prod "SELECT name FROM customers")" "Ada Lovelace" &&
  equals "$(dbs)" "${pre}_contoso_prod ${pre}_contoso_sbx ${pre}_contoso_sbx__rp_before ${pre}_contoso_sbx__rp_warmup "'

test_expect_success 'rm-restore-point and env rm drop their databases' '
  ferry env db sbx rm-restore-point warmup >/dev/null &&
  ferry env rm prod >/dev/null &&
  equals "$(dbs)" "${pre}_contoso_sbx ${pre}_contoso_sbx__rp_before "'
test_done
