/* SPDX-License-Identifier: MIT */
/* op_run.c: the runner: takes an operation's lease (a new fencing token), runs its
 * steps in order with one transaction before and one after each step, parks at manual
 * steps, rides out a store that is briefly away (op_retry.c), stops when another runner
 * took its lease (resume, rerun-step and complete-step: op_resume.c). What the steps
 * call (log, progress, results) is op_steplog.c. */
#include "ops/op_run_int.h"

#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The crash-injection test hook (settings crash_at, FERRY_CRASH_AT): SIGKILL at the
 * named step boundary; "<point>=stop": SIGSTOP there instead (the test looks at what the
 * process left running, then sends SIGCONT). Only test builds (FERRY_TEST_HOOKS,
 * `make SAN=1`) obey it. */
static void crash_if(const struct ferry_ctx *ctx, const char *step, const char *label)
{
#ifdef FERRY_TEST_HOOKS
	const char *want = ctx->settings.crash_at;
	char here[160];
	size_t n;

	if (!want || !*want)
		return;
	n = (size_t)snprintf(here, sizeof(here), "%s%s%s", step, label ? ":" : "",
			     label ? label : "");
	if (!strcmp(want, here))
		kill(getpid(), SIGKILL);
	else if (!strncmp(want, here, n) && !strcmp(want + n, "=stop"))
		kill(getpid(), SIGSTOP);
#else
	(void)ctx;
	(void)step;
	(void)label;
#endif
}

void ferry_op_crashpoint(struct ferry_op_run *run, const char *label)
{
	crash_if(run->ctx, run->step, label);
}

/* ---- claiming ------------------------------------------------------------ */

/* Take the lease with a new fencing token; *out is the operation as claimed (its
 * lease_epoch the token). */
static int claim(struct ferry_ctx *ctx, const char *ref, op_claim_fn check, const void *arg,
		 const struct ferry_op_hooks *hooks, struct ferry_op **out, struct ferry_error *err)
{
	char token[OP_TOKEN_MAX], node[25];
	struct ferry_op *op = NULL;
	struct ferry_stmt *st;
	int rc;

	*out = NULL;
	op_lease_self(&ctx->settings, token);
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_op_find(ctx, ref, &op, err)))
		goto fail;
	if ((rc = op_lease_held(ctx, op, err)) < 0)
		goto fail;
	if (rc == 1) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"operation %s (%s) is being run by process %lld right now: wait for it ('ferry op show %.8s')",
			op->activity_id, op->kind, (long long)op->lease_pid, op->activity_id);
		goto fail;
	}
	if (ferry_op_state_terminal(op->state)) {
		rc = ferry_error_set(err, FERRY_ESTATE, "operation %s (%s) has ended (%s): nothing to run",
				     op->activity_id, op->kind, ferry_op_state_name(op->state));
		goto fail;
	}
	if (op->state == FERRY_OP_RUNNING) {  /* its runner died or lost its lease: interrupted */
		rc = ferry_store_run(ctx->store, err,
			"UPDATE operation_steps SET state = 'interrupted' WHERE op_id = ? AND state = 'running'",
			"i", op->id);
		if (rc || (rc = op_transition(ctx, op, FERRY_OP_INTERRUPTED,
				"interrupted: the process running it died", NULL, err)))
			goto fail;
	}
	if (check && (rc = check(ctx, op, arg, err)))
		goto fail;
	op_lease_node(&ctx->settings, node);
	rc = ferry_store_run(ctx->store, err,
		"UPDATE operations SET lease_pid = ?, lease_token = ?, lease_node = ?, lease_until_ms = ?, "
		"lease_epoch = lease_epoch + 1, lease_job = ?, started_ms = COALESCE(started_ms, ?) "
		"WHERE id = ?", "ittidii", (int64_t)getpid(), token, node,
		ferry_now_ms() + op_lease_ttl_ms(&ctx->settings), hooks && hooks->job ? 1 : 0,
		ferry_now_ms(), op->id);
	if (rc || (rc = op_transition(ctx, op, FERRY_OP_RUNNING, NULL, NULL, err)))
		goto fail;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT lease_epoch FROM operations WHERE id = ?", "i", op->id)))
		goto fail;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		op->lease_epoch = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	rc = rc < 0 ? rc : 0;
fail:
	return op_claim_finish(ctx, op, rc, out, err);
}

/* The end of a claim (a run, an abort): with rc 0 the transaction is committed and op
 * handed to *out; else it is rolled back, the error tagged with the operation and op
 * freed. Returns rc, or the commit's failure. */
int op_claim_finish(struct ferry_ctx *ctx, struct ferry_op *op, int rc, struct ferry_op **out,
		    struct ferry_error *err)
{
	if (rc)
		ferry_store_rollback(ctx->store);
	else if ((rc = ferry_store_commit(ctx->store, err)) == 0) {
		*out = op;
		return 0;
	}
	if (op && err) /* refusals name the operation already: just tag them */
		snprintf(err->activity_id, sizeof(err->activity_id), "%s", op->activity_id);
	ferry_op_free(op);
	return rc;
}

/* ---- running steps ------------------------------------------------------- */

struct next_step {
	int seq;
	char name[64];
	enum ferry_step_state state;
	int manual;
	int attempts;
	int confirmed;
};

/* 1 and *ns when a step is left, 0 when all are done. */
static int next_step(struct ferry_ctx *ctx, int64_t op_id, struct next_step *ns,
		     int *count, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT seq, name, state, manual, attempts, COALESCE(confirmed_ms, 0), "
		"(SELECT COUNT(*) FROM operation_steps c WHERE c.op_id = s.op_id) "
		"FROM operation_steps s WHERE op_id = ? AND state NOT IN ('succeeded', 'skipped') "
		"ORDER BY seq LIMIT 1", "i", op_id);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1) {
		enum ferry_step_state s = FERRY_STEP_PENDING;
		ns->seq = (int)ferry_stmt_int(st, 0);
		snprintf(ns->name, sizeof(ns->name), "%s", ferry_stmt_text(st, 1));
		ferry_step_state_parse(ferry_stmt_text(st, 2), &s);
		ns->state = s;
		ns->manual = (int)ferry_stmt_int(st, 3);
		ns->attempts = (int)ferry_stmt_int(st, 4);
		ns->confirmed = ferry_stmt_int(st, 5) != 0;
		*count = (int)ferry_stmt_int(st, 6);
	}
	ferry_stmt_free(st);
	return rc;
}

static const struct ferry_op_step_def *step_def(const struct ferry_op_kind *k, const char *name)
{
	const struct ferry_op_step_def *d;

	for (d = k->steps; d->name; d++)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* One transaction: move op to `to` (with message), commit. */
static int move_tx(struct ferry_ctx *ctx, struct ferry_op *op, enum ferry_op_state to,
		   const char *msg, struct ferry_error *err)
{
	int rc = ferry_store_begin(ctx->store, err);

	if (rc)
		return rc;
	/* stopped between steps: a step chained to the last one's outcome never ran */
	if ((to == FERRY_OP_INTERRUPTED && (rc = ferry_store_run(ctx->store, err,
			"UPDATE operation_steps SET state = 'interrupted' WHERE op_id = ? AND "
			"state = 'running'", "i", op->id))) ||
	    (rc = op_transition(ctx, op, to, msg, NULL, err))) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	return ferry_store_commit(ctx->store, err);
}

static int op_move(struct ferry_op_run *run, enum ferry_op_state to, const char *msg,
		   struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	int64_t since = 0;
	int rc;

	while ((rc = move_tx(run->ctx, (struct ferry_op *)run->op, to, msg, err)) &&
	       op_run_again(run->ctx, p->hooks, rc, &since))
		;
	p->store_lost |= rc == FERRY_ESTORE;
	return rc;
}

/* Step `name` marked running (attempt attempts + 1), the head of the attempt in its
 * log. A retry after a commit whose answer was lost finds it running already: done. */
static int mark_running(struct ferry_op_run *run, const char *name, int attempts,
			struct ferry_error *err)
{
	char iso[32], head[128];

	ferry_time_iso(ferry_now_ms(), iso);
	snprintf(head, sizeof(head), "%s-- attempt %d at %s --\n", attempts ? "\n" : "",
		 attempts + 1, iso);
	return ferry_store_run(run->ctx->store, err,
		"UPDATE operation_steps SET state = 'running', attempts = attempts + 1, "
		"started_ms = ?, ended_ms = NULL, error = '', log = log || ? "
		"WHERE op_id = ? AND name = ? AND state <> 'running'", "itit", ferry_now_ms(), head,
		run->op->id, name);
}

static int start_tx(struct ferry_op_run *run, const struct next_step *ns,
		    struct ferry_error *err)
{
	int rc = ferry_store_begin(run->ctx->store, err);

	if (rc)
		return rc;
	rc = mark_running(run, ns->name, ns->attempts, err);
	if (rc) {
		ferry_store_rollback(run->ctx->store);
		return rc;
	}
	return ferry_store_commit(run->ctx->store, err);
}

static int step_start(struct ferry_op_run *run, const struct next_step *ns,
		      struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	int64_t since = 0;
	int rc;

	while ((rc = start_tx(run, ns, err)) && op_run_again(run->ctx, p->hooks, rc, &since))
		;
	p->store_lost |= rc == FERRY_ESTORE;
	return rc;
}

/* With the outcome of a step that did not fail, the next step marked running in the
 * same transaction: one commit (one fsync of the store) between two steps, not two. A
 * crash before that commit leaves the finished step running, run again on resume, as a
 * crash before its outcome was recorded always did; after it, the next step running at
 * its first attempt, as a crash right after its own start. Not a manual step waiting for
 * its confirmation (the run parks there), nor when a stop was asked. */
static int chain_next(struct ferry_op_run *run, struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	struct next_step ns;
	int count, rc;

	if (op_stop_asked(p->hooks) || !p->kind)
		return 0;
	if ((rc = next_step(run->ctx, run->op->id, &ns, &count, err)) <= 0)
		return rc;
	if ((ns.manual && !ns.confirmed) || ns.state == FERRY_STEP_RUNNING ||
	    !step_def(p->kind, ns.name))
		return 0;
	if ((rc = mark_running(run, ns.name, ns.attempts, err)))
		return rc;
	if (ferry_store_changes(run->ctx->store) == 1) {
		snprintf(p->chained, sizeof(p->chained), "%s", ns.name);
		p->chained_attempts = ns.attempts;
	}
	return 0;
}

/* One transaction: the step's outcome, its log lines not yet written, and the
 * operation's failure (or the next step's start, chain_next()). Only a step still
 * running is finished: a retry after a commit whose answer was lost changes nothing.
 * The lines leave the buffer once committed. */
static int finish_tx(struct ferry_op_run *run, const char *state, const char *result,
		     int64_t elapsed, const char *op_msg, const char *step_msg, int failed,
		     struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	int rc = ferry_store_begin(run->ctx->store, err);

	if (rc)
		return rc;
	rc = ferry_store_run(run->ctx->store, err,
		"UPDATE operation_steps SET state = ?, ended_ms = ?, elapsed_ms = elapsed_ms + ?, "
		"result = COALESCE(?, result), error = ?, log = log || ? "
		"WHERE op_id = ? AND name = ? AND state = 'running'",
		"tiitttit", state, ferry_now_ms(), elapsed, result, step_msg ? step_msg : "",
		p->log.data ? p->log.data : "", run->op->id, run->step);
	p->chained[0] = '\0';
	if (!rc && failed && ferry_store_changes(run->ctx->store) == 1)
		rc = op_transition(run->ctx, (struct ferry_op *)run->op, FERRY_OP_FAILED, op_msg,
				   run->step, err);
	else if (!rc && !failed)
		rc = chain_next(run, err);
	if (rc) {
		p->chained[0] = '\0';
		ferry_store_rollback(run->ctx->store);
		return rc;
	}
	if ((rc = ferry_store_commit(run->ctx->store, err))) {
		p->chained[0] = '\0';
		return rc;
	}
	ferry_buf_reset(&p->log);
	return 0;
}

static int step_finish(struct ferry_op_run *run, int step_rc, int64_t elapsed,
		       const char *op_msg, const char *step_msg, struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	const char *state = step_rc == 0 ? "succeeded" : step_rc == FERRY_OP_SKIP ? "skipped" : "failed";
	char *result = p->result && step_rc >= 0 ?
		json_dumps(p->result, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int64_t since = 0;
	int rc;

	while ((rc = finish_tx(run, state, result, elapsed, op_msg, step_msg, step_rc < 0, err)) &&
	       op_run_again(run->ctx, p->hooks, rc, &since))
		;
	p->store_lost |= rc == FERRY_ESTORE;
	free(result);
	return rc;
}

/* Run one step (attempt). Returns 0/SKIP or the step's failure with err filled. */
static int run_step(struct ferry_op_run *run, const struct ferry_op_step_def *d,
		    const struct next_step *ns, struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	struct ferry_error serr;
	int64_t t0;
	int rc, frc;

	run->step = d->name;
	run->attempt = ns->attempts + 1;
	p->log_at = ferry_mono_ms();
	p->log_bytes = 0;
	p->log_capped = 0;
	json_decref(p->result);
	p->result = NULL;
	if ((rc = ferry_store_defer_sync(run->ctx->store, (d->flags & FERRY_STEP_NOSYNC) != 0,
					 err)))
		return rc;
	/* marked running already when it was chained to the last step's outcome */
	if (strcmp(p->chained, ns->name) && (rc = step_start(run, ns, err)))
		return rc;
	p->chained[0] = '\0';
	op_run_emit(run, FERRY_OP_EV_STEP_STARTED, "running", d->title, 0, 0, 0);
	crash_if(run->ctx, d->name, NULL);
	ferry_error_clear(&serr);
	t0 = ferry_mono_ms();
	rc = d->fn ? d->fn(run, &serr) : 0;
	if (ferry_store_in_tx(run->ctx->store)) {  /* a step must close what it opens */
		ferry_store_rollback(run->ctx->store);
		if (rc >= 0)
			rc = ferry_error_set(&serr, FERRY_EINTERNAL,
				"bug: step '%s' left a store transaction open", d->name);
	}
	if (rc < 0 && !serr.msg[0])
		ferry_error_set(&serr, rc, "step '%s' failed (no message)", d->name);
	if (rc < 0)
		op_scrub_error(run, serr.msg);
	crash_if(run->ctx, d->name, "after");
	/* the outcome is synced unless it chains to another step that need not be */
	if (ferry_store_defer_sync(run->ctx->store, rc >= 0 && (d->flags & FERRY_STEP_NOSYNC) &&
				   d[1].name && (d[1].flags & FERRY_STEP_NOSYNC), err))
		return err ? err->code : FERRY_ESTORE;
	if (rc < 0) {
		struct ferry_error full = serr;
		ferry_error_prefix(&full, "step '%s' failed", d->name);
		op_error_context(run->op, &full);
		frc = step_finish(run, rc, ferry_mono_ms() - t0, full.msg, serr.msg, err);
		if (frc)
			return frc;
		if (err)
			*err = full;
		op_run_emit(run, FERRY_OP_EV_STEP_FINISHED, "failed", serr.msg, 0, 0,
			    ferry_mono_ms() - t0);
		return rc;
	}
	if ((frc = step_finish(run, rc, ferry_mono_ms() - t0, NULL, NULL, err)))
		return frc;
	op_run_emit(run, FERRY_OP_EV_STEP_FINISHED, rc == FERRY_OP_SKIP ? "skipped" : "succeeded",
		    NULL, 0, 0, ferry_mono_ms() - t0);
	return rc;
}

/* Park at a manual step that is not confirmed yet. */
static int park(struct ferry_op_run *run, const struct ferry_op_step_def *d,
		struct ferry_error *err)
{
	enum ferry_op_state to = (d->flags & FERRY_STEP_SIGNOFF) ?
		FERRY_OP_AWAITING_SIGNOFF : FERRY_OP_AWAITING_CONFIRM;
	struct ferry_op *op = (struct ferry_op *)run->op;
	int rc;

	snprintf(op->step, sizeof(op->step), "%s", d->name);
	if ((rc = op_move(run, to, NULL, err)))
		return rc;
	op_run_emit(run, FERRY_OP_EV_OP_FINISHED, ferry_op_state_name(to), d->title, 0, 0, 0);
	return 0;
}

/* The store stayed away longer than the lease lives: this runner gives up. It marks
 * the operation interrupted if it can; if not, its lease expires and a node takes the
 * operation over once the store is back (ferry_op_takeover). */
static void give_up(struct ferry_op_run *run)
{
	struct ferry_ctx *ctx = run->ctx;
	char msg[256];

	if (ferry_store_fenced(ctx->store) || ferry_store_begin(ctx->store, NULL))
		return;
	snprintf(msg, sizeof(msg),
		 "interrupted: the state store was unreachable during step '%s': resume it ('ferry op resume %.8s')",
		 run->op->step, run->op->activity_id);
	if (ferry_store_run(ctx->store, NULL, "UPDATE operation_steps SET state = 'interrupted', "
			    "error = ? WHERE op_id = ? AND state = 'running'", "ti", msg, run->op->id) ||
	    op_transition(ctx, (struct ferry_op *)run->op, FERRY_OP_INTERRUPTED, msg, NULL, NULL))
		ferry_store_rollback(ctx->store);
	else
		ferry_store_commit(ctx->store, NULL);
}

static int next_step_retry(struct ferry_op_run *run, struct next_step *ns, struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	int64_t since = 0;
	int rc;

	while ((rc = next_step(run->ctx, run->op->id, ns, &p->count, err)) < 0 &&
	       op_run_again(run->ctx, p->hooks, rc, &since))
		;
	p->store_lost |= rc == FERRY_ESTORE;
	return rc;
}

static int drive_steps(struct ferry_op_run *run, struct ferry_error *err)
{
	struct run_priv *p = run->priv;
	struct ferry_op *op = (struct ferry_op *)run->op;
	const struct ferry_op_step_def *d;
	struct next_step ns;
	int rc;

	for (;;) {
		if (op_stop_asked(p->hooks)) {
			rc = op_move(run, FERRY_OP_INTERRUPTED,
				     "interrupted: stopped between steps on request", err);
			if (!rc)
				op_run_emit(run, FERRY_OP_EV_OP_FINISHED, "interrupted", NULL, 0, 0, 0);
			return rc;
		}
		if ((rc = next_step_retry(run, &ns, err)) < 0)
			return rc;
		if (rc == 0)
			break;
		if (!strcmp(p->chained, ns.name))
			ns.attempts = p->chained_attempts;   /* as it was before it was chained */
		else
			p->chained[0] = '\0';
		p->index = ns.seq;
		snprintf(op->step, sizeof(op->step), "%s", ns.name);
		if (!p->kind || !(d = step_def(p->kind, ns.name))) {
			struct ferry_error e;
			ferry_error_set(&e, FERRY_EINTERNAL, "this ferry does not know step '%s' of '%s'",
					ns.name, op->kind);
			op_error_context(op, &e);
			if ((rc = op_move(run, FERRY_OP_FAILED, e.msg, err)))
				return rc;
			if (err)
				*err = e;
			return FERRY_EINTERNAL;
		}
		if (ns.manual && !ns.confirmed)
			return park(run, d, err);
		if ((rc = run_step(run, d, &ns, err)) < 0) {
			if (!p->store_lost && !ferry_store_fenced(run->ctx->store))
				op_run_emit(run, FERRY_OP_EV_OP_FINISHED, ferry_op_state_name(op->state),
				     err ? err->msg : NULL, 0, 0, 0);
			return rc;
		}
	}
	op->step[0] = '\0';
	if (!(rc = op_move(run, FERRY_OP_SUCCEEDED, "", err)))
		op_run_emit(run, FERRY_OP_EV_OP_FINISHED, "succeeded", NULL, 0, 0, 0);
	return rc;
}

static int drive(struct ferry_ctx *ctx, struct ferry_op *op, const struct ferry_op_hooks *hooks,
		 struct op_fence *fence, const char *fenced_msg, struct ferry_error *err)
{
	struct run_priv p;
	struct ferry_op_run run = { ctx, op, NULL, 0, &p };
	int rc;

	memset(&p, 0, sizeof(p));
	p.hooks = hooks;
	p.fence = fence;
	p.kind = ferry_op_kind_find(ctx, op->kind);
	op_run_emit(&run, FERRY_OP_EV_OP_STARTED, "running", NULL, 0, 0, 0);
	rc = drive_steps(&run, err);
	ferry_store_defer_sync(ctx->store, 0, NULL);  /* a step cut short left it deferred */
	op_log_flush(&run);
	if (ferry_store_fenced(ctx->store)) {
		op_fence_trip(fence);  /* kill what this runner still has running */
		ferry_error_set(err, FERRY_ESTATE, "%s", fenced_msg);
		rc = FERRY_ESTATE;
	} else if (rc < 0 && p.store_lost) {
		give_up(&run);
	}
	json_decref(p.result);
	ferry_buf_release(&p.log);
	if (rc < 0 && err && !err->activity_id[0])
		op_error_context(op, err);
	return rc < 0 ? rc : 0;
}

int op_claim_and_drive(struct ferry_ctx *ctx, const char *ref, op_claim_fn check,
		       const void *arg, const struct ferry_op_hooks *hooks,
			   struct ferry_error *err)
{
	struct op_heartbeat *hb;
	struct op_fence *fence;
	struct ferry_op *op;
	char why[512];
	int rc = claim(ctx, ref, check, arg, hooks, &op, err);

	if (rc)
		return rc;
	snprintf(why, sizeof(why),
		 FERRY_OP_FENCED " (this runner's lease, fencing token %lld, expired while it was "
		 "paused or cut off from the state store): this runner stopped, killed its step's "
		 "processes and recorded nothing more", (long long)op->lease_epoch);
	fence = op_fence_new();
	op_fence_enter(fence);
	hb = op_heartbeat_start(ctx, op->id, op->lease_epoch, fence);  /* other nodes see it alive */
	if (hb)  /* forks wait for a lapsed lease to be confirmed (op_fence.c) */
		op_fence_lease(fence, op_fence_now() + op_lease_ttl_ms(&ctx->settings));
	rc = ferry_store_fence(ctx->store, OP_FENCE_SQL, op->id, op->lease_epoch, why, err);
	if (!rc)
		rc = drive(ctx, op, hooks, fence, why, err);
	ferry_store_fence(ctx->store, NULL, 0, 0, NULL, NULL);
	op_heartbeat_stop(hb);
	op_fence_leave();
	op_fence_free(fence);
	ferry_op_free(op);
	return rc;
}

int ferry_op_run(struct ferry_ctx *ctx, const char *ref, const struct ferry_op_hooks *hooks,
		 struct ferry_error *err)
{
	return op_claim_and_drive(ctx, ref, NULL, NULL, hooks, err);
}
