/* op_int.h: what op.c, op_run.c and op_lease.c share (not public API). */
#ifndef FERRY_LIB_OP_INT_H
#define FERRY_LIB_OP_INT_H

#include "ferry/op.h"
#include "ferry/store.h"

#define OP_TOKEN_MAX 96

/* This process's lease identity: boot id and process start time. */
void op_lease_self(char token[OP_TOKEN_MAX]);
/* 1 when process pid with lease token `token` still runs, else 0. */
int op_lease_alive(int64_t pid, const char *token);

/* Load by row id inside or outside a transaction (no reaping). */
int op_load(struct ferry_ctx *ctx, int64_t id, struct ferry_op **out, struct ferry_error *err);
/* Move op to `to` in the caller's transaction: sets the row, clears the lease
 * unless running, sets ended_ms for terminal states, calls the kind's on_state. */
int op_transition(struct ferry_ctx *ctx, struct ferry_op *op, enum ferry_op_state to,
		  const char *error, const char *step, struct ferry_error *err);
/* Prefix err with "<kind> on '<env>' (activity <id>)" and set err->activity_id. */
int op_error_context(const struct ferry_op *op, struct ferry_error *err);

/* Operation kinds defined in lib/ (registered in op_kinds.c). */
extern const struct ferry_op_kind ferry_op_kind_selftest;
extern const struct ferry_op_kind ferry_op_kind_env_apply;
extern const struct ferry_op_kind ferry_op_kind_env_rollback;

#endif
