#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0332: SIGKILL of `ferry env apply` after each step's work, before it is recorded
# (FERRY_CRASH_AT=<step>:after), and inside the scripts step; then `ferry op resume`:
# state, release and database equal those of an uninterrupted run; rollback then gives
# the database back byte for byte.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"
: "${CRASH_POINTS:=fetch:after restore-point:after stop:after install:after scripts:fabrikam-tax-rules scripts:after start:after health-check:after dvt:after}"

crash_apply_suite
