/* SPDX-License-Identifier: MIT */
/* op_int.h: what op.c, op_run.c and op_lease.c share (not public API). */
#ifndef FERRY_LIB_OP_INT_H
#define FERRY_LIB_OP_INT_H

#include "ferry/ops/op.h"
#include "ferry/store/store.h"

#define OP_TOKEN_MAX 96

/* The lease functions take the context's settings (node_id, lease_ttl_ms). */
struct ferry_settings;
/* This process's lease identity: node, boot id and process start time. */
void op_lease_self(const struct ferry_settings *s, char token[OP_TOKEN_MAX]);
/* The lease ferry_op_takeover() leaves on what it took: this process's token plus
 * OP_TAKEN_SUFFIX, which only this process's claim accepts as its own (a lease of the
 * process itself is otherwise a runner at work: refused). */
#define OP_TAKEN_SUFFIX "#taken"
void op_lease_taken(const struct ferry_settings *s, char token[OP_TOKEN_MAX]);
/* 1 when process pid with lease token `token` still runs, else 0. A lease of
 * another node counts as alive: only ferry_op_takeover() takes it, after its expiry. */
int op_lease_alive(const struct ferry_settings *s, int64_t pid, const char *token);
/* Inside a transaction: 1 when a live runner holds op's lease right now (not a lease
 * ferry_op_takeover() took for this process, not a dead process's, not one whose
 * expiry passed on a store with heartbeats), 0 when none, or a negative code. */
int op_lease_held(struct ferry_ctx *ctx, const struct ferry_op *op, struct ferry_error *err);
/* This node's id (settings node_id, else the machine id) and the lease time to live
 * (settings lease_ttl_ms, default 30 s; the heartbeat renews it every third of that). */
void op_lease_node(const struct ferry_settings *s, char out[25]);
int64_t op_lease_ttl_ms(const struct ferry_settings *s);
/* Called inside the claim transaction with the loaded operation: check the
 * command's preconditions and adjust steps; non-zero refuses. */
typedef int (*op_claim_fn)(struct ferry_ctx *ctx, struct ferry_op *op, const void *arg,
			   struct ferry_error *err);
/* Claim the operation ref (check, when given, in the claim transaction), then run its
 * steps under a fresh lease until it ends, parks or fails (op_run.c). */
int op_claim_and_drive(struct ferry_ctx *ctx, const char *ref, op_claim_fn check,
		       const void *arg, const struct ferry_op_hooks *hooks,
		       struct ferry_error *err);
/* The end of a claim (op_run.c): committed and op handed over, or rolled back and tagged. */
int op_claim_finish(struct ferry_ctx *ctx, struct ferry_op *op, int rc, struct ferry_op **out,
		    struct ferry_error *err);
/* Renew the lease of operation op_id (held with fencing token `epoch`) on its own
 * store connection while the runner works; only on a PostgreSQL store (several
 * nodes). Each renewal tells the fence until when the lease is confirmed; a renewal
 * that finds a newer token trips the fence. The fence may ask it to renew at once
 * (before a fork). NULL when not needed or not possible. stop ends and frees it
 * (accepts NULL). */
struct op_fence;
struct op_heartbeat;
struct op_heartbeat *op_heartbeat_start(struct ferry_ctx *ctx, int64_t op_id, int64_t epoch,
					struct op_fence *fence);
void op_heartbeat_stop(struct op_heartbeat *hb);

/* op_fence.c: the processes of a step belong to its runner (see the file). A new
 * fence (NULL when memory cannot be mapped: nothing is then controlled) confirms the
 * lease forever until op_fence_lease() says until when (CLOCK_MONOTONIC ms,
 * op_fence_now()). enter/leave mark the calling thread as the runner. trip: the
 * runner was fenced: its children are killed and it may start none. */
struct op_fence *op_fence_new(void);
void op_fence_free(struct op_fence *f);
void op_fence_enter(struct op_fence *f);
void op_fence_leave(void);
void op_fence_confirm_with(struct op_fence *f, void (*fn)(void *arg, int64_t deadline), void *arg);
void op_fence_lease(struct op_fence *f, int64_t until);
int64_t op_fence_until(const struct op_fence *f);
int64_t op_fence_now(void);
void op_fence_trip(struct op_fence *f);
int op_fence_tripped(const struct op_fence *f);
/* The query every write transaction of a runner starts with (ferry_store_fence). */
#define OP_FENCE_SQL "SELECT 1 FROM operations WHERE id = ? AND lease_epoch = ? FOR UPDATE"

/* Load by row id inside or outside a transaction (no reaping). */
int op_load(struct ferry_ctx *ctx, int64_t id, struct ferry_op **out, struct ferry_error *err);
/* Move op to `to` in the caller's transaction: sets the row, clears the lease
 * unless running, sets ended_ms for terminal states, calls the kind's on_state. */
int op_transition(struct ferry_ctx *ctx, struct ferry_op *op, enum ferry_op_state to,
		  const char *error, const char *step, struct ferry_error *err);
/* Prefix err with "<kind> on '<env>' (activity <id>)" and set err->activity_id. */
int op_error_context(const struct ferry_op *op, struct ferry_error *err);


#endif
