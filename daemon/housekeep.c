/* SPDX-License-Identifier: MIT */
/* housekeep.c: ferryd's housekeeping on its tick: expiry warnings, expiry of unattended
 * upgrades and removal of restore points past their retention (ferry_upgrade_housekeep_at),
 * every housekeep-interval seconds. The run is claimed through the store
 * (ferry_periodic_claim), so with several ferryd on one PostgreSQL store exactly one node
 * runs each period; what it did is logged, audited and published as events. */
#include "ferryd.h"

#include "ferry/base/util.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/ops/periodic.h"
#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

/* One thing housekeeping did: a log line, an audit row, an event. */
static void housekeep_record(struct ferryd *d, struct ferry_ctx *ctx, const json_t *it)
{
	const char *act = json_string_value(json_object_get(it, "action"));
	const char *env = json_string_value(json_object_get(it, "env"));
	const char *project = json_string_value(json_object_get(it, "project"));
	const char *msg = json_string_value(json_object_get(it, "message"));
	struct ferry_audit_entry e = { 0 };
	char action[64];
	int failed = act && strstr(act, "failed") != NULL;

	snprintf(action, sizeof(action), "housekeeping.%s", act ? act : "unknown");
	flog(failed ? "warn" : "info", "housekeeping", "action", act, "env", env, "project", project,
	     "message", msg, NULL);
	e.actor = "ferryd";
	e.action = action;
	e.target = env;
	e.project = project;
	e.code = failed ? FERRY_EFAILED : 0;
	e.message = msg;
	ferry_audit_record(ctx, &e, NULL);
	sse_publish(d->hub, "change", project, json_pack("{s:s, s:s?, s:s?, s:s?}", "action", action,
		    "target", env, "project", project, "message", msg));
}

struct ferry_ctx *periodic_begin(struct ferryd *d, const char *job, int64_t *run)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int rc;

	if (d->cfg.housekeep_s <= 0)
		return NULL;
	ferry_error_clear(&err);
	if (!(ctx = ctx_pool_get(d->pool, &err)))
		return NULL;
	ctx->actor = "ferryd";
	/* the period runs on the wall clock; what is due, on the (test) clock */
	rc = ferry_periodic_claim(ctx, job, d->cfg.settings.node_id, ferry_now_ms(),
				  (int64_t)d->cfg.housekeep_s * 1000, run, &err);
	if (rc < 0)
		flog("error", "cannot claim a periodic job", "job", job, "error", err.msg, NULL);
	if (rc == 1)
		return ctx;
	ctx_pool_put(d->pool, ctx);
	return NULL;
}

void housekeep_tick(struct ferryd *d)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *rep = NULL, *it;
	int64_t now = ferry_clock_ms(&d->cfg.settings), run = 0;
	char runs[24];
	size_t i;

	if (!(ctx = periodic_begin(d, "upgrade.housekeep", &run)))
		return;
	ferry_error_clear(&err);
	snprintf(runs, sizeof(runs), "%lld", (long long)run);
	flog("debug", "housekeeping ran", "run", runs, "node", d->cfg.settings.node_id, NULL);
	if (ferry_upgrade_housekeep_at(ctx, now, &rep, &err)) {
		flog("error", "housekeeping failed", "run", runs, "error", err.msg, NULL);
		goto out;
	}
	json_array_foreach(rep, i, it)
		housekeep_record(d, ctx, it);
	json_decref(rep);
out:
	ctx_pool_put(d->pool, ctx);
}
