/* SPDX-License-Identifier: MIT */
/* api_ops.c: /api/operations (the step engine's journal) and the actions that queue
 * them as jobs; /api/selftest starts the engine's diagnostics runbook. */
#include "ferryd.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/ops/op.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result api_ops_list(struct api_req *r)
{
	const char *env = api_query(r, "env"), *lim = api_query(r, "limit");
	struct ferry_error err;
	long long limit = 100;
	json_t *arr, *out, *o;
	size_t i;

	if (lim && ferry_parse_int(lim, 1, 1000, &limit))
		return api_error(r, 400, "invalid", "query 'limit' takes 1 to 1000, not '%s'", lim);
	ferry_error_clear(&err);
	if (ferry_op_list(r->ctx, env, (int)limit, &arr, &err))
		return api_ferror(r, &err);
	out = json_array();
	json_array_foreach(arr, i, o)
		if (auth_sees(r, json_string_value(json_object_get(o, "project"))))
			json_array_append(out, o);
	json_decref(arr);
	return api_json(r, 200, out);
}

/* Load the operation named in the path and check the caller may act on it. */
static int op_access(struct api_req *r, enum ferry_token_role need, struct ferry_op **op)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_op_find(r->ctx, r->params[0], op, &err))
		return api_ferror(r, &err), -1;
	snprintf(r->target, sizeof(r->target), "%s", (*op)->activity_id);
	if (auth_allow(r, need, (*op)->project[0] ? (*op)->project : NULL)) {
		ferry_op_free(*op);
		*op = NULL;
		return -1;
	}
	return 0;
}

/* May `action` be queued for op now (the engine's rules, ferry_op_actions; the caller's
 * role aside)? Run and rerun-step follow the same rule. */
static int action_ok(struct ferry_ctx *ctx, const struct ferry_op *op, enum job_action action)
{
	const char *name = action == JOB_RESUME ? "resume" :
			   action == JOB_COMPLETE_STEP ? "complete-step" : "rerun-step";
	json_t *acts = ferry_op_actions(ctx, op), *v;
	size_t i;
	int ok = 0;

	json_array_foreach(acts, i, v)
		ok |= !strcmp(json_string_value(v), name);
	json_decref(acts);
	return ok;
}

/* What the caller may do with op now: the engine's rules (ferry_op_actions), nothing for
 * a role that may not act or while a job on op is queued. The UI offers these only. */
static json_t *op_actions(struct api_req *r, const struct ferry_op *op, int queued)
{
	if (queued || ferry_token_allows(&r->tok, FERRY_TOKEN_OPERATOR, op->project[0] ? op->project : NULL, NULL))
		return json_array();
	return ferry_op_actions(r->ctx, op);
}

enum MHD_Result api_op_reply(struct api_req *r, unsigned status, const char *ref, int logs)
{
	struct ferry_error err;
	struct ferry_op *op = NULL;
	json_t *o = NULL;
	int queued;

	ferry_error_clear(&err);
	if (ferry_op_find(r->ctx, ref, &op, &err) || ferry_op_to_json(r->ctx, op, 1, logs, &o, &err)) {
		ferry_op_free(op);
		return api_ferror(r, &err);
	}
	queued = jobs_busy(r->d->jobs, op->activity_id);
	json_object_set_new(o, "queued", json_boolean(queued));
	json_object_set_new(o, "actions", op_actions(r, op, queued));
	ferry_op_free(op);
	return api_json(r, status, o);
}

enum MHD_Result api_ops_get(struct api_req *r)
{
	const char *logs = api_query(r, "logs");
	struct ferry_op *op;

	if (op_access(r, FERRY_TOKEN_VIEWER, &op))
		return r->ret;
	ferry_op_free(op);
	return api_op_reply(r, 200, r->params[0], logs && !strcmp(logs, "true"));
}

enum MHD_Result api_ops_log(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_op *op;
	char *text = NULL;

	if (op_access(r, FERRY_TOKEN_VIEWER, &op))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_op_log_text(r->ctx, op, api_query(r, "step"), &text, &err)) {
		ferry_op_free(op);
		return api_ferror(r, &err);
	}
	ferry_op_free(op);
	json_t *o = json_pack("{s:s}", "log", text);
	free(text);
	return api_json(r, 200, o);
}

/* Queue an action; refuse at once (409) what the operation's state rules out. */
static enum MHD_Result op_action(struct api_req *r, enum job_action action)
{
	static const char *const verbs[] = { "run", "resume", "rerun a step of", "confirm a step of" };
	struct ferry_error err;
	struct ferry_op *op;
	const char *step = NULL;
	json_t *b;
	int ok;

	if (op_access(r, FERRY_TOKEN_OPERATOR, &op))
		return r->ret;
	if (action == JOB_RERUN_STEP || action == JOB_COMPLETE_STEP) {
		if (!(b = api_body(r)) || api_member_str(r, b, "step", 1, &step)) {
			ferry_op_free(op);
			return r->ret;
		}
	}
	ok = action_ok(r->ctx, op, action);
	ferry_error_clear(&err);
	if (!ok)
		ferry_error_set(&err, FERRY_ESTATE, "operation %s is %s: cannot %s it now",
				op->activity_id, ferry_op_state_name(op->state), verbs[action]);
	else
		jobs_submit(r->d->jobs, action, op->activity_id, step, r->actor, op->project, &err);
	if (err.code) {
		snprintf(err.activity_id, sizeof(err.activity_id), "%s", op->activity_id);
		ferry_op_free(op);
		return api_ferror(r, &err);
	}
	snprintf(r->activity, sizeof(r->activity), "%s", op->activity_id);
	ferry_op_free(op);
	return api_op_reply(r, 202, r->params[0], 0);
}

enum MHD_Result api_ops_resume(struct api_req *r) { return op_action(r, JOB_RESUME); }
enum MHD_Result api_ops_rerun(struct api_req *r) { return op_action(r, JOB_RERUN_STEP); }
enum MHD_Result api_ops_complete(struct api_req *r) { return op_action(r, JOB_COMPLETE_STEP); }

enum MHD_Result api_ops_abort(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_op *op;
	char id[40];

	if (op_access(r, FERRY_TOKEN_OPERATOR, &op))
		return r->ret;
	snprintf(id, sizeof(id), "%s", op->activity_id);
	ferry_op_free(op);
	ferry_error_clear(&err);
	if (jobs_busy(r->d->jobs, id))
		ferry_error_set(&err, FERRY_ESTATE, "operation %s is queued or running: wait for it to stop", id);
	else
		ferry_op_abort(r->ctx, id, &err);
	if (err.code)
		return api_ferror(r, &err);
	return api_op_reply(r, 200, id, 0);
}

/* Copy the selftest's knobs from the body (the directory is ferryd's choice). */
static int selftest_params(struct api_req *r, json_t *b, json_t *params)
{
	static const char *const ints[] = { "ticks", "tick_ms", "fail_times", "children", NULL };
	static const char *const flags[] = { "manual", "log_ticks", "env_state", NULL };
	const char *fail_at;
	json_t *v;
	int i;

	if (api_member_str(r, b, "fail_at", 0, &fail_at))
		return -1;
	if (fail_at)
		json_object_set_new(params, "fail_at", json_string(fail_at));
	for (i = 0; ints[i]; i++) {
		v = json_object_get(b, ints[i]);
		if (!v)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000)
			return api_error(r, 400, "invalid", "member '%s' must be an integer 0..100000", ints[i]), -1;
		json_object_set(params, ints[i], v);
	}
	for (i = 0; flags[i]; i++)
		if (json_is_true(json_object_get(b, flags[i])))
			json_object_set_new(params, flags[i], json_true());
	return 0;
}

enum MHD_Result api_selftest(struct api_req *r)
{
	struct ferry_op_spec spec = { "op.selftest", NULL, NULL, NULL };
	struct ferry_error err;
	struct ferry_op *op = NULL;
	struct ferry_env e;
	char dir[64], *path;
	json_t *b = api_body(r);

	if (!b || api_member_str(r, b, "env", 0, &spec.env))
		return r->ret;
	ferry_error_clear(&err);
	if (spec.env && ferry_env_get(r->ctx, spec.env, &e, &err))
		return api_ferror(r, &err);
	if (auth_allow(r, FERRY_TOKEN_ADMIN, spec.env ? e.project : NULL))
		return r->ret;
	ferry_uuid(dir + snprintf(dir, sizeof(dir), "selftest/"));
	spec.params = json_object();
	if (selftest_params(r, b, spec.params) || !(path = ferry_ctx_path(r->ctx, dir))) {
		json_decref(spec.params);
		return r->ret;
	}
	json_object_set_new(spec.params, "dir", json_string(path));
	free(path);
	if (ferry_op_create(r->ctx, &spec, &op, &err) ||
	    jobs_submit(r->d->jobs, JOB_RUN, op->activity_id, NULL, r->actor, op->project, &err)) {
		json_decref(spec.params);
		ferry_op_free(op);
		return api_ferror(r, &err);
	}
	json_decref(spec.params);
	snprintf(r->target, sizeof(r->target), "%s", op->activity_id);
	snprintf(r->activity, sizeof(r->activity), "%s", op->activity_id);
	ferry_op_free(op);
	return api_op_reply(r, 202, r->activity, 0);
}
