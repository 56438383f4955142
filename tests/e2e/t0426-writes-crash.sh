#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0426: the carry-back is crash-safe (SQLite environment databases): SIGKILL inside it (at
# a row picked at random, before its commit, after it, and from outside at a random
# instant), then resume: the writes carried exactly once, the rest the restore point.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
BULK=3000 CARRY_MS=400 OUTSIDE=2
. "$FERRY_SRC/tests/e2e/t042-crash.inc"
test_done
