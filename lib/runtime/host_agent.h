/* SPDX-License-Identifier: MIT */
/* host_agent.h: what the agent's files share, lowest first: host_agent_io.c (paths,
 * streams), host_agent_check.c, host_agent_db.c and host_agent_ops.c (the operations),
 * host_agent.c (the loop). */
#ifndef FERRY_LIB_RUNTIME_HOST_AGENT_H
#define FERRY_LIB_RUNTIME_HOST_AGENT_H

#include "runtime/driver.h"
#include "runtime/host_int.h"

#include "ferry/base/buf.h"
#include "ferry/package/archive.h"
#include "ferry/store/ctx.h"

#include <limits.h>

struct agent {
	int in_fd, out_fd;
	char dir[PATH_MAX];         /* the host's ferry directory (hello) */
	struct ferry_ctx ctx;       /* settings and home (= dir); no store */
	struct ferry_runtime rt;    /* the runtime this session serves */
	int have_rt;
	struct ferry_intake_limits limits;
	struct ferry_buf in;        /* the frame of the request's stream being read */
	size_t in_off;
	int in_done;                /* the request's stream ended (or it has none) */
	int lost;                   /* ferry's side of the channel is gone */
};

typedef int (*agent_fn)(struct agent *a, const json_t *req, json_t **ans,
			struct ferry_error *err);

struct agent_op {
	const char *name;
	agent_fn fn;
	int needs_rt;               /* the request names its runtime ("rt") */
};

/* host_agent_ops.c: every operation, NULL-name terminated. */
extern const struct agent_op agent_ops[];

/* host_agent_io.c */
/* path lies strictly under <dir>/<sub>/ with safe components only. */
int agent_under(const struct agent *a, const char *path, const char *sub);
int agent_rel_ok(const char *rel);
/* "<dir>/tmp/<what>-<uuid>" into out (FERRY_EINVAL when it does not fit). */
int agent_tmp_path(const struct agent *a, const char *what, char out[PATH_MAX],
		   struct ferry_error *err);
/* A SQLite database of a runtime on this host. */
int agent_conn_ok(const struct agent *a, const char *conn);
/* The request's stream, and data frames of the answer. */
void agent_in_src(struct agent *a, struct host_src *src);
void agent_out_sink(struct agent *a, struct host_sink *sink);
int agent_send(struct agent *a, const void *data, size_t len, struct ferry_error *err);

/* host_agent.c */
void agent_release(struct agent *a);

/* host_agent_db.c: the SQLite databases of runtimes on this host ("db"). */
int agent_db(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err);

/* host_agent_check.c: what `ferry host check` asks the host. */
int agent_check(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err);

#endif
