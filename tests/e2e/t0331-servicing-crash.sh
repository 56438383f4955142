#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0331: SIGKILL of `ferry env apply` at every step boundary (FERRY_CRASH_AT=<step>, after
# the step is marked running and before its work), then `ferry op resume`: the final
# state, release and database equal those of an uninterrupted run; rollback then gives
# the database back byte for byte. t0332 does the same after each step's work.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"
: "${CRASH_POINTS:=fetch restore-point stop install install:built scripts start health-check dvt}"

crash_apply_suite
