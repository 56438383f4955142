/* SPDX-License-Identifier: MIT */
/* local.h: what the local backend's files share (local.c: calls, local_ops.c:
 * operations). Private to them. */
#ifndef FERRY_CLI_LOCAL_H
#define FERRY_CLI_LOCAL_H

#include "backend.h"

struct local {
	struct cli_backend be;   /* first: the backend is the local */
	struct cli *cli;         /* its home (cli_ctx_open) */
};

/* The context of the home, opened on first use: NULL with the error in err. */
struct ferry_ctx *local_ctx(struct local *l, struct ferry_error *err);
/* A string member of args, NULL when absent. */
const char *local_str(const json_t *args, const char *key);

int local_run(struct cli_backend *be, const char *action, const json_t *args,
	      const struct ferry_op_hooks *hooks, json_t **op, struct ferry_error *err);
int local_schedule(struct cli_backend *be, const char *action, const json_t *args,
		   const char *at, json_t **out, struct ferry_error *err);

#endif
