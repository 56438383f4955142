#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0425: automatic rollback by a CLI run (`ferry upgrade data` watches after the data
# upgrade), every environment database on PostgreSQL: the same fault, the same rollback
# on its own carrying the writes, the same notifications to real listeners.
WRITES_PG=1
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
WATCHER=cli
. "$FERRY_SRC/tests/e2e/t042-auto.inc"
test_done
