/* SPDX-License-Identifier: MIT */
/* upgrade_watch.c: the watch after the data upgrade, on top of the upgrade's files:
 * for the project's watch period the upgraded environment's health and DVT are probed
 * at intervals (each probe claimed in the store, so ferryd and a CLI watching at once
 * probe once); consecutive failures are counted, and at the project's threshold the
 * upgrade is rolled back on its own, carrying the writes (or, with automatic rollback
 * off, reported for an operator). Every outcome is notified. */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/project/notify.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void event(json_t *events, const struct ferry_upgrade *u, const char *what, const char *msg)
{
	if (events)
		json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s}", "env", u->env,
							"project", u->project, "event", what, "message", msg));
}

/* Move the watch from state `from` to `to` (with the columns given): 1 when this
 * process made the move, 0 when another one did. */
static int claim(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *from,
		 const char *to, int64_t next, struct ferry_error *err)
{
	int rc = ferry_store_run(ctx->store, err,
		"UPDATE upgrades SET watch_state = ?, watch_next_ms = ?, updated_ms = ? WHERE id = ? "
		"AND watch_state = ? AND watch_next_ms = ? AND phase = 'data-upgraded'", "tiiiti",
		to, next, ferry_now_ms(), u->id, from, u->watch_next_ms);

	return rc ? rc : ferry_store_changes(ctx->store) > 0;
}

/* One probe: health of the upgraded environment, then its DVT. 0 healthy; else the
 * reason in err. */
static int probe(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_error *err)
{
	struct ferry_op_run quiet = { ctx, NULL, "probe", 1, NULL };  /* logs go nowhere */
	struct ferry_runtime *rt = NULL;
	int rc;

	if (!(rc = ferry_runtime_open(ctx, u->env, FERRY_SLOT_UPGRADE, 0, &rt, err)) &&
	    !(rc = up_health(&quiet, rt, err)))
		rc = up_dvt(&quiet, rt, err);
	ferry_runtime_free(rt);
	return rc;
}

/* The probe's result, unless the watch ended while it ran (a commit, a rollback): a
 * probe in flight then counts for nothing. */
static int record(struct ferry_ctx *ctx, const struct ferry_upgrade *u, int failures,
		  const char *last, struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"UPDATE upgrades SET watch_failures = ?, watch_probes = watch_probes + 1, watch_last = ?, "
		"updated_ms = ? WHERE id = ? AND watch_state = 'watching' AND phase = 'data-upgraded'",
		"dtii", failures, last, ferry_now_ms(), u->id);
}

/* The threshold reached: roll back (claimed: due) or, automatic rollback off, say so. */
static void threshold(struct ferry_ctx *ctx, const struct ferry_upgrade *u,
		      const struct ferry_upgrade_settings *s, int failures, const char *last,
		      json_t *due, json_t *events)
{
	char reason[FERRY_ERROR_MSG_MAX + 128], what[FERRY_ERROR_MSG_MAX + 512];

	snprintf(reason, sizeof(reason), "%d consecutive failed probes of the upgraded environment "
		 "(health and DVT), the last: %s", failures, last);
	if (s->auto_rollback == 1) {
		if (claim(ctx, u, "watching", "rolling-back", u->watch_next_ms, NULL) != 1)
			return;
		if (due)
			json_array_append_new(due, json_pack("{s:s, s:s, s:s}", "env", u->env,
							     "project", u->project, "reason", reason));
		event(events, u, "auto-rollback", reason);
		return;
	}
	if (claim(ctx, u, "watching", "unhealthy", u->watch_next_ms, NULL) != 1)
		return;
	snprintf(what, sizeof(what), "unhealthy after its data upgrade (%s); automatic rollback is "
		 "off: roll back ('ferry upgrade rollback %s') or commit", reason, u->env);
	up_notify(ctx, u, FERRY_EVENT_FAILED, what, "", reason);
	event(events, u, "unhealthy", reason);
}

static void watch_one(struct ferry_ctx *ctx, struct ferry_upgrade *u, json_t *due, json_t *events)
{
	struct ferry_upgrade_settings s;
	struct ferry_error e;
	int64_t now = ferry_now_ms();
	char msg[FERRY_ERROR_MSG_MAX + 128];
	int failures;

	if (ferry_upgrade_settings_get(ctx, u->project_id, &s, NULL))
		return;
	if (now >= u->watch_until_ms) {
		if (claim(ctx, u, "watching", "passed", u->watch_next_ms, NULL) != 1)
			return;
		snprintf(msg, sizeof(msg), "watch ended: %d probes, the upgraded environment is "
			 "healthy; commit it ('ferry upgrade commit %s')", u->watch_probes, u->env);
		up_notify(ctx, u, FERRY_EVENT_COMPLETED, msg, "", NULL);
		event(events, u, "watch-passed", msg);
		return;
	}
	if (now < u->watch_next_ms ||
	    claim(ctx, u, "watching", "watching", now + s.probe_interval_s * 1000, NULL) != 1)
		return;
	ferry_error_clear(&e);
	if (!probe(ctx, u, &e)) {
		record(ctx, u, 0, "ok", NULL);
		event(events, u, "probe-ok", "health and DVT passed");
		return;
	}
	failures = u->watch_failures + 1;
	record(ctx, u, failures, e.msg, NULL);
	snprintf(msg, sizeof(msg), "probe failed (%d of %lld): %s", failures,
		 (long long)s.health_failures, e.msg);
	event(events, u, "probe-failed", msg);
	if (failures >= s.health_failures) {
		u->watch_next_ms = now + s.probe_interval_s * 1000;
		threshold(ctx, u, &s, failures, e.msg, due, events);
	}
}

int ferry_upgrade_watch_tick(struct ferry_ctx *ctx, const char *env, json_t **due,
			     json_t **events, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rc;

	if (due)
		*due = json_array();
	if (events)
		*events = json_array();
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT id FROM upgrades WHERE phase = 'data-upgraded' AND watch_state = 'watching' "
			"AND (? = '' OR env = ?) ORDER BY id", "tt", env ? env : "", env ? env : "")))
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		int64_t *v = realloc(ids, (n + 1) * sizeof(*ids));
		if (!v) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			break;
		}
		ids = v;
		ids[n++] = ferry_stmt_int(st, 0);
	}
	ferry_stmt_free(st);
	for (i = 0; rc >= 0 && i < n; i++) {
		struct ferry_upgrade u;
		if (!up_get(ctx, ids[i], &u, NULL))
			watch_one(ctx, &u, due ? *due : NULL, events ? *events : NULL);
	}
	free(ids);
	return rc < 0 ? rc : 0;
}

/* ---- the rollback on its own ---- */

/* What the rollback executed: the carry report it kept (or the plan), for the notice. */
static json_t *executed(struct ferry_ctx *ctx, const char *activity)
{
	char *dir = activity[0] ? up_writes_dir(ctx, activity) : NULL;
	json_t *rep = dir ? up_writes_load(dir, "report.json") : NULL;

	if (!rep && dir)
		rep = up_writes_load(dir, "plan.json");
	free(dir);
	return rep ? rep : json_null();
}

int ferry_upgrade_auto_rollback(struct ferry_ctx *ctx, const char *env, const char *reason,
				const struct ferry_op_hooks *hooks, char activity[37],
				struct ferry_error *err)
{
	struct ferry_rollback_opts o = { 0, NULL };
	struct ferry_upgrade u;
	char why[384], subject[512], act[37] = "";
	json_t *data;
	int rc;

	if ((rc = up_need_active(ctx, env, "roll back on its own", &u, err)))
		return rc;
	snprintf(why, sizeof(why), "automatic rollback: %s", reason ? reason : "unhealthy");
	o.reason = why;
	rc = ferry_upgrade_rollback(ctx, env, &o, hooks, act, err);
	if (activity)
		snprintf(activity, 37, "%s", act);
	if (rc && !act[0]) {
		/* refused before it began (writes it cannot carry): an operator decides */
		ferry_store_run(ctx->store, NULL, "UPDATE upgrades SET watch_state = 'unhealthy', "
				"watch_last = ? WHERE id = ?", "ti", err->msg, u.id);
	}
	snprintf(subject, sizeof(subject), "upgrade of '%s' to %s: %s", u.env, u.to_release,
		 rc ? "automatic rollback did not complete" : "rolled back on its own");
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			 "event", FERRY_EVENT_AUTO_ROLLBACK, "project", u.project, "environment", u.env,
			 "operation", "upgrade.auto-rollback", "to", u.to_release, "from", u.from_release,
			 "activity_id", act, "reason", why, "message", rc ? err->msg : "rolled back, the "
			 "writes since the swap carried back as the plan says", "plan", executed(ctx, act));
	json_object_set_new(data, "outcome", json_string(rc ? "failed" : "rolled-back"));
	ferry_notify_send(ctx, u.project, FERRY_EVENT_AUTO_ROLLBACK, subject, data);
	json_decref(data);
	return rc;
}
