#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0421: t0420 with every environment database on PostgreSQL (FERRY_ENV_DB): the writes
# captured by primary-key comparison against the baseline database, the plan a dry run in
# the restore point database, the carry in one PostgreSQL transaction; the same plan, the
# same carried rows, the rest equal to the restore point.
WRITES_PG=1
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
. "$FERRY_SRC/tests/e2e/t042-carry.inc"
test_done
