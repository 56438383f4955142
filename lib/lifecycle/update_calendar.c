/* SPDX-License-Identifier: MIT */
/* update_calendar.c: what a project's service updates look like ahead (the calendar)
 * and the pauses an admin asks for (see update_cadence.h). */
#include "lifecycle/update_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/project/env.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {date, state, environments: [{env, state, activity_id}]} of one role of one update. */
static json_t *role_json(struct ferry_ctx *ctx, const struct uc_project *up, const struct uc_plan *pl,
			 const char *role, int64_t date, const json_t *envs)
{
	json_t *o, *list = json_array(), *e;
	char when[32], state[24], act[37];
	const char *all = NULL;
	size_t i;

	json_array_foreach(envs, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		if (strcmp(json_string_value(json_object_get(e, "role")), role))
			continue;
		if (uc_run_get(ctx, up->p.id, pl->u.version, role, name, state, act, NULL, NULL))
			state[0] = '\0';
		json_array_append_new(list, json_pack("{s:s, s:s, s:s?}", "env", name, "state",
			state[0] ? state : (pl->paused ? "paused" : "planned"), "activity_id",
			act[0] ? act : NULL));
	}
	json_array_foreach(list, i, e) { /* one state for the role when all agree */
		const char *s = json_string_value(json_object_get(e, "state"));
		all = !all || !strcmp(all, s) ? s : "mixed";
	}
	ferry_time_iso(date, when);
	o = json_pack("{s:s?, s:s, s:o}", "date", pl->paused ? NULL : when, "state",
		      all ? all : (pl->paused ? "paused" : "planned"), "environments", list);
	return o;
}

int ferry_update_calendar(struct ferry_ctx *ctx, const char *project, int64_t now_ms, int count,
			  json_t **out, struct ferry_error *err)
{
	struct uc_project up;
	json_t *arr = NULL, *envs = NULL, *o;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = uc_load(ctx, project, &up, err)) ||
	    (rc = ferry_env_list(ctx, project, 0, &envs, err)))
		goto out;
	arr = json_array();
	for (i = 0; i < up.n && (int)json_array_size(arr) < count; i++) {
		const struct uc_plan *pl = &up.plan[i];
		if (pl->prod_ms + pl->len_ms <= now_ms)
			continue;
		o = ferry_service_update_to_json(&pl->u);
		json_object_set_new(o, "paused", json_boolean(pl->paused));
		json_object_set_new(o, "sandbox", role_json(ctx, &up, pl, "sandbox", pl->sandbox_ms, envs));
		json_object_set_new(o, "production", role_json(ctx, &up, pl, "production", pl->prod_ms, envs));
		json_array_append_new(arr, o);
	}
	*out = arr;
	arr = NULL;
out:
	json_decref(arr);
	json_decref(envs);
	uc_release(&up);
	return rc;
}

/* Has any run of this update started (sandbox or production)? */
static int started(struct ferry_ctx *ctx, int64_t project_id, const char *version, int *out,
		   struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT 1 FROM update_runs WHERE project_id = ? "
				    "AND version = ? AND state NOT IN ('scheduled')", "it", project_id, version)))
		return rc;
	rc = ferry_stmt_step(st, err);
	ferry_stmt_free(st);
	*out = rc == 1;
	return rc < 0 ? rc : 0;
}

/* The index of `version` (NULL: the first update, from now on, that `want` selects). */
static int pick(struct ferry_ctx *ctx, const struct uc_project *up, const char *version, int64_t now_ms,
		int want_paused, size_t *idx, struct ferry_error *err)
{
	size_t i;
	int st, rc;

	for (i = 0; i < up->n; i++) {
		if (version) {
			if (!strcmp(up->plan[i].u.version, version))
				break;
			continue;
		}
		if (up->plan[i].prod_ms + up->plan[i].len_ms <= now_ms || up->plan[i].paused != want_paused)
			continue;
		if ((rc = started(ctx, up->p.id, up->plan[i].u.version, &st, err)))
			return rc;
		if (!st)
			break;
	}
	if (i == up->n) {
		char shown[FERRY_ECHO_MAX];
		ferry_echo(version ? version : "", shown, sizeof(shown));
		return version ? ferry_error_set(err, FERRY_ENOTFOUND, "no service update '%s' in the "
						 "catalog of '%s': see 'ferry update calendar --project %s'",
						 shown, up->p.product, up->p.name)
			       : ferry_error_set(err, FERRY_ENOTFOUND, "no %s service update ahead for "
						 "project '%s'", want_paused ? "paused" : "unpaused", up->p.name);
	}
	*idx = i;
	return 0;
}

static int role_ok(const struct uc_project *up, enum ferry_token_role role, const char *what,
		   struct ferry_error *err)
{
	if (role >= up->s.pause_role)
		return 0;
	return ferry_error_set(err, FERRY_EREFUSED, "%s service updates of '%s' takes the %s role "
			       "(update settings: pause_role)", what, up->p.name,
			       ferry_token_role_name(up->s.pause_role));
}

/* Paused updates in a row around index i if it were paused too. */
static int run_of_pauses(const struct uc_project *up, size_t i)
{
	size_t a = i, b = i;

	while (a > 0 && up->plan[a - 1].paused)
		a--;
	while (b + 1 < up->n && up->plan[b + 1].paused)
		b++;
	return (int)(b - a + 1);
}

int ferry_update_pause(struct ferry_ctx *ctx, const char *project, const char *version,
		       const char *actor, enum ferry_token_role role, int64_t now_ms,
		       char version_out[32], struct ferry_error *err)
{
	struct uc_project up;
	size_t i = 0;
	int rc, st = 0;

	if ((rc = uc_load(ctx, project, &up, err)) || (rc = role_ok(&up, role, "pausing", err)) ||
	    (rc = pick(ctx, &up, version, now_ms, 0, &i, err)))
		goto out;
	if (up.plan[i].paused) {
		rc = ferry_error_set(err, FERRY_EEXIST, "service update %s of '%s' is paused already",
				     up.plan[i].u.version, up.p.name);
		goto out;
	}
	if ((rc = started(ctx, up.p.id, up.plan[i].u.version, &st, err)))
		goto out;
	if (st) {
		rc = ferry_error_set(err, FERRY_ESTATE, "service update %s of '%s' has started: it can "
				     "no longer be paused", up.plan[i].u.version, up.p.name);
		goto out;
	}
	if (run_of_pauses(&up, i) > up.cad.max_consecutive_pauses) {
		rc = ferry_error_set(err, FERRY_EREFUSED, "refused by the rule 'at most %d consecutive "
			"paused service update%s' (catalog: service_updates.cadence.max_consecutive_pauses): "
			"pausing %s would make %d in a row; resume the other first ('ferry update resume "
			"--project %s')", up.cad.max_consecutive_pauses,
			up.cad.max_consecutive_pauses == 1 ? "" : "s", up.plan[i].u.version,
			run_of_pauses(&up, i), up.p.name);
		goto out;
	}
	rc = ferry_store_run(ctx->store, err, "INSERT INTO update_pauses(project_id, version, actor, "
			     "created_ms) VALUES(?, ?, ?, ?)", "itti", up.p.id, up.plan[i].u.version,
			     actor ? actor : "", now_ms);
	if (!rc && version_out)
		snprintf(version_out, 32, "%s", up.plan[i].u.version);
out:
	uc_release(&up);
	return rc;
}

int ferry_update_resume(struct ferry_ctx *ctx, const char *project, const char *version,
			enum ferry_token_role role, int64_t now_ms, char version_out[32],
			struct ferry_error *err)
{
	struct uc_project up;
	size_t i = 0;
	int rc;

	if ((rc = uc_load(ctx, project, &up, err)) || (rc = role_ok(&up, role, "resuming", err)) ||
	    (rc = pick(ctx, &up, version, now_ms, 1, &i, err)))
		goto out;
	if (!up.plan[i].paused) {
		rc = ferry_error_set(err, FERRY_ESTATE, "service update %s of '%s' is not paused",
				     up.plan[i].u.version, up.p.name);
		goto out;
	}
	rc = ferry_store_run(ctx->store, err, "DELETE FROM update_pauses WHERE project_id = ? AND "
			     "version = ?", "it", up.p.id, up.plan[i].u.version);
	if (!rc && version_out)
		snprintf(version_out, 32, "%s", up.plan[i].u.version);
out:
	uc_release(&up);
	return rc;
}
