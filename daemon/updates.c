/* SPDX-License-Identifier: MIT */
/* updates.c: service updates in ferryd (docs/UPDATES.md): the scheduler on the main
 * loop's tick (ferry_update_tick, claimed per period so one node of several runs it),
 * which starts each due update through the env.apply action as the API would, and the
 * routes of a project's calendar and pauses. */
#include "ferryd.h"

#include "ferry/base/util.h"
#include "ferry/lifecycle/update_cadence.h"
#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

static int start_apply(void *arg, struct ferry_ctx *ctx, const char *project, const char *env,
		       const char *package_ref, char activity[37], struct ferry_error *err)
{
	struct ferryd *d = arg;
	const struct env_action *a = env_action_find("env.apply");

	(void)ctx;
	if (!a)
		return ferry_error_set(err, FERRY_EINTERNAL, "no env.apply action");
	return jobs_call(d->jobs, a->fn, json_pack("{s:s, s:s}", "env", env, "package", package_ref),
			 "env.apply", "ferryd", project, activity, err);
}

static void record(struct ferryd *d, struct ferry_ctx *ctx, const json_t *it)
{
	const char *act = json_string_value(json_object_get(it, "action"));
	struct ferry_audit_entry e = { 0 };
	char action[64];

	flog(!strcmp(act, "failed") || !strcmp(act, "held") || !strcmp(act, "missed") ? "warn" : "info",
	     "service update", "action", act, "version", json_string_value(json_object_get(it, "version")),
	     "env", json_string_value(json_object_get(it, "env")), "project",
	     json_string_value(json_object_get(it, "project")), "message",
	     json_string_value(json_object_get(it, "message")), NULL);
	snprintf(action, sizeof(action), "update.%s", act);
	e.actor = "ferryd";
	e.action = action;
	e.target = json_string_value(json_object_get(it, "env"));
	e.project = json_string_value(json_object_get(it, "project"));
	e.code = strcmp(act, "failed") && strcmp(act, "held") && strcmp(act, "missed") &&
		 strcmp(act, "rolled-back") ? 0 : FERRY_EFAILED;
	e.message = json_string_value(json_object_get(it, "message"));
	ferry_audit_record(ctx, &e, NULL);
	sse_publish(d->hub, "change", e.project, json_pack("{s:s, s:s?, s:s?, s:O}", "action", action,
		    "target", e.target, "project", e.project, "update", it));
}

void updates_tick(struct ferryd *d)
{
	struct ferry_update_hooks h = { start_apply, d, NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *rep = NULL, *it;
	int64_t now = ferry_clock_ms(&d->cfg.settings);
	size_t i;

	if (!(ctx = periodic_begin(d, "service-updates", NULL)))
		return;
	ferry_error_clear(&err);
	if (ferry_update_tick(ctx, now, &h, &rep, &err)) {
		flog("error", "service-update scheduler failed", "error", err.msg, NULL);
		goto out;
	}
	json_array_foreach(rep, i, it)
		record(d, ctx, it);
	json_decref(rep);
out:
	ctx_pool_put(d->pool, ctx);
}

/* ---- /api/projects/{project}/service-updates ------------------------------ */

enum MHD_Result api_updates_calendar(struct api_req *r)
{
	const char *n = api_query(r, "count");
	struct ferry_error err;
	long long count = 2;
	json_t *o;

	if (n && ferry_parse_int(n, 1, 100, &count))
		return api_error(r, 400, "invalid", "query 'count' takes 1-100, not '%s'", n);
	if (auth_allow(r, FERRY_TOKEN_VIEWER, r->params[0]))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_update_calendar(r->ctx, r->params[0], ferry_clock_ms(&r->ctx->settings), (int)count,
				  &o, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, o);
}

static enum MHD_Result pause_or_resume(struct api_req *r, int pause)
{
	const char *v = strcmp(r->params[1], "next") ? r->params[1] : NULL;
	int64_t now = ferry_clock_ms(&r->ctx->settings);
	struct ferry_error err;
	char version[32] = "";
	int rc;

	/* the library checks the caller's role against the project's pause_role */
	if (auth_allow(r, FERRY_TOKEN_OPERATOR, r->params[0]))
		return r->ret;
	ferry_error_clear(&err);
	rc = pause ? ferry_update_pause(r->ctx, r->params[0], v, r->actor, r->tok.role, now, version, &err)
		   : ferry_update_resume(r->ctx, r->params[0], v, r->tok.role, now, version, &err);
	if (rc)
		return api_ferror(r, &err);
	return api_json(r, 200, json_pack("{s:s, s:s, s:b}", "project", r->params[0], "version",
					  version, "paused", pause));
}

enum MHD_Result api_updates_pause(struct api_req *r)
{
	return pause_or_resume(r, 1);
}

enum MHD_Result api_updates_resume(struct api_req *r)
{
	return pause_or_resume(r, 0);
}
