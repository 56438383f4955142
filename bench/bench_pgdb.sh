#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_pgdb.sh: an environment database on PostgreSQL (1 GiB; QUICK=1: 48 MiB; SMOKE=1: 12 MiB): ferry's
# restore point and restore against the same copies done by hand: CREATE DATABASE ...
# TEMPLATE (restore: DROP of a live copy of the same size and state, then CREATE ...
# TEMPLATE, with the default strategy and with FILE_COPY as ferry uses for a restore), and
# pg_dump -Fc | pg_restore. The template rows run RUNS_PGDB rounds (5; SMOKE 1),
# ferry and the reference alternating who goes first, each after a CHECKPOINT, and report
# median/min/max; the dump/restore, in-use and checksum rows run once.
# Data: `ledgerctl generate --bytes` (the ledger's realistic rows, on PostgreSQL), then
# doubled in SQL with shifted ids until the database has the size (generating 1 GiB
# row by row through the application takes hours; the copy cost depends on bytes only).
# Rows: bench/lib.sh's format (template rows) and name, ferry_ms, reference, ref_ms (bench/run.sh).
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

timed() {  # CMD...: its wall time in ms; a failed command fails the bench, naming it
  local t0; t0=$(now_ms)
  "$@" >/dev/null || { echo "bench: '$*' failed" >&2; return 1; }
  echo $(( $(now_ms) - t0 ))
}
dump_restore() {  # SRC DST: pg_dump -Fc SRC | pg_restore into a new DST
  createdb -T template0 "$2" && pg_dump -Fc --no-owner -d "$1" | pg_restore --no-owner --exit-on-error -d "$2"
}
# stats V...: "median min max"
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'; }
row() {  # NAME "FERRY MS..." REFERENCE "REF MS...": bench/lib.sh's row format
  local f r n; f=$(stats $2); r=$(stats $4); n=$(wc -w <<<"$2")
  printf '%s\tms\t%s\t%s\t%s\t%s\n' "$1" "${f// /$'\t'}" "$3" "${r// /$'\t'}" "$n"
}
# Every timed copy starts from the same server state: a CHECKPOINT first, so neither side
# pays for buffers the other (or the data generation) left dirty; fsync is off on this
# throwaway server, so it costs writes to the page cache only.
settle() { q postgres "CHECKPOINT" >/dev/null; }
# Strategies (PostgreSQL 15): a new restore point is a copy with CREATE DATABASE's default
# (WAL_LOG) on both sides; a restore replaces a database: ferry uses FILE_COPY there, the
# hand restore is timed with the default and with FILE_COPY (two reference rows).
echo "bench_pgdb: PostgreSQL $(q postgres "SHOW server_version"); restore point: default CREATE DATABASE strategy on both sides; restore: ferry STRATEGY FILE_COPY, hand both" >&2

# Restore point of an idle database, RUNS_PGDB rounds, ferry and the reference alternating who
# goes first: ferry (template copy: no checksum, verified by construction) vs by hand. Each
# round makes new ones (nothing is replaced in the timed part); the first of each is kept
# for the restores, the others removed untimed.
RUNS=${RUNS_PGDB:-5}
[ "${SMOKE:-0}" = 1 ] && RUNS=1
f_rp=() h_tpl=()
for r in $(seq 1 "$RUNS"); do
  settle
  if [ $((r % 2)) = 1 ]; then
    f_rp+=("$(timed ferry env db e restore-point rp$r)"); settle
    h_tpl+=("$(timed createdb -T $db hand_tpl$r)")
  else
    h_tpl+=("$(timed createdb -T $db hand_tpl$r)"); settle
    f_rp+=("$(timed ferry env db e restore-point rp$r)")
  fi
  if [ "$r" -gt 1 ]; then ferry env db e rm-restore-point rp$r >/dev/null; dropdb hand_tpl$r; fi
done
echo "bench_pgdb: restore point: ferry ${f_rp[*]} ms, createdb -T ${h_tpl[*]} ms" >&2
h_dump=$(timed dump_restore $db hand_dump)
# The verification alone: one canonical checksum of the database.
f_sum=$(timed ferry env db e checksum)
# Restore, RUNS_PGDB rounds: the live database changed (a tenth of the posting lines deleted),
# then ferry (template copy of the restore point under a temporary name, renamed in, the
# replaced database dropped) vs by hand (DROP of a live copy changed the same way, then
# CREATE ... TEMPLATE of the hand-made restore point). Both drop a database of the same size
# and state: DROP DATABASE is a forced checkpoint plus the removal of its files. A copy that
# replaces a database is made by ferry with STRATEGY FILE_COPY (docs/SCALE.md); the hand
# restore runs twice, with createdb's default strategy and with FILE_COPY, the three
# rotating who goes first.
createdb -T hand_tpl1 hand_tpl_live
createdb -T hand_tpl1 hand_fc_live
f_rs=() h_rs_tpl=() h_rs_fc=()
rs_ferry() { f_rs+=("$(timed ferry env db e restore rp1)"); }
rs_hand() { h_rs_tpl+=("$(timed bash -c "dropdb --force hand_tpl_live && createdb -T hand_tpl1 hand_tpl_live")"); }
rs_hand_fc() { h_rs_fc+=("$(timed bash -c "dropdb --force hand_fc_live && createdb -S file_copy -T hand_tpl1 hand_fc_live")"); }
for r in $(seq 1 "$RUNS"); do
  for d in $db hand_tpl_live hand_fc_live; do
    q $d "DELETE FROM posting_lines WHERE id % 10 = $((r % 10))" >/dev/null
  done
  case $((r % 3)) in
    1) order="rs_ferry rs_hand rs_hand_fc" ;;
    2) order="rs_hand rs_hand_fc rs_ferry" ;;
    0) order="rs_hand_fc rs_ferry rs_hand" ;;
  esac
  for f in $order; do settle; $f; done
done
echo "bench_pgdb: restore: ferry ${f_rs[*]} ms, dropdb + createdb -T ${h_rs_tpl[*]} ms, the same with -S file_copy ${h_rs_fc[*]} ms" >&2
h_rs_dump=$(timed dump_restore hand_dump hand_dump_live)
# Restore point while the database is in use (a session open): ferry falls back to
# pg_dump | pg_restore in an exported snapshot, plus the checksums.
coproc BUSY { psql -X -q -d $db; }
echo "SELECT 1;" >&"${BUSY[1]}"
sleep 0.5
f_rp_busy=$(timed ferry env db e restore-point rp2)
kill "$BUSY_PID" 2>/dev/null || true

med() { stats "$@" | awk '{ printf "%d", $1 }'; }
row "pgdb $label: restore point (ferry, verified)" "${f_rp[*]}" "CREATE DATABASE TEMPLATE, hand" "${h_tpl[*]}"
printf 'pgdb %s: restore point (ferry, verified)\t%d\tpg_dump -Fc | pg_restore\t%d\n' "$label" "$(med "${f_rp[@]}")" "$h_dump"
row "pgdb $label: restore (ferry, verified)" "${f_rs[*]}" "DROP + CREATE ... TEMPLATE, hand" "${h_rs_tpl[*]}"
row "pgdb $label: restore (ferry, verified)" "${f_rs[*]}" "DROP + CREATE ... TEMPLATE STRATEGY FILE_COPY, hand" "${h_rs_fc[*]}"
printf 'pgdb %s: restore (ferry, verified)\t%d\tpg_dump -Fc | pg_restore\t%d\n' "$label" "$(med "${f_rs[@]}")" "$h_rs_dump"
printf 'pgdb %s: restore point in use (ferry)\t%d\tpg_dump -Fc | pg_restore\t%d\n' "$label" "$f_rp_busy" "$h_dump"
printf 'pgdb %s: canonical checksum (ferry)\t%d\tCREATE DATABASE TEMPLATE, hand\t%d\n' "$label" "$f_sum" "$(med "${h_tpl[@]}")"
