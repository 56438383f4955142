/* SPDX-License-Identifier: MIT */
/* upgrade_status.c: what an upgrade looks like from outside, the checks of its files:
 * the downtime predicted from the project's rehearsal, status with each step, downtime
 * (predicted, so far, measured) and the operator's next commands, and the
 * upgrade-in-progress view. Reads records; changes nothing. */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/runtime/runtime.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_time(json_t *o, const char *key, int64_t ms)
{
	char iso[32];

	if (ms <= 0) {
		json_object_set_new(o, key, json_null());
		return;
	}
	ferry_time_iso(ms, iso);
	json_object_set_new(o, key, json_string(iso));
}

/* ---- prediction ---- */

int ferry_upgrade_predict(struct ferry_ctx *ctx, const char *env, const char *to_release,
			  json_t **out, struct ferry_error *err)
{
	static const char *const down[] = { "stop", "restore-point", "data-upgrade", "start", "dvt" };
	struct ferry_runtime *rt = NULL;
	struct ferry_upgrade u;
	struct ferry_env e;
	json_t *r = NULL, *steps, *o;
	int64_t db = -1, rdb, total = 0;
	double ratio = 1.0;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	rc = ferry_upgrade_active(ctx, env, &u, NULL);
	if ((rc = ferry_rehearsal_find(ctx, e.project_id, rc == 1 ? u.from_release : e.app_release,
				       to_release, &r, err)) < 0)
		return rc;
	if (!ferry_runtime_open(ctx, env, NULL, 0, &rt, NULL))
		db = up_db_bytes(rt);
	ferry_runtime_free(rt);
	if (rc == 0) {
		*out = json_pack("{s:i, s:n, s:I}", "predicted_ms", -1, "rehearsal", "db_bytes",
				 (json_int_t)db);
		return 0;
	}
	rdb = json_integer_value(json_object_get(r, "db_bytes"));
	if (rdb > 0 && db > 0)
		ratio = (double)db / (double)rdb;
	steps = json_object();
	for (i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
		int64_t ms = json_integer_value(json_object_get(json_object_get(r, "steps"), down[i]));
		if (!strcmp(down[i], "restore-point") || !strcmp(down[i], "data-upgrade"))
			ms = (int64_t)((double)ms * ratio + 0.5);
		json_object_set_new(steps, down[i], json_integer(ms));
		total += ms;
		/* the baseline of the upgraded database is a restore point of the same size */
		if (!strcmp(down[i], "restore-point")) {
			json_object_set_new(steps, "baseline", json_integer(ms));
			total += ms;
		}
	}
	o = json_pack("{s:I, s:O, s:O, s:I, s:I, s:f, s:o}", "predicted_ms", (json_int_t)total,
		      "rehearsal", json_object_get(r, "activity_id"),
		      "rehearsal_env", json_object_get(r, "env"),
		      "rehearsal_db_bytes", (json_int_t)rdb, "db_bytes", (json_int_t)db,
		      "size_ratio", ratio, "steps", steps);
	json_decref(r);
	*out = o;
	return 0;
}

/* ---- status ---- */

static json_t *op_json(struct ferry_ctx *ctx, const char *activity)
{
	struct ferry_op *op = NULL;
	json_t *o = NULL;

	if (!activity[0] || ferry_op_find(ctx, activity, &op, NULL))
		return NULL;
	if (ferry_op_to_json(ctx, op, 1, 0, &o, NULL))
		o = NULL;
	if (o && !strcmp(op->kind, FERRY_OP_UPGRADE_DATA))
		json_object_set_new(o, "data_upgrade_steps", up_steps_journal(ctx, op->id, "data-upgrade"));
	if (o)
		json_object_del(o, "params");
	ferry_op_free(op);
	return o;
}

static json_t *runtime_json(struct ferry_ctx *ctx, const char *env, const char *slot)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt = NULL;
	json_t *o;

	if (ferry_runtime_open(ctx, env, slot, 0, &rt, NULL))
		return json_null();
	ferry_runtime_status(rt, 0, &st);
	o = ferry_runtime_to_json(rt, &st);
	ferry_runtime_free(rt);
	return o;
}

static void add_next(json_t *next, const char *fmt, const char *env)
{
	char line[256];

	snprintf(line, sizeof(line), fmt, env, env);
	json_array_append_new(next, json_string(line));
}

static json_t *next_actions(struct ferry_ctx *ctx, const struct ferry_upgrade *u)
{
	json_t *next = json_array();
	struct ferry_op *op = NULL;
	int busy = ferry_op_active_for_env(ctx, u->env_id, &op, NULL) == 1;
	int failed = busy && (op->state == FERRY_OP_FAILED || op->state == FERRY_OP_INTERRUPTED ||
			      op->state == FERRY_OP_PENDING);
	const char *e = u->env;

	if (busy && op->state == FERRY_OP_RUNNING) {
		add_next(next, "wait: an operation of the upgrade of '%s' is running ('ferry op list --env %s')", e);
	} else if (failed) {
		add_next(next, "ferry upgrade resume %s", e);
	}
	if (!strcmp(u->phase, FERRY_UP_PREPARING) && failed) {
		add_next(next, "ferry upgrade cancel %s", e);
	} else if (!strcmp(u->phase, FERRY_UP_PREPARED)) {
		if (busy && op->state == FERRY_OP_AWAITING_SIGNOFF) {
			add_next(next, "ferry upgrade signoff %s", e);
			add_next(next, "ferry upgrade rollback-package %s", e);
		} else if (failed) {
			add_next(next, "ferry upgrade rollback-package %s", e);
		} else if (!busy) {
			add_next(next, "ferry upgrade apply %s PACKAGE", e);
			add_next(next, "ferry upgrade data %s", e);
			add_next(next, "ferry env show %s --view upgrade", e);
		}
		if (!busy || op->state != FERRY_OP_RUNNING)
			add_next(next, "ferry upgrade cancel %s", e);
	} else if (!strcmp(u->phase, FERRY_UP_DATA_UPGRADING) && failed) {
		add_next(next, "ferry upgrade rollback %s", e);
	} else if (!strcmp(u->phase, FERRY_UP_DATA_UPGRADED)) {
		add_next(next, "ferry upgrade commit %s", e);
		add_next(next, "ferry upgrade rollback %s", e);
		add_next(next, "ferry upgrade rollback %s --plan", e);
	} else if (!strcmp(u->phase, FERRY_UP_ROLLING_BACK) && failed) {
		add_next(next, "ferry upgrade rollback %s --plan", e);
		add_next(next, "ferry upgrade rollback %s --discard-writes (writes it cannot carry)", e);
	} else if (!strcmp(u->phase, FERRY_UP_COMMITTED) && !strcmp(u->role, "sandbox")) {
		char line[256];
		snprintf(line, sizeof(line), "ferry upgrade begin PRODUCTION --to %s/%s", u->to_release,
			 u->to_platform);
		json_array_append_new(next, json_string(line));
	} else if (!strcmp(u->phase, FERRY_UP_ROLLED_BACK) || !strcmp(u->phase, FERRY_UP_CANCELLED)) {
		char line[256];
		snprintf(line, sizeof(line), "ferry upgrade begin %s --to %s/%s (when ready)", e,
			 u->to_release, u->to_platform);
		json_array_append_new(next, json_string(line));
	}
	ferry_op_free(op);
	return next;
}

static json_t *downtime_json(const struct ferry_upgrade *u)
{
	json_t *o = json_object();
	int64_t end = u->downtime_end_ms;

	json_object_set_new(o, "predicted_ms", u->predicted_ms >= 0 ? json_integer(u->predicted_ms)
				: json_null());
	json_object_set_new(o, "predicted_from", u->predicted_from[0]
				? json_string(u->predicted_from) : json_null());
	set_time(o, "started", u->downtime_start_ms);
	set_time(o, "ended", end);
	json_object_set_new(o, "so_far_ms", u->downtime_start_ms && !end
				? json_integer(ferry_now_ms() - u->downtime_start_ms) : json_null());
	json_object_set_new(o, "measured_ms", u->downtime_start_ms && end
				? json_integer(end - u->downtime_start_ms) : json_null());
	return o;
}

/* The baseline of the writes since the swap, and the watch after the data upgrade. */
static void writes_json(json_t *o, const struct ferry_upgrade *u,
			const struct ferry_upgrade_settings *s)
{
	json_t *b = json_pack("{s:s}", "restore_point", u->baseline), *w;

	set_time(b, "taken", u->baseline_ms);
	json_object_set_new(o, "baseline", u->baseline[0] ? b : (json_decref(b), json_null()));
	if (!u->watch_state[0]) {
		json_object_set_new(o, "watch", json_null());
		return;
	}
	w = json_pack("{s:s, s:i, s:i, s:I, s:b, s:s}", "state", u->watch_state,
		      "probes", u->watch_probes, "failures", u->watch_failures,
		      "health_failures", (json_int_t)s->health_failures,
		      "auto_rollback", s->auto_rollback == 1, "last", u->watch_last);
	set_time(w, "until", u->watch_until_ms);
	json_object_set_new(o, "watch", w);
}

static json_t *upgrade_json(struct ferry_ctx *ctx, const struct ferry_upgrade *u)
{
	struct ferry_upgrade_settings s;
	char from[80], to[80];
	json_t *o, *ops = json_array(), *x, *rp;
	const char *acts[] = { u->prepare_op, u->data_op, u->end_op };
	int active = !ferry_upgrade_phase_terminal(u->phase);
	size_t i;

	ferry_upgrade_settings_get(ctx, u->project_id, &s, NULL);
	snprintf(from, sizeof(from), "%s/%s", u->from_release, u->from_platform);
	snprintf(to, sizeof(to), "%s/%s", u->to_release, u->to_platform);
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s}",
		      "id", (json_int_t)u->id, "env", u->env, "project", u->project, "role", u->role,
		      "phase", u->phase, "active", active, "from", from, "to", to,
		      "to_release", u->to_release, "to_platform", u->to_platform,
		      "reason", u->reason, "actor", u->actor);
	set_time(o, "created", u->created_ms);
	set_time(o, "updated", u->updated_ms);
	set_time(o, "ended", u->ended_ms);
	set_time(o, "committed", u->committed_ms);
	set_time(o, "expires", active ? u->created_ms + s.expiry_s * 1000 : 0);
	for (i = 0; i < 3; i++)
		if ((x = op_json(ctx, acts[i])))
			json_array_append_new(ops, x);
	json_object_set_new(o, "operations", ops);
	json_object_set_new(o, "packages", up_packages(ctx, u));
	json_object_set_new(o, "downtime", downtime_json(u));
	rp = json_pack("{s:s, s:s}", "name", u->restore_point, "database", u->rp_conn);
	set_time(rp, "kept_until", u->committed_ms ? u->committed_ms + s.retention_s * 1000 : 0);
	set_time(rp, "removed", u->rp_removed_ms);
	json_object_set_new(o, "restore_point", u->restore_point[0] ? rp : (json_decref(rp), json_null()));
	json_object_set_new(o, "original", active ? runtime_json(ctx, u->env, NULL) : json_null());
	json_object_set_new(o, "upgrade", active ? runtime_json(ctx, u->env, FERRY_SLOT_UPGRADE)
						 : json_null());
	writes_json(o, u, &s);
	json_object_set_new(o, "settings", ferry_upgrade_settings_to_json(&s));
	json_object_set_new(o, "next", next_actions(ctx, u));
	return o;
}

int ferry_upgrade_status(struct ferry_ctx *ctx, const char *env, json_t **out,
			 struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	*out = NULL;
	if ((rc = ferry_upgrade_last(ctx, env, &u, err)) < 0)
		return rc;
	if (rc == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"environment '%s' was never upgraded: see its targets with 'ferry upgrade targets "
			"%s'", env, env);
	*out = upgrade_json(ctx, &u);
	return 0;
}

int ferry_upgrade_view(struct ferry_ctx *ctx, const char *env, json_t **out,
		       struct ferry_error *err)
{
	struct ferry_upgrade u;
	json_t *rt;
	int rc;

	*out = NULL;
	if ((rc = ferry_upgrade_active(ctx, env, &u, err)) < 0)
		return rc;
	rt = rc == 1 ? runtime_json(ctx, env, FERRY_SLOT_UPGRADE) : NULL;
	if (!json_is_object(rt)) {
		json_decref(rt);
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"environment '%s' has no upgrade-in-progress view: %s", env,
			rc == 0 ? "no upgrade in progress" : "its preparation has not created it yet");
	}
	json_object_set_new(rt, "name", json_string(env));
	json_object_set_new(rt, "view", json_string(FERRY_VIEW_UPGRADE));
	json_object_set_new(rt, "project", json_string(u.project));
	json_object_set_new(rt, "role", json_string(u.role));
	json_object_set_new(rt, "phase", json_string(u.phase));
	json_object_set_new(rt, "app_release", json_string(u.to_release));
	json_object_set_new(rt, "platform", json_string(u.to_platform));
	json_object_set_new(rt, "packages", up_packages(ctx, &u));
	*out = rt;
	return 0;
}
