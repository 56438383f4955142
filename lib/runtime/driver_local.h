/* SPDX-License-Identifier: MIT */
/* driver_local.h: what the files of the local driver share (driver_local*.c). The
 * table itself is rt_driver_local in driver_local.c. Lowest first:
 *   driver_local_release.c  release trees
 *   driver_local_proc.c     the supervised service: spawn, records, stop, adopt
 *   driver_local_exec.c     one-shot commands (package scripts, DVT)
 *   driver_local.c          the table, the lock, files, the log, the database */
#ifndef FERRY_LIB_RUNTIME_DRIVER_LOCAL_H
#define FERRY_LIB_RUNTIME_DRIVER_LOCAL_H

#include "runtime/driver.h"
#include "runtime/sandbox.h"

#include <sys/types.h>

/* ---- driver_local_release.c ---- */
int rt_local_release_install(struct ferry_runtime *rt, const char *src_dir,
			     char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
int rt_local_release_overlay(struct ferry_runtime *rt, const char *pkg_dir,
			     char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
int rt_local_release_switch(struct ferry_runtime *rt, const char *id, struct ferry_error *err);
int rt_local_release_current(struct ferry_runtime *rt, char out[FERRY_RELEASE_ID_MAX]);
int rt_local_release_list(struct ferry_runtime *rt, json_t **out, struct ferry_error *err);
int rt_local_release_prune(struct ferry_runtime *rt, int keep, struct ferry_error *err);
int rt_local_release_manifest(struct ferry_runtime *rt, const char *id, json_t **out,
			      struct ferry_error *err);

/* ---- driver_local_proc.c ---- */
int rt_local_reconcile(struct ferry_runtime *rt, struct ferry_runtime_status *st,
		       struct ferry_error *err);
int rt_local_start(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err);
int rt_local_await(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err);
int rt_local_stop(struct ferry_runtime *rt, int grace_s, int *killed, struct ferry_error *err);
void rt_local_status(struct ferry_runtime *rt, struct ferry_runtime_status *st);
/* In a forked child (async-signal-safe only): default signals, stdin /dev/null,
 * stdout and stderr to outfd, the sandbox l prepared (its environment, working
 * directory, limits, user, view, Landlock), exec; on failure {stage, errno} to
 * errpipe (rt_local_child_error reads it), _exit. */
void rt_local_child_exec(const struct rt_sb_local *l, int outfd, int errpipe)
	__attribute__((noreturn));
/* Read what rt_local_child_exec wrote to errpipe: 0 when it ran, else the error. */
int rt_local_child_error(int fd, const char *what, struct ferry_error *err);

/* ---- driver_local_exec.c ---- */
int rt_local_exec(struct ferry_runtime *rt, char *const *argv, const struct rt_sandbox *sb,
		  int timeout_s, struct ferry_buf *out, struct ferry_error *err);

#endif
