/* SPDX-License-Identifier: MIT */
/* update_tick.c: the service-update scheduler (ferry_update_tick, see update_cadence.h):
 * notices ahead, the sandbox in its window, production under the release-candidate
 * rule, and following what was started. Runs are rows of update_runs moved by
 * conditional updates (state = expected), so two nodes never act twice. */
#include "lifecycle/update_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/ops/op.h"
#include "ferry/project/env.h"
#include "ferry/project/notify.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tick {
	struct ferry_ctx *ctx;
	int64_t now;
	const struct ferry_update_hooks *hooks;
	json_t *report;
	struct uc_project up;
	const struct uc_plan *pl;
	const char *role, *env;
	int64_t date;
};

static void tell(struct tick *t, const char *action, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void tell(struct tick *t, const char *action, const char *event, const char *fmt, ...)
{
	char msg[768], subject[900], when[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ferry_time_iso(t->date, when);
	json_array_append_new(t->report, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "project",
		t->up.p.name, "version", t->pl->u.version, "role", t->role, "env", t->env, "action",
		action, "message", msg));
	if (!event)
		return;
	snprintf(subject, sizeof(subject), "Service update %s (%s) on '%s': %s", t->pl->u.version,
		 t->pl->u.platform, t->env, msg);
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "version", t->pl->u.version,
				 "platform", t->pl->u.platform, "environment", t->env, "role", t->role,
				 "date", when, "outcome", action);
	ferry_notify_send(t->ctx, t->up.p.name, event, subject, data);
	json_decref(data);
}

/* Move the run from state `from` to `to`: 1 moved, 0 another node moved it first. */
static int move(struct tick *t, const char *from, const char *to, const char *activity,
		const char *message)
{
	if (ferry_store_run(t->ctx->store, NULL, "UPDATE update_runs SET state = ?, activity_id = "
			    "COALESCE(?, activity_id), message = COALESCE(?, message), updated_ms = ? "
			    "WHERE project_id = ? AND version = ? AND role = ? AND env = ? AND state = ?",
			    "ttt" "iitttt", to, activity, message, t->now, t->up.p.id, t->pl->u.version,
			    t->role, t->env, from))
		return 0;
	return ferry_store_changes(t->ctx->store) > 0;
}

/* Every sandbox of the project took the update, its users signed it off, and none
 * rolled it back (servicing's own release-candidate rule asks the same of a package). */
static int candidate_ok(struct tick *t, const json_t *envs, char *why, size_t cap)
{
	char state[24], act[37];
	struct ferry_op *op = NULL;
	const json_t *e;
	size_t i;
	int n = 0, signed_off;

	json_array_foreach(envs, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		if (strcmp(json_string_value(json_object_get(e, "role")), "sandbox"))
			continue;
		n++;
		if (uc_run_get(t->ctx, t->up.p.id, t->pl->u.version, "sandbox", name, state, act, NULL,
			       NULL) || strcmp(state, "succeeded")) {
			snprintf(why, cap, "held by the release-candidate rule: the sandbox '%s' has not "
				 "taken %s (it is %s)", name, t->pl->u.version, state[0] ? state : "not updated");
			return 0;
		}
		signed_off = !ferry_op_find(t->ctx, act, &op, NULL) && op->state == FERRY_OP_SUCCEEDED;
		ferry_op_free(op);
		op = NULL;
		if (!signed_off) {
			snprintf(why, cap, "held by the release-candidate rule: %s on the sandbox '%s' is "
				 "not signed off ('ferry env signoff %s' once validated)", t->pl->u.version,
				 name, name);
			return 0;
		}
	}
	if (!n)
		snprintf(why, cap, "held by the release-candidate rule: project '%s' has no sandbox "
			 "environment to take %s first", t->up.p.name, t->pl->u.version);
	return n > 0;
}

static void start(struct tick *t, const char *from)
{
	struct ferry_error e;
	char ref[96], act[37] = "";

	if (!t->up.s.package[0]) {
		if (move(t, from, "failed", NULL, "no service-update package set"))
			tell(t, "failed", FERRY_EVENT_FAILED, "not applied: the project names no "
			     "service-update package ('ferry update settings --package NAME')");
		return;
	}
	if (!move(t, from, "starting", NULL, NULL)) /* claimed: this node starts it */
		return;
	snprintf(ref, sizeof(ref), "%s@%s", t->up.s.package, t->pl->u.version);
	ferry_error_clear(&e);
	if (t->hooks->start(t->hooks->arg, t->ctx, t->up.p.name, t->env, ref, act, &e)) {
		move(t, "starting", "failed", act[0] ? act : NULL, e.msg);
		tell(t, "failed", FERRY_EVENT_FAILED, "%s could not start: %s", ref, e.msg);
		return;
	}
	move(t, "starting", "started", act, NULL);
	tell(t, "started", NULL, "%s started (activity %s)", ref, act);
}

/* A started run: its operation's outcome. */
static void follow(struct tick *t, const char *state, const char *activity)
{
	struct ferry_op *op = NULL;
	int ok, bad;

	if (ferry_op_find(t->ctx, activity, &op, NULL))
		return;
	ok = op->state == FERRY_OP_SUCCEEDED || op->state == FERRY_OP_AWAITING_SIGNOFF;
	bad = op->state == FERRY_OP_FAILED || op->state == FERRY_OP_ABORTED ||
	      op->state == FERRY_OP_ROLLED_BACK;
	if (!strcmp(state, "started") && ok && move(t, "started", "succeeded", NULL, NULL))
		tell(t, "succeeded", FERRY_EVENT_COMPLETED, "applied (activity %s)", activity);
	else if (bad && move(t, state, op->state == FERRY_OP_ROLLED_BACK ? "rolled-back" : "failed",
			     NULL, ferry_op_state_name(op->state)))
		tell(t, op->state == FERRY_OP_ROLLED_BACK ? "rolled-back" : "failed", FERRY_EVENT_FAILED,
		     "the update operation %s is %s", activity, ferry_op_state_name(op->state));
	ferry_op_free(op);
}

/* One environment for one update. */
static void one_env(struct tick *t, const json_t *envs)
{
	char state[24], act[37], why[512], when[32];
	int64_t notified, notice = (int64_t)t->up.cad.notify_days * UC_DAY_MS;

	if (uc_run_get(t->ctx, t->up.p.id, t->pl->u.version, t->role, t->env, state, act, &notified, NULL))
		return;
	if (!state[0]) {
		if (t->now < t->date - notice)
			return;
		ferry_store_run(t->ctx->store, NULL, "INSERT INTO update_runs(project_id, version, role, "
			"env, due_ms, state, updated_ms) VALUES(?, ?, ?, ?, ?, 'scheduled', ?) "
			"ON CONFLICT (project_id, version, role, env) DO NOTHING", "itttii", t->up.p.id,
			t->pl->u.version, t->role, t->env, t->date, t->now);
		snprintf(state, sizeof(state), "scheduled");
	}
	if (!strcmp(state, "scheduled") && !notified && t->now < t->date &&
	    !ferry_store_run(t->ctx->store, NULL, "UPDATE update_runs SET notified_ms = ? WHERE "
		"project_id = ? AND version = ? AND role = ? AND env = ? AND notified_ms = 0", "iittt",
		t->now, t->up.p.id, t->pl->u.version, t->role, t->env) &&
	    ferry_store_changes(t->ctx->store) > 0) {
		ferry_time_iso(t->date, when);
		tell(t, "notified", FERRY_EVENT_SCHEDULED, "%s update on %s", t->role, when);
	}
	if ((!strcmp(state, "scheduled") || !strcmp(state, "held")) && t->now >= t->date) {
		if (t->now >= t->date + t->pl->len_ms) {
			if (move(t, state, "missed", NULL, "its window closed"))
				tell(t, "missed", FERRY_EVENT_FAILED, "not applied: its window closed");
		} else if (!strcmp(t->role, "production") && !candidate_ok(t, envs, why, sizeof(why))) {
			if (!strcmp(state, "scheduled") && move(t, "scheduled", "held", NULL, why))
				tell(t, "held", FERRY_EVENT_FAILED, "%s", why); /* told once; rechecked */
		} else {
			start(t, state);
		}
	} else if (!strcmp(state, "started") || !strcmp(state, "succeeded")) {
		follow(t, state, act);
	}
}

static void one_project(struct tick *t, const char *project)
{
	json_t *envs = NULL, *e;
	size_t i, j, k;

	if (uc_load_with(t->ctx, project, t->hooks->catalog, &t->up, NULL) || !t->up.s.enabled ||
	    ferry_env_list(t->ctx, project, 0, &envs, NULL))
		goto out;
	for (k = 0; k < t->up.n; k++) {
		t->pl = &t->up.plan[k];
		if (t->pl->paused || t->pl->sandbox_ms < t->up.s.since_ms ||
		    t->now < t->pl->sandbox_ms - (int64_t)t->up.cad.notify_days * UC_DAY_MS ||
		    t->now > t->pl->prod_ms + t->pl->len_ms + 30 * UC_DAY_MS)
			continue;
		for (i = 0; i < 2; i++) { /* the sandbox first: production reads its outcome */
			t->role = i ? "production" : "sandbox";
			t->date = i ? t->pl->prod_ms : t->pl->sandbox_ms;
			json_array_foreach(envs, j, e) {
				if (strcmp(json_string_value(json_object_get(e, "role")), t->role))
					continue;
				t->env = json_string_value(json_object_get(e, "name"));
				one_env(t, envs);
			}
		}
	}
out:
	json_decref(envs);
	uc_release(&t->up);
}

int ferry_update_tick(struct ferry_ctx *ctx, int64_t now_ms, const struct ferry_update_hooks *hooks,
		      json_t **report, struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct tick t;
	json_t *names = json_array(), *n;
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.now = now_ms;
	t.hooks = hooks;
	t.report = json_array();
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT p.name FROM update_settings s JOIN "
				    "projects p ON p.id = s.project_id WHERE s.enabled = 1 ORDER BY p.name", "")))
		goto out;
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(names, json_string(ferry_stmt_text(st, 0)));
	ferry_stmt_free(st);
	if (rc < 0)
		goto out;
	rc = 0;
	json_array_foreach(names, i, n)
		one_project(&t, json_string_value(n));
out:
	json_decref(names);
	if (report && !rc)
		*report = t.report;
	else
		json_decref(t.report);
	return rc;
}
