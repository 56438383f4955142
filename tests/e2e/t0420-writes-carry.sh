#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0420: a rollback keeps the writes (SQLite environment databases; t0421 is the same on
# PostgreSQL). After the data upgrade to 8.1 users create customers, invoices and
# postings through the ledger's HTTP API (and change a customer and a tax code); the
# plan lists exactly those rows and what happens to each; the rollback carries them back
# into 7.3's schema (a customer's first and last names one name again, a tax code dropped
# with a note, an invoice in euros a conflict, a posting line's id taken by a 7.3 zero
# line moved), and the rest of the database equals the restore point: the canonical
# dump minus the carried rows. What was found is kept with the operation and exported.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
. "$FERRY_SRC/tests/e2e/t042-carry.inc"
test_done
