/* SPDX-License-Identifier: MIT */
/* upgrade_cmd.c: the commands of the self-service upgrade, the top of its files: each
 * `ferry upgrade` action (begin, packages through servicing on the upgrade view, data,
 * commit, rollback, cancel, resume) checks its rules (upgrade_rules.c, preflight.c),
 * records its operation and the upgrade's phase in one transaction, runs it, and
 * notifies after the run. The operations' steps are upgrade_ops.c and
 * upgrade_data_ops.c. */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/feature.h"
#include "ferry/project/notify.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/runtime/host.h"
#include "ferry/runtime/runtime.h"
#include "ferry/lifecycle/servicing.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After an operation ran: notify failure (with the activity ID), completion, or
 * waiting for sign-off. Never fails. */
static void up_after_run(struct ferry_ctx *ctx, const char *env, const char *activity)
{
	struct ferry_upgrade u;
	struct ferry_op *op = NULL;
	char what[512];

	if (!activity || !activity[0] || ferry_upgrade_last(ctx, env, &u, NULL) != 1 ||
	    ferry_op_find(ctx, activity, &op, NULL))
		return;
	if (op->state == FERRY_OP_FAILED || op->state == FERRY_OP_INTERRUPTED) {
		snprintf(what, sizeof(what), "%s failed at step '%s' (activity ID %s)", op->kind,
			 op->step, op->activity_id);
		up_notify(ctx, &u, FERRY_EVENT_FAILED, what, op->activity_id, op->error);
	} else if (op->state == FERRY_OP_SUCCEEDED) {
		snprintf(what, sizeof(what), "%s completed", op->kind);
		up_notify(ctx, &u, FERRY_EVENT_COMPLETED, what, op->activity_id, NULL);
	} else if (op->state == FERRY_OP_AWAITING_SIGNOFF) {
		snprintf(what, sizeof(what), "package %s %s awaits sign-off on the upgrade-in-progress "
			 "environment",
			 json_string_value(json_object_get(json_object_get(op->params, "package"), "name")) ?: "",
			 json_string_value(json_object_get(json_object_get(op->params, "package"), "version")) ?: "");
		up_notify(ctx, &u, FERRY_EVENT_SIGNOFF, what, op->activity_id, NULL);
	}
	ferry_op_free(op);
}

/* Create an upgrade operation of `kind` for u and move it to `phase`, in one
 * transaction; `close` (may be 0): end that operation rolled-back in the same one. */
static int create_op(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *kind,
		     const char *phase, const char *col, int64_t close, json_t *extra,
		     char activity[37], struct ferry_error *err)
{
	struct ferry_op_spec spec = { kind, u->env, NULL, NULL };
	struct ferry_op *op = NULL;
	int rc;

	spec.params = json_pack("{s:I}", "upgrade_id", (json_int_t)u->id);
	if (extra)
		json_object_update(spec.params, extra);
	if ((rc = ferry_store_begin(ctx->store, err)))
		goto out;
	if ((close && (rc = ferry_op_close_rolled_back(ctx, close, err))) ||
	    (rc = ferry_op_create(ctx, &spec, &op, err)) ||
	    (rc = up_set_phase(ctx, u->id, phase, err)) ||
	    (col && (rc = up_set_text(ctx, u->id, col, op->activity_id, err)))) {
		ferry_store_rollback(ctx->store);
		goto out;
	}
	if ((rc = ferry_store_commit(ctx->store, err)))
		goto out;
	snprintf(activity, 37, "%s", op->activity_id);
out:
	json_decref(spec.params);
	ferry_op_free(op);
	return rc;
}

static int run_op(struct ferry_ctx *ctx, const char *env, const char *act,
		  const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err)
{
	int rc;

	if (activity)
		snprintf(activity, 37, "%s", act);
	rc = ferry_op_run(ctx, act, hooks, err);
	up_after_run(ctx, env, act);
	return rc;
}

/* The environment's operation that has not ended: 1 (and *out), 0 none. */
static int active_op(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_op **out,
		     struct ferry_error *err)
{
	return ferry_op_active_for_env(ctx, u->env_id, out, err);
}

/* ---- begin ---- */

static int begin_record(struct ferry_ctx *ctx, const struct ferry_env *e, const char *rel,
			const char *pu, const char *host, const json_t *report, char activity[37],
			struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	struct ferry_op *op = NULL;
	struct ferry_op_spec spec = { FERRY_OP_UPGRADE_PREPARE, e->name, NULL, NULL };
	struct ferry_stmt *st;
	const char *app = json_string_value(json_object_get(report, "application_asset"));
	const char *data = json_string_value(json_object_get(report, "data_upgrade_asset"));
	int64_t now = ferry_now_ms(), id = 0;
	json_t *pred = NULL;
	int rc;

	if ((rc = ferry_runtime_open(ctx, e->name, NULL, 0, &rt, err)))
		return rc;
	if (ferry_upgrade_predict(ctx, e->name, rel, &pred, NULL))
		pred = NULL;
	if ((rc = ferry_store_begin(ctx->store, err)))
		goto out;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"INSERT INTO upgrades(env_id, project_id, env, project, role, from_release, "
			"from_platform, to_release, to_platform, phase, app_asset, data_asset, orig_port, "
			"predicted_ms, predicted_from, actor, created_ms, updated_ms) "
			"VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			"iittttttttttdittii", e->id, e->project_id, e->name, e->project,
			ferry_env_role_name(e->role), e->app_release, e->platform, rel, pu,
			FERRY_UP_PREPARING, app ? app : "", data ? data : "", ferry_runtime_port(rt),
			(int64_t)(pred ? json_integer_value(json_object_get(pred, "predicted_ms")) : -1),
			pred && json_string_value(json_object_get(pred, "rehearsal"))
				? json_string_value(json_object_get(pred, "rehearsal")) : "",
			ctx->actor ? ctx->actor : "", now, now)))
		goto fail;
	rc = ferry_stmt_step(st, err);
	id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	spec.params = json_pack("{s:I, s:s?}", "upgrade_id", (json_int_t)id, "host", host);
	if ((rc = ferry_op_create(ctx, &spec, &op, err)) ||
	    (rc = up_set_text(ctx, id, "prepare_op", op->activity_id, err)) ||
	    (rc = ferry_env_set_state(ctx, e->id, FERRY_ENV_UPGRADING, err)))
		goto fail;
	if ((rc = ferry_store_commit(ctx->store, err)))
		goto out;
	snprintf(activity, 37, "%s", op->activity_id);
	goto out;
fail:
	ferry_store_rollback(ctx->store);
out:
	json_decref(spec.params);
	json_decref(pred);
	ferry_op_free(op);
	ferry_runtime_free(rt);
	return rc;
}

int ferry_upgrade_begin(struct ferry_ctx *ctx, const char *env, const char *to,
			const struct ferry_op_hooks *hooks, char activity[37], json_t **warnings,
			struct ferry_error *err)
{
	return ferry_upgrade_begin_on(ctx, env, to, NULL, hooks, activity, warnings, err);
}

int ferry_upgrade_begin_on(struct ferry_ctx *ctx, const char *env, const char *to,
			   const char *host, const struct ferry_op_hooks *hooks, char activity[37],
			   json_t **warnings, struct ferry_error *err)
{
	char rel[32], pu[32], act[37] = "";
	json_t *report = NULL;
	struct ferry_runtime *rt = NULL;
	struct ferry_env e;
	int rc;

	if (warnings)
		*warnings = NULL;
	if (activity)
		activity[0] = '\0';
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if ((rc = ferry_feature_require(ctx, e.project, FERRY_FEATURE_UPGRADE_SELF_SERVE, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s'", env);
	if ((rc = ferry_runtime_open(ctx, env, NULL, 0, &rt, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade");
	ferry_runtime_free(rt);
	if (host && strcmp(host, FERRY_HOST_LOCAL) && (rc = ferry_host_show(ctx, host, &report, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s' on another host", env);
	json_decref(report);
	report = NULL;
	if ((rc = ferry_upgrade_resolve_target(ctx, env, to, rel, pu, err)) ||
	    (rc = up_begin_rules(ctx, &e, rel, pu, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s'", env);
	rc = ferry_preflight_run(ctx, env, rel, pu, FERRY_PREFLIGHT_BEGIN, &report, err);
	if (warnings && report)
		*warnings = json_incref(json_object_get(report, "warnings"));
	if (rc) {
		json_decref(report);
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s' to %s/%s", env, rel, pu);
	}
	rc = begin_record(ctx, &e, rel, pu, host, report, act, err);
	json_decref(report);
	if (rc)
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s'", env);
	return run_op(ctx, env, act, hooks, activity, err);
}

/* ---- packages on the upgrade view ---- */

int ferry_upgrade_apply(struct ferry_ctx *ctx, const char *env, const char *package,
			const struct ferry_op_hooks *hooks, char activity[37],
			struct ferry_error *err)
{
	struct ferry_apply_spec spec = { env, package, FERRY_SLOT_UPGRADE };
	struct ferry_upgrade u;
	struct ferry_op *op = NULL;
	char act[37] = "";
	int rc;

	if (activity)
		activity[0] = '\0';
	if ((rc = up_need_active(ctx, env, "apply a package to the upgrade-in-progress environment", &u, err)))
		return rc;
	if (strcmp(u.phase, FERRY_UP_PREPARED))
		return ferry_error_set(err, FERRY_ESTATE,
			"packages are applied to the upgrade-in-progress environment of '%s' once it is "
			"prepared and before the data upgrade; the upgrade is in phase '%s' (see 'ferry "
			"upgrade status %s')", env, u.phase, env);
	if ((rc = active_op(ctx, &u, &op, err)) < 0)
		return rc;
	if (rc == 1) {
		const json_t *pkg = json_object_get(op->params, "package");
		rc = ferry_error_set(err, FERRY_EREFUSED,
			"package %s %s (activity %s) on the upgrade-in-progress environment of '%s' is %s: "
			"sign it off before applying another ('ferry upgrade signoff %s'), or roll it back "
			"('ferry upgrade rollback-package %s')",
			json_string_value(json_object_get(pkg, "name")) ?: op->kind,
			json_string_value(json_object_get(pkg, "version")) ?: "", op->activity_id, env,
			op->state == FERRY_OP_AWAITING_SIGNOFF ? "not signed off" : ferry_op_state_name(op->state),
			env, env);
		ferry_op_free(op);
		return rc;
	}
	rc = ferry_servicing_apply(ctx, &spec, hooks, act, err);
	if (activity)
		snprintf(activity, 37, "%s", act);
	up_after_run(ctx, env, act);
	return rc;
}

int ferry_upgrade_signoff(struct ferry_ctx *ctx, const char *env,
			  const struct ferry_op_hooks *hooks, char activity[37],
			  struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_need_active(ctx, env, "sign off", &u, err)))
		return rc;
	return ferry_servicing_signoff(ctx, env, FERRY_SLOT_UPGRADE, hooks, activity, err);
}

int ferry_upgrade_rollback_package(struct ferry_ctx *ctx, const char *env,
				   const struct ferry_op_hooks *hooks, char activity[37],
				   struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_need_active(ctx, env, "roll back a package", &u, err)))
		return rc;
	if (strcmp(u.phase, FERRY_UP_PREPARED))
		return ferry_error_set(err, FERRY_ESTATE,
			"a package is rolled back before the data upgrade; the upgrade of '%s' is in "
			"phase '%s' (to undo the whole upgrade: 'ferry upgrade rollback %s')", env,
			u.phase, env);
	return ferry_servicing_rollback(ctx, env, FERRY_SLOT_UPGRADE, hooks, activity, err);
}

/* ---- data, commit, rollback, cancel ---- */

int ferry_upgrade_data(struct ferry_ctx *ctx, const char *env, const struct ferry_op_hooks *hooks,
		       char activity[37], int64_t *predicted_ms, struct ferry_error *err)
{
	struct ferry_upgrade u;
	json_t *rep = NULL, *pred = NULL;
	char act[37];
	int64_t p = -1;
	int rc;

	if (predicted_ms)
		*predicted_ms = -1;
	if (activity)
		activity[0] = '\0';
	if ((rc = up_need_active(ctx, env, "start the data upgrade", &u, err)))
		return rc;
	if (strcmp(u.phase, FERRY_UP_PREPARED))
		return ferry_error_set(err, FERRY_ESTATE,
			"the data upgrade of '%s' starts from a prepared upgrade; it is in phase '%s'%s",
			env, u.phase, !strcmp(u.phase, FERRY_UP_DATA_UPGRADING)
			? ": resume it with 'ferry upgrade resume'" : "");
	if ((rc = ferry_preflight_run(ctx, env, u.to_release, u.to_platform, FERRY_PREFLIGHT_DATA,
				      &rep, err))) {
		json_decref(rep);
		return ferry_error_prefix(err, "cannot start the data upgrade of '%s'", env);
	}
	json_decref(rep);
	if (!ferry_upgrade_predict(ctx, env, u.to_release, &pred, NULL))
		p = json_integer_value(json_object_get(pred, "predicted_ms"));
	if (pred && p >= 0) {
		up_set_int(ctx, u.id, "predicted_ms", p, NULL);
		up_set_text(ctx, u.id, "predicted_from",
			    json_string_value(json_object_get(pred, "rehearsal")) ?: "", NULL);
	}
	json_decref(pred);
	if (predicted_ms)
		*predicted_ms = p;
	if ((rc = create_op(ctx, &u, FERRY_OP_UPGRADE_DATA, FERRY_UP_DATA_UPGRADING, "data_op", 0,
			    NULL, act, err)))
		return rc;
	return run_op(ctx, env, act, hooks, activity, err);
}

int ferry_upgrade_commit(struct ferry_ctx *ctx, const char *env, const struct ferry_op_hooks *hooks,
			 char activity[37], struct ferry_error *err)
{
	struct ferry_upgrade u;
	char act[37];
	int rc;

	if (activity)
		activity[0] = '\0';
	if ((rc = up_need_active(ctx, env, "commit", &u, err)))
		return rc;
	if (strcmp(u.phase, FERRY_UP_DATA_UPGRADED))
		return ferry_error_set(err, FERRY_ESTATE,
			"the upgrade of '%s' is committed after a successful data upgrade; it is in "
			"phase '%s'%s", env, u.phase, !strcmp(u.phase, FERRY_UP_COMMITTING)
			? ": resume it with 'ferry upgrade resume'" : "");
	if ((rc = create_op(ctx, &u, FERRY_OP_UPGRADE_COMMIT, FERRY_UP_COMMITTING, "end_op", 0,
			    NULL, act, err)))
		return rc;
	return run_op(ctx, env, act, hooks, activity, err);
}

/* In phase rolling-back: the rollback that failed goes on, discarding what it cannot
 * carry when asked. */
static int rollback_again(struct ferry_ctx *ctx, const struct ferry_upgrade *u,
			  const struct ferry_rollback_opts *o, const struct ferry_op_hooks *hooks,
			  char activity[37], struct ferry_error *err)
{
	if (!o || !o->discard_writes)
		return ferry_error_set(err, FERRY_ESTATE, "the upgrade of '%s' is being rolled back: "
				       "resume the rollback with 'ferry upgrade resume %s' (with writes "
				       "it cannot carry: 'ferry upgrade rollback %s --discard-writes')",
				       u->env, u->env, u->env);
	if (up_set_int(ctx, u->id, "discard_writes", 1, err))
		return err->code;
	return ferry_upgrade_resume(ctx, u->env, hooks, activity, err);
}

int ferry_upgrade_rollback(struct ferry_ctx *ctx, const char *env,
			   const struct ferry_rollback_opts *o,
			   const struct ferry_op_hooks *hooks, char activity[37],
			   struct ferry_error *err)
{
	struct ferry_upgrade u;
	struct ferry_op *op = NULL;
	json_t *extra;
	int64_t close = 0;
	char act[37];
	int rc;

	if (activity)
		activity[0] = '\0';
	if ((rc = up_need_active(ctx, env, "roll back the upgrade", &u, err)))
		return rc;
	if (!strcmp(u.phase, FERRY_UP_ROLLING_BACK))
		return rollback_again(ctx, &u, o, hooks, activity, err);
	if (strcmp(u.phase, FERRY_UP_DATA_UPGRADED) && strcmp(u.phase, FERRY_UP_DATA_UPGRADING))
		return ferry_error_set(err, FERRY_ESTATE,
			"the upgrade of '%s' is in phase '%s': %s", env, u.phase,
			!strcmp(u.phase, FERRY_UP_COMMITTING) ? "it is being committed: resume the commit"
			: "before the data upgrade there is nothing to roll back: cancel the upgrade "
			  "instead ('ferry upgrade cancel')");
	if ((rc = active_op(ctx, &u, &op, err)) < 0)
		return rc;
	if (rc == 1) {
		if (op->state == FERRY_OP_RUNNING) {
			rc = ferry_error_set(err, FERRY_ESTATE, "the data upgrade of '%s' is running (activity "
					     "%s, step '%s'): wait for it to end", env, op->activity_id, op->step);
			ferry_op_free(op);
			return rc;
		}
		close = op->id;
		ferry_op_free(op);
	}
	/* Writes that cannot be carried: refused before anything stops (the capture step
	 * checks again once the upgraded environment is stopped). */
	if ((rc = up_rollback_check(ctx, &u, o && o->discard_writes, err)))
		return ferry_error_prefix(err, "cannot roll back the upgrade of '%s'", env);
	extra = json_pack("{s:b, s:s?}", "discard_writes", o && o->discard_writes,
			  "reason", o ? o->reason : NULL);
	rc = create_op(ctx, &u, FERRY_OP_UPGRADE_ROLLBACK, FERRY_UP_ROLLING_BACK, "end_op", close,
		       extra, act, err);
	json_decref(extra);
	if (rc)
		return rc;
	return run_op(ctx, env, act, hooks, activity, err);
}

static int cancel_record(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *reason,
			 char act[37], struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	json_t *extra;
	int64_t close = 0;
	int rc;

	if ((rc = active_op(ctx, u, &op, err)) < 0)
		return rc;
	if (rc == 1) {
		if (op->state == FERRY_OP_RUNNING) {
			rc = ferry_error_set(err, FERRY_ESTATE, "cannot cancel the upgrade of '%s' while %s "
					     "runs (activity %s, step '%s'): wait for it to end", u->env,
					     op->kind, op->activity_id, op->step);
			ferry_op_free(op);
			return rc;
		}
		close = op->id;     /* a failed preparation, a package not signed off */
		ferry_op_free(op);
	}
	extra = json_pack("{s:s}", "reason", reason ? reason : "cancelled by an operator");
	rc = create_op(ctx, u, FERRY_OP_UPGRADE_CANCEL, FERRY_UP_CANCELLING, "end_op", close,
		       extra, act, err);
	json_decref(extra);
	return rc;
}

int up_cancel(struct ferry_ctx *ctx, const char *env, const char *view, const char *reason,
	      const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err)
{
	struct ferry_upgrade u;
	char act[37];
	int rc;

	if (activity)
		activity[0] = '\0';
	if (view && strcmp(view, FERRY_VIEW_ORIGINAL))
		return ferry_error_set(err, FERRY_EREFUSED,
			"cancel is an action of the original environment's view, not of the "
			"upgrade-in-progress view ('%s'): run 'ferry upgrade cancel %s' from the original "
			"view (--view original)", view, env);
	if ((rc = up_need_active(ctx, env, "cancel", &u, err)))
		return rc;
	if (strcmp(u.phase, FERRY_UP_PREPARING) && strcmp(u.phase, FERRY_UP_PREPARED) &&
	    strcmp(u.phase, FERRY_UP_CANCELLING))
		return ferry_error_set(err, FERRY_ESTATE,
			"the upgrade of '%s' can no longer be cancelled: it is in phase '%s' and the data "
			"upgrade has started; roll it back instead ('ferry upgrade rollback %s')%s", env,
			u.phase, env, strcmp(u.phase, FERRY_UP_DATA_UPGRADED) &&
			strcmp(u.phase, FERRY_UP_DATA_UPGRADING) ? " when it is possible" : "");
	if (!strcmp(u.phase, FERRY_UP_CANCELLING))
		return ferry_upgrade_resume(ctx, env, hooks, activity, err);
	if ((rc = cancel_record(ctx, &u, reason, act, err)))
		return rc;
	return run_op(ctx, env, act, hooks, activity, err);
}

int ferry_upgrade_cancel(struct ferry_ctx *ctx, const char *env, const char *view,
			 const struct ferry_op_hooks *hooks, char activity[37],
			 struct ferry_error *err)
{
	return up_cancel(ctx, env, view, NULL, hooks, activity, err);
}

int ferry_upgrade_resume(struct ferry_ctx *ctx, const char *env, const struct ferry_op_hooks *hooks,
			 char activity[37], struct ferry_error *err)
{
	struct ferry_upgrade u;
	struct ferry_op *op = NULL;
	char act[37];
	int rc;

	if (activity)
		activity[0] = '\0';
	if ((rc = up_need_active(ctx, env, "resume", &u, err)))
		return rc;
	/* A dead runner is found by the reaper every command runs; resume checks it too. */
	if ((rc = active_op(ctx, &u, &op, err)) < 0)
		return rc;
	if (rc == 0)
		return ferry_error_set(err, FERRY_ESTATE,
			"nothing to resume on '%s': no operation of its upgrade failed or was interrupted "
			"(phase '%s'; see 'ferry upgrade status %s')", env, u.phase, env);
	snprintf(act, sizeof(act), "%s", op->activity_id);
	if (op->state == FERRY_OP_AWAITING_SIGNOFF) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"package deployment %s on the upgrade-in-progress environment awaits sign-off, not "
			"a resume: 'ferry upgrade signoff %s' or 'ferry upgrade rollback-package %s'",
			act, env, env);
		ferry_op_free(op);
		return rc;
	}
	ferry_op_free(op);
	if (activity)
		snprintf(activity, 37, "%s", act);
	rc = ferry_op_resume(ctx, act, hooks, err);
	up_after_run(ctx, env, act);
	return rc;
}
