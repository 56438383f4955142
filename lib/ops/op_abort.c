/* SPDX-License-Identifier: MIT */
/* op_abort.c: `op abort`: take the operation from whoever ran it last (a new
 * fencing token), run its kind's clean-up, and end it as aborted. */
#include "ops/op_int.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ferry_op_abort_check(struct ferry_ctx *ctx, const struct ferry_op *op, struct ferry_error *err)
{
	const struct ferry_op_kind *k = ferry_op_kind_find(ctx, op->kind);
	int rc;

	if (ferry_op_state_terminal(op->state))
		return ferry_error_set(err, FERRY_ESTATE, "operation %s (%s) has already ended (%s)",
				       op->activity_id, op->kind, ferry_op_state_name(op->state));
	if ((rc = op_lease_held(ctx, op, err)) < 0)
		return rc;
	if (rc == 1)
		return ferry_error_set(err, FERRY_ESTATE,
			"operation %s is being run by process %lld right now: it can be aborted once it stops",
			op->activity_id, (long long)op->lease_pid);
	if (!k || !k->abort)
		return ferry_error_set(err, FERRY_EREFUSED,
			"operations of kind '%s' cannot be aborted: resume it%s", op->kind,
			!strncmp(op->kind, "env.", 4) ? ", or roll the environment back" : "");
	return 0;
}

static int abort_claim(struct ferry_ctx *ctx, const char *ref, struct ferry_op **out,
		       struct ferry_error *err)
{
	char token[OP_TOKEN_MAX], node[25];
	struct ferry_op *op = NULL;
	int rc;

	op_lease_self(&ctx->settings, token);
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_op_find(ctx, ref, &op, err)) || (rc = ferry_op_abort_check(ctx, op, err)))
		goto fail;
	op_lease_node(&ctx->settings, node);
	rc = ferry_store_run(ctx->store, err,  /* a new fencing token: a stale runner writes nothing */
		"UPDATE operations SET lease_pid = ?, lease_token = ?, lease_node = ?, lease_until_ms = ?, "
		"lease_job = 0, lease_epoch = lease_epoch + 1 WHERE id = ?", "ittii",
		(int64_t)getpid(), token, node, ferry_now_ms() + op_lease_ttl_ms(&ctx->settings), op->id);
fail:
	return op_claim_finish(ctx, op, rc, out, err);
}

int ferry_op_abort(struct ferry_ctx *ctx, const char *ref, struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	struct ferry_error aerr;
	struct ferry_op_run run;
	char msg[160];
	int rc, arc;

	if ((rc = abort_claim(ctx, ref, &op, err)))
		return rc;
	run = (struct ferry_op_run){ ctx, op, op->step, 0, NULL };
	ferry_error_clear(&aerr);
	arc = ferry_op_kind_find(ctx, op->kind)->abort(&run, &aerr);
	if (ferry_store_in_tx(ctx->store))
		ferry_store_rollback(ctx->store);
	if (arc) {
		/* release the lease; the operation stays as it was */
		ferry_store_run(ctx->store, NULL,
			"UPDATE operations SET lease_pid = NULL, lease_token = NULL, lease_until_ms = NULL "
			"WHERE id = ?", "i", op->id);
		if (err)
			*err = aerr;
		if (err)
			ferry_error_prefix(err, "cannot abort");
		rc = arc;
		goto out;
	}
	if ((rc = ferry_store_begin(ctx->store, err)))
		goto out;
	snprintf(msg, sizeof(msg), "aborted by %s", ctx->actor && *ctx->actor ? ctx->actor : "an operator");
	rc = ferry_store_run(ctx->store, err,
		"UPDATE operation_steps SET state = 'interrupted' WHERE op_id = ? AND state = 'running'",
		"i", op->id);
	if (!rc)
		rc = op_transition(ctx, op, FERRY_OP_ABORTED, msg, NULL, err);
	if (rc)
		ferry_store_rollback(ctx->store);
	else
		rc = ferry_store_commit(ctx->store, err);
out:
	if (rc && err && !err->activity_id[0])
		op_error_context(op, err);
	ferry_op_free(op);
	return rc;
}
