/* SPDX-License-Identifier: MIT */
/* schedule.c: maintenance windows in ferryd: requests with "at" recorded as schedules
 * (lib/schedule.c), the timer that notifies ahead and starts them through the same
 * environment actions as the API (api_env_ops.c), and /api/schedules. */
#include "ferryd.h"

#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/project/notify.h"
#include "ferry/ops/schedule.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <string.h>

enum MHD_Result sched_request(struct api_req *r, const struct ferry_env *e, const char *action,
			      json_t *args, json_t *at)
{
	struct ferry_sched_spec spec = { action, e->name, args, json_string_value(at) };
	struct ferry_error err;
	json_t *o = NULL;

	if (!spec.at) {
		json_decref(args);
		return api_error(r, 400, "invalid", "member 'at' must be a time ('+10m', "
				 "'2026-05-01T02:00Z') or \"window\"");
	}
	ferry_error_clear(&err);
	if (ferry_sched_add(r->ctx, &spec, &o, &err)) {
		json_decref(args);
		return api_ferror(r, &err);
	}
	json_decref(args);
	flog("info", "operation scheduled", "action", action, "env", e->name,
	     "at", json_string_value(json_object_get(o, "at")), "actor", r->actor, NULL);
	return api_json(r, 202, o);
}

static void sched_audit(struct ferryd *d, struct ferry_ctx *ctx, const json_t *s, int rc,
			const char *msg, const char *activity)
{
	struct ferry_audit_entry e = { 0 };

	e.actor = json_string_value(json_object_get(s, "actor"));
	e.action = "schedule.start";
	e.target = json_string_value(json_object_get(s, "env"));
	e.project = json_string_value(json_object_get(s, "project"));
	e.code = rc;
	e.message = msg;
	e.activity_id = activity;
	ferry_audit_record(ctx, &e, NULL);
	sse_publish(d->hub, "change", e.project, json_pack("{s:s, s:s?, s:s?, s:s?, s:O}",
		"action", "schedule.start", "target", e.target, "project", e.project,
		"activity_id", activity, "schedule", json_object_get(s, "id")));
}

static void sched_notify(struct ferry_ctx *ctx, const json_t *s, const char *why)
{
	char subject[512];

	if (why)
		snprintf(subject, sizeof(subject), "Scheduled %s on '%s' was not started: %s",
			 json_string_value(json_object_get(s, "action")),
			 json_string_value(json_object_get(s, "env")), why);
	else
		snprintf(subject, sizeof(subject), "Scheduled %s on '%s' starts at %s",
			 json_string_value(json_object_get(s, "action")),
			 json_string_value(json_object_get(s, "env")),
			 json_string_value(json_object_get(s, "at")));
	json_t *data = json_deep_copy(s);
	json_object_set_new(data, "outcome", json_string(why ? "refused" : "upcoming"));
	if (why)
		json_object_set_new(data, "reason", json_string(why));
	ferry_notify_send(ctx, json_string_value(json_object_get(s, "project")), FERRY_EVENT_SCHEDULED,
			  subject, data);
	json_decref(data);
}

/* Start one due schedule (claimed first, so only one daemon starts it). */
static void sched_start(struct ferryd *d, struct ferry_ctx *ctx, const json_t *s, int64_t now)
{
	int64_t id = json_integer_value(json_object_get(s, "id"));
	const char *action = json_string_value(json_object_get(s, "action"));
	const struct env_action *a = env_action_find(action ? action : "");
	const char *wend = json_string_value(json_object_get(s, "window_end"));
	int64_t wend_ms = json_integer_value(json_object_get(s, "window_end_ms"));
	struct ferry_error err;
	char act[37] = "", ids[24];
	int rc;

	ferry_error_clear(&err);
	if (ferry_sched_transition(ctx, id, FERRY_SCHED_SCHEDULED, FERRY_SCHED_STARTING, NULL, NULL, &err) != 1)
		return;
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	if (!a) {
		rc = ferry_error_set(&err, FERRY_EINVAL, "unknown action '%s'", action ? action : "");
	} else if (wend_ms && now >= wend_ms) {
		rc = ferry_error_set(&err, FERRY_EREFUSED, "its maintenance window closed at %s before "
				     "ferryd could start it: schedule it again", wend);
	} else {
		rc = jobs_call(d->jobs, a->fn, json_deep_copy(json_object_get(s, "args")), action,
			       json_string_value(json_object_get(s, "actor")),
			       json_string_value(json_object_get(s, "project")), act, &err);
	}
	if (rc) {
		ferry_sched_transition(ctx, id, FERRY_SCHED_STARTING, FERRY_SCHED_REFUSED,
				       err.activity_id[0] ? err.activity_id : NULL, err.msg, NULL);
		flog("warn", "scheduled operation refused", "schedule", ids, "action", action,
		     "env", json_string_value(json_object_get(s, "env")), "error", err.msg, NULL);
		sched_notify(ctx, s, err.msg);
		sched_audit(d, ctx, s, rc, err.msg, NULL);
		return;
	}
	ferry_sched_transition(ctx, id, FERRY_SCHED_STARTING, FERRY_SCHED_STARTED, act, NULL, NULL);
	flog("info", "scheduled operation started", "schedule", ids, "action", action,
	     "operation", act, NULL);
	sched_audit(d, ctx, s, 0, NULL, act);
}

void sched_tick(struct ferryd *d)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *notify = NULL, *due = NULL, *s;
	int64_t now = ferry_clock_ms(&d->cfg.settings);
	size_t i;

	ferry_error_clear(&err);
	if (!(ctx = ctx_pool_get(d->pool, &err)))
		return;
	ctx->actor = "ferryd";
	if (ferry_sched_pending(ctx, now, (int64_t)d->cfg.notify_before_s * 1000, &notify, &due, &err)) {
		flog("error", "cannot read scheduled operations", "error", err.msg, NULL);
		ctx_pool_put(d->pool, ctx);
		return;
	}
	json_array_foreach(notify, i, s) {
		if (ferry_sched_mark_notified(ctx, json_integer_value(json_object_get(s, "id")), NULL))
			continue;
		sched_notify(ctx, s, NULL);
	}
	json_array_foreach(due, i, s)
		sched_start(d, ctx, s, now);
	json_decref(notify);
	json_decref(due);
	ctx_pool_put(d->pool, ctx);
}

/* ---- /api/schedules, /api/projects/{project}/maintenance-window --------- */

enum MHD_Result api_schedules_list(struct api_req *r)
{
	return api_scoped_read(r, ferry_sched_list);
}

static int sched_access(struct api_req *r, enum ferry_token_role need, json_t **o)
{
	struct ferry_error err;
	long long id;

	if (ferry_parse_int(r->params[0], 1, INT64_MAX, &id))
		return api_error(r, 404, "not-found", "no scheduled operation '%s'", r->params[0]), -1;
	ferry_error_clear(&err);
	if (ferry_sched_get(r->ctx, id, o, &err))
		return api_ferror(r, &err), -1;
	if (auth_allow(r, need, json_string_value(json_object_get(*o, "project")))) {
		json_decref(*o);
		return -1;
	}
	return 0;
}

enum MHD_Result api_schedules_get(struct api_req *r)
{
	json_t *o;

	if (sched_access(r, FERRY_TOKEN_VIEWER, &o))
		return r->ret;
	return api_json(r, 200, o);
}

enum MHD_Result api_schedules_cancel(struct api_req *r)
{
	struct ferry_error err;
	json_t *o;
	int64_t id;

	if (sched_access(r, FERRY_TOKEN_OPERATOR, &o))
		return r->ret;
	id = json_integer_value(json_object_get(o, "id"));
	snprintf(r->target, sizeof(r->target), "%s", json_string_value(json_object_get(o, "env")));
	json_decref(o);
	ferry_error_clear(&err);
	if (ferry_sched_cancel(r->ctx, id, &err) || ferry_sched_get(r->ctx, id, &o, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, o);
}

enum MHD_Result api_windows_get(struct api_req *r)
{
	return api_project_read(r, ferry_window_get);
}

/* {"window": "sat,sun 02:00 4h"} sets it; {"window": null} clears it. */
enum MHD_Result api_windows_put(struct api_req *r)
{
	struct ferry_error err;
	const char *spec;
	json_t *b, *o;

	if (!(b = api_body(r)) || api_member_str(r, b, "window", 0, &spec))
		return r->ret;
	if (!json_object_get(b, "window"))
		return api_error(r, 400, "invalid", "missing member 'window' (null clears it)");
	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_window_set(r->ctx, r->params[0], spec, &err) ||
	    ferry_window_get(r->ctx, r->params[0], &o, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, o);
}
