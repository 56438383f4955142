#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0427: t0426 with every environment database on PostgreSQL: SIGKILL inside the carry-back
# (a random row, before and after its commit, an outside kill at a random instant), then
# resume: the writes carried exactly once in one PostgreSQL transaction.
WRITES_PG=1
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
BULK=1500 CARRY_MS=900 OUTSIDE=1
. "$FERRY_SRC/tests/e2e/t042-crash.inc"
test_done
