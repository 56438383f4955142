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
/* This node's id (settings node_id, else the machine id) and the lease time to live
 * (settings lease_ttl_ms, default 30 s; the heartbeat renews it every third of that). */
void op_lease_node(const struct ferry_settings *s, char out[25]);
int64_t op_lease_ttl_ms(const struct ferry_settings *s);
/* Renew the lease of operation op_id (held with token) on its own store connection
 * while the runner works; only on a PostgreSQL store (several nodes). NULL when not
 * needed or not possible. stop ends and frees it (accepts NULL). */
struct op_heartbeat;
struct op_heartbeat *op_heartbeat_start(struct ferry_ctx *ctx, int64_t op_id, const char *token);
void op_heartbeat_stop(struct op_heartbeat *hb);

/* Load by row id inside or outside a transaction (no reaping). */
int op_load(struct ferry_ctx *ctx, int64_t id, struct ferry_op **out, struct ferry_error *err);
/* Move op to `to` in the caller's transaction: sets the row, clears the lease
 * unless running, sets ended_ms for terminal states, calls the kind's on_state. */
int op_transition(struct ferry_ctx *ctx, struct ferry_op *op, enum ferry_op_state to,
		  const char *error, const char *step, struct ferry_error *err);
/* Prefix err with "<kind> on '<env>' (activity <id>)" and set err->activity_id. */
int op_error_context(const struct ferry_op *op, struct ferry_error *err);


#endif
