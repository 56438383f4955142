/* SPDX-License-Identifier: MIT */
/* op_resume.c: resume, rerun-step and complete-step: the checks each makes in the claim
 * transaction before the runner (op_run.c) drives the operation on; and which actions
 * an operation allows now (what the UI and `op show` offer). */
#include "ops/op_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

/* ---- resume, rerun-step, complete-step ---------------------------------- */

static int check_resume(struct ferry_ctx *ctx, struct ferry_op *op, const void *arg,
			struct ferry_error *err)
{
	(void)ctx;
	(void)arg;
	if (op->state == FERRY_OP_AWAITING_CONFIRM || op->state == FERRY_OP_AWAITING_SIGNOFF)
		return ferry_error_set(err, FERRY_ESTATE,
			"operation %s is %s at manual step '%s': confirm it with 'ferry op complete-step %.8s %s'%s",
			op->activity_id, ferry_op_state_name(op->state), op->step, op->activity_id,
			op->step, op->state == FERRY_OP_AWAITING_SIGNOFF && op->env[0] ?
			" (or sign off the environment)" : "");
	return 0;
}

int ferry_op_resume(struct ferry_ctx *ctx, const char *ref, const struct ferry_op_hooks *hooks,
		    struct ferry_error *err)
{
	return op_claim_and_drive(ctx, ref, check_resume, NULL, hooks, err);
}

/* The step row's state and manual flag; ENOTFOUND names the steps. */
static int step_lookup(struct ferry_ctx *ctx, const struct ferry_op *op, const char *name,
		       enum ferry_step_state *state, int *manual, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT state, manual FROM operation_steps WHERE op_id = ? AND name = ?", "it",
		op->id, name);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1) {
		*state = FERRY_STEP_PENDING;
		ferry_step_state_parse(ferry_stmt_text(st, 0), state);
		*manual = (int)ferry_stmt_int(st, 1);
	}
	ferry_stmt_free(st);
	if (rc == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"operation %s has no step '%s': see 'ferry op show %.8s'", op->activity_id,
			name, op->activity_id);
	return rc < 0 ? rc : 0;
}

static int check_rerun(struct ferry_ctx *ctx, struct ferry_op *op, const void *arg,
		       struct ferry_error *err)
{
	const char *step = arg;
	enum ferry_step_state st;
	int manual, rc;

	if ((rc = step_lookup(ctx, op, step, &st, &manual, err)))
		return rc;
	if (st == FERRY_STEP_PENDING)
		return ferry_error_set(err, FERRY_ESTATE,
			"step '%s' of operation %s has not run yet: use 'ferry op resume %.8s'",
			step, op->activity_id, op->activity_id);
	return ferry_store_run(ctx->store, err,
		"UPDATE operation_steps SET state = 'pending', confirmed_ms = NULL, "
		"confirmed_by = NULL WHERE op_id = ? AND name = ?", "it", op->id, step);
}

int ferry_op_rerun_step(struct ferry_ctx *ctx, const char *ref, const char *step,
			const struct ferry_op_hooks *hooks, struct ferry_error *err)
{
	return op_claim_and_drive(ctx, ref, check_rerun, step, hooks, err);
}

static int check_complete(struct ferry_ctx *ctx, struct ferry_op *op, const void *arg,
			  struct ferry_error *err)
{
	const char *step = arg;
	enum ferry_step_state st;
	int manual, rc;

	if ((rc = step_lookup(ctx, op, step, &st, &manual, err)))
		return rc;
	if (!manual)
		return ferry_error_set(err, FERRY_EINVAL,
			"step '%s' of %s is not a manual step: ferry runs it itself ('ferry op resume' or 'ferry op rerun-step')",
			step, op->kind);
	if (st != FERRY_STEP_PENDING)
		return ferry_error_set(err, FERRY_ESTATE,
			"manual step '%s' of operation %s was already confirmed (it is %s)%s",
			step, op->activity_id, ferry_step_state_name(st),
			st == FERRY_STEP_FAILED || st == FERRY_STEP_INTERRUPTED ?
			": use 'ferry op resume'" : "");
	if (strcmp(op->step, step))
		return ferry_error_set(err, FERRY_ESTATE,
			"operation %s has not reached step '%s' yet: it is %s at step '%s'",
			op->activity_id, step, ferry_op_state_name(op->state), op->step);
	return ferry_store_run(ctx->store, err,
		"UPDATE operation_steps SET confirmed_ms = ?, confirmed_by = ? "
		"WHERE op_id = ? AND name = ?", "itit", ferry_now_ms(),
		ctx->actor ? ctx->actor : "", op->id, step);
}

int ferry_op_complete_step(struct ferry_ctx *ctx, const char *ref, const char *step,
			   const struct ferry_op_hooks *hooks, struct ferry_error *err)
{
	return op_claim_and_drive(ctx, ref, check_complete, step, hooks, err);
}


json_t *ferry_op_actions(struct ferry_ctx *ctx, const struct ferry_op *op)
{
	enum ferry_op_state st = op->state;
	json_t *out = json_array();

	if (st == FERRY_OP_FAILED || st == FERRY_OP_INTERRUPTED || st == FERRY_OP_PENDING)
		json_array_append_new(out, json_string("resume"));
	if (!ferry_op_state_terminal(st) && st != FERRY_OP_RUNNING)
		json_array_append_new(out, json_string("rerun-step"));
	if (st == FERRY_OP_AWAITING_CONFIRM || st == FERRY_OP_AWAITING_SIGNOFF)
		json_array_append_new(out, json_string("complete-step"));
	if (!ferry_op_abort_check(ctx, op, NULL))
		json_array_append_new(out, json_string("abort"));
	return out;
}
