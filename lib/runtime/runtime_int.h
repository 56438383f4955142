/* runtime_int.h: what the runtime_*.c files share (not part of libferry's API). */
#ifndef FERRY_LIB_RUNTIME_INT_H
#define FERRY_LIB_RUNTIME_INT_H

#include "ferry/project/env.h"
#include "ferry/runtime/runtime.h"

#include <sys/types.h>

struct ferry_runtime {
	struct ferry_ctx *ctx;
	struct ferry_env env;
	int64_t id;
	char slot[32];
	char *dir;
	char *db_conn;
	int port;
};

/* runtime.c */
/* ferry_runtime_open() with the database choice of a new runtime (ferry_deploy_opts.db). */
int rt_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
	    const char *db_base, struct ferry_runtime **out, struct ferry_error *err);
int rt_lock(struct ferry_runtime *rt, int *fd, struct ferry_error *err);
void rt_unlock(int fd);
/* Append one "ferry: ..." line to logs/app.log (best effort). */
void rt_log(struct ferry_runtime *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* runtime_proc.c */
/* Alive and the same process (start ticks match)? */
int rt_proc_alive(pid_t pid, unsigned long long start);
int rt_proc_start_ticks(pid_t pid, unsigned long long *out);
/* ferry_runtime_stop with the runtime lock already held. */
int rt_stop_locked(struct ferry_runtime *rt, int grace_s, int *killed, struct ferry_error *err);
/* ferry_runtime_start with the runtime lock already held. */
int rt_start_locked(struct ferry_runtime *rt, int timeout_s, int *already, struct ferry_error *err);

#endif
