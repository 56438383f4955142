#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0423: t0422 with every environment database on PostgreSQL: writes that cannot be
# carried back (no reverse mapping for a table; a table created since the upgrade, found
# by comparing both databases' catalogues) refuse the rollback, naming the tables;
# --discard-writes exports them and goes on.
WRITES_PG=1
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
. "$FERRY_SRC/tests/e2e/t042-refused.inc"
test_done
