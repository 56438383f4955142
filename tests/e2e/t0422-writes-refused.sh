#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0422: never silent. Writes that cannot be carried back (a table the data-upgrade
# package maps no way back, a table created since the upgrade) make the rollback refuse,
# naming the tables, and change nothing; --discard-writes goes on (with --yes when there
# is no terminal to ask on) after exporting them: the export file holds those rows, and
# what could be carried is carried.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
. "$FERRY_SRC/tests/e2e/t042-refused.inc"
test_done
