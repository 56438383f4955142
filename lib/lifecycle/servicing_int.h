/* SPDX-License-Identifier: MIT */
/* servicing_int.h: what servicing.c, servicing_apply.c and servicing_rollback.c share. */
#ifndef FERRY_LIB_SERVICING_INT_H
#define FERRY_LIB_SERVICING_INT_H

#include "ferry/ops/op.h"
#include "ferry/lifecycle/servicing.h"

#include <jansson.h>

struct ferry_runtime;
struct ferry_buf;

/* The runtime slot an operation works on (params.slot, default main). */
const char *svc_slot(const struct ferry_op *op);
/* 1 when the operation services the environment's main runtime. */
int svc_main_slot(const struct ferry_op *op);
/* Open the operation's runtime (must exist). */
int svc_runtime(struct ferry_op_run *run, struct ferry_runtime **rt, struct ferry_error *err);
/* "<home>/work/<activity>" (caller frees); NULL on ENOMEM. */
char *svc_work_dir(struct ferry_ctx *ctx, const char *activity);
/* Run the SQL file `path` on the runtime's database in one transaction. */
int svc_run_sql(struct ferry_runtime *rt, const char *path, struct ferry_error *err);
/* GET url; body (NUL-terminated, truncated to cap) and HTTP status. 0 or FERRY_EIO. */
int svc_http_get(const char *url, char *body, size_t cap, long *status, struct ferry_error *err);
/* Set an environment's state for an operation on its main slot (in the caller's tx). */
int svc_env_state(struct ferry_op_run *run, int state, struct ferry_error *err);

extern const struct ferry_op_kind ferry_op_kind_env_apply;
extern const struct ferry_op_kind ferry_op_kind_env_rollback;

#endif
