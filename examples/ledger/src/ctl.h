/* SPDX-License-Identifier: MIT */
/* ctl.h: the ledgerctl sub-commands, one file each. Each returns the process exit code
 * (0 ok, 1 failed, 2 usage) and prints its own errors. */
#ifndef LEDGER_CTL_H
#define LEDGER_CTL_H

#include "ledger.h"

int ctl_check(int argc, char **argv);
int ctl_sql(int argc, char **argv);
int ctl_scrub_status(int argc, char **argv);
int ctl_config_sync(int argc, char **argv);
int ctl_dvt(int argc, char **argv);
int ctl_generate(int argc, char **argv);
int ctl_dump(int argc, char **argv);

/* Print "ledgerctl: error: ..." and return 1. */
int ctl_fail(const struct lerr *e);
/* Print a usage error and return 2. */
int ctl_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
