#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0424: automatic rollback by ferryd (SQLite environment databases). The project watches
# upgrades for 90 s after the data upgrade, a probe a second, 3 failures in a row roll
# back; a fault switch makes 8.1 unhealthy 3 s after it starts serving; ferryd rolls back
# on its own within the watch period, carrying the writes users made, and a real SMTP and
# webhook listener on 127.0.0.1 receive the reason and the plan executed. The plan, the
# writes and the settings through ferryd's routes; a manual commit ends a watch.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"
test_cleanup_hook='[ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait "$FERRYD_PID" 2>/dev/null; writes_cleanup'
WATCHER=ferryd
. "$FERRY_SRC/tests/e2e/t042-auto.inc"
test_done
