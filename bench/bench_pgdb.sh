#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_pgdb.sh: an environment database on PostgreSQL (1 GiB; QUICK=1: 48 MiB; SMOKE=1: 12 MiB): ferry's
# restore point and restore (verified by canonical dump checksum) against the same copies
# done by hand: CREATE DATABASE ... TEMPLATE, and pg_dump -Fc | pg_restore.
# Data: `ledgerctl generate --bytes` (the ledger's realistic rows, on PostgreSQL), then
# doubled in SQL with shifted ids until the database has the size (generating 1 GiB
# row by row through the application takes hours; the copy cost depends on bytes only).
# Rows: name, ferry_ms, reference, ref_ms (bench/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=$((1024 * 1024 * 1024)); SEED=$((24 * 1024 * 1024))
if [ "${QUICK:-0}" = 1 ]; then SIZE=$((48 * 1024 * 1024)); SEED=$((16 * 1024 * 1024)); fi
if [ "${SMOKE:-0}" = 1 ]; then SIZE=$((12 * 1024 * 1024)); SEED=$((9 * 1024 * 1024)); fi
rel=$(realpath --relative-to=. "$FERRY_BUILD")
make -s "$rel/ferry" "$rel/examples/bin/ledgerctl" >&2
LEDGERCTL="$FERRY_BUILD/examples/bin/ledgerctl"
pgdir=$(mktemp -d /tmp/ferry-bench-pgdb.XXXXXX)
home=$(mktemp -d /tmp/ferry-bench-home.XXXXXX)
trap 'bash scripts/pg-stop.sh "$pgdir" >/dev/null 2>&1; rm -rf "$home"' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
bash scripts/pg-start.sh "$pgdir" >/dev/null
. "$pgdir/env"
export FERRY_HOME="$home"; unset FERRY_STORE
base="postgresql:///bench?host=$PGHOST&port=$PGPORT&user=$PGUSER"
db=bench_p_e
url="postgresql:///$db?host=$PGHOST&port=$PGPORT&user=$PGUSER"
ferry() { "$FERRY" "$@"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# The environment: deployed (not started) with its database on the server.
ferry init >/dev/null
ferry project create p >/dev/null
ferry env create e --project p --role sandbox --app 7.3 --platform PU12 >/dev/null
ferry env deploy e --from-dir "$FERRY_BUILD/examples/packages/ledger-app-7.3" --db "$base" --no-start >/dev/null
"$LEDGERCTL" generate --db "$url" --bytes "$SEED" --seed 1 >&2

# Double every growing table with shifted ids until the size is reached; the last round
# copies only the share still missing (ids grow with customers, so a prefix is whole).
empty=$(q postgres "SELECT pg_database_size('template1')")
while :; do
  cur=$(q $db "SELECT pg_database_size(current_database())")
  [ "$cur" -lt "$SIZE" ] || break
  frac=$(awk -v s="$SIZE" -v c="$cur" -v e="$empty" 'BEGIN { f = (s - c) / (c - e) * 1.02; print (f > 1 ? 1 : f) }')
  q $db "BEGIN;
    CREATE TEMP TABLE o AS SELECT (SELECT max(id) FROM customers) c, (SELECT max(id) FROM invoices) i,
      (SELECT max(id) FROM postings) p, (SELECT max(id) FROM posting_lines) l,
      (SELECT floor(max(id) * $frac) FROM customers) kc;
    ALTER TABLE o ADD ki bigint, ADD kp bigint, ADD kl bigint;
    UPDATE o SET ki = (SELECT coalesce(max(id), 0) FROM invoices WHERE customer_id <= o.kc);
    UPDATE o SET kp = (SELECT coalesce(max(id), 0) FROM postings WHERE invoice_id <= o.ki);
    UPDATE o SET kl = (SELECT coalesce(max(id), 0) FROM posting_lines WHERE posting_id <= o.kp);
    INSERT INTO customers SELECT id + o.c, name, email, created_on FROM customers, o WHERE id <= o.kc;
    INSERT INTO invoices SELECT id + o.i, 'INV-' || lpad((id + o.i)::text, greatest(6, length((id + o.i)::text)), '0'), customer_id + o.c,
      issued_on, amount_cents, status FROM invoices, o WHERE id <= o.ki;
    INSERT INTO postings SELECT id + o.p, posted_on, description, invoice_id + o.i FROM postings, o
      WHERE id <= o.kp;
    INSERT INTO posting_lines SELECT id + o.l, posting_id + o.p, account, amount_cents FROM posting_lines, o
      WHERE id <= o.kl;
    COMMIT;" >/dev/null
done
q $db "VACUUM ANALYZE" >/dev/null
bytes=$(q $db "SELECT pg_database_size(current_database())")
label="$((bytes / 1024 / 1024)) MiB"
echo "bench_pgdb: $db is $((bytes / 1024 / 1024)) MiB, $(q $db "SELECT count(*) FROM posting_lines") posting lines" >&2
"$LEDGERCTL" check --db "$url" >&2

timed() { local t0; t0=$(now_ms); "$@" >/dev/null; echo $(( $(now_ms) - t0 )); }
dump_restore() {  # SRC DST: pg_dump -Fc SRC | pg_restore into a new DST
  createdb -T template0 "$2" && pg_dump -Fc --no-owner -d "$1" | pg_restore --no-owner --exit-on-error -d "$2"
}

# Restore point of an idle database: ferry (template copy + checksums) vs by hand.
f_rp=$(timed ferry env db e restore-point rp1)
h_tpl=$(timed createdb -T $db hand_tpl)
h_dump=$(timed dump_restore $db hand_dump)
# The verification alone: one canonical checksum of the database.
f_sum=$(timed ferry env db e checksum)
# Restore: ferry (template copy of the restore point, checksums, rename swap) vs by hand.
q $db "DELETE FROM posting_lines WHERE id % 10 = 0" >/dev/null
f_rs=$(timed ferry env db e restore rp1)
h_rs_tpl=$(timed bash -c "dropdb --force hand_tpl_live 2>/dev/null; createdb -T hand_tpl hand_tpl_live")
h_rs_dump=$(timed dump_restore hand_dump hand_dump_live)
# Restore point while the database is in use (a session open): ferry falls back to
# pg_dump | pg_restore in an exported snapshot, plus the checksums.
coproc BUSY { psql -X -q -d $db; }
echo "SELECT 1;" >&"${BUSY[1]}"
sleep 0.5
f_rp_busy=$(timed ferry env db e restore-point rp2)
kill "$BUSY_PID" 2>/dev/null || true

printf 'pgdb %s: restore point (ferry, verified)\t%d\tCREATE DATABASE TEMPLATE, hand\t%d\n' "$label" "$f_rp" "$h_tpl"
printf 'pgdb %s: restore point (ferry, verified)\t%d\tpg_dump -Fc | pg_restore\t%d\n' "$label" "$f_rp" "$h_dump"
printf 'pgdb %s: restore (ferry, verified)\t%d\tDROP + CREATE ... TEMPLATE, hand\t%d\n' "$label" "$f_rs" "$h_rs_tpl"
printf 'pgdb %s: restore (ferry, verified)\t%d\tpg_dump -Fc | pg_restore\t%d\n' "$label" "$f_rs" "$h_rs_dump"
printf 'pgdb %s: restore point in use (ferry)\t%d\tpg_dump -Fc | pg_restore\t%d\n' "$label" "$f_rp_busy" "$h_dump"
printf 'pgdb %s: canonical checksum (ferry)\t%d\tCREATE DATABASE TEMPLATE, hand\t%d\n' "$label" "$f_sum" "$h_tpl"
