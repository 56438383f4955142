/* SPDX-License-Identifier: MIT */
/* update_cadence.c: a project's service-update settings, pauses and calendar (see
 * update_cadence.h); the scheduler that acts on them is update_tick.c. */
#include "lifecycle/update_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/catalog/catalog.h"
#include "ferry/ops/schedule.h"
#include "ferry/project/env.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const update_steps[] = {
	/* 1: settings, pauses, runs */
	"CREATE TABLE update_settings("
	"  project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,"
	"  prod_window TEXT NOT NULL,"
	"  tz_min INTEGER NOT NULL,"
	"  sandbox_lead_days INTEGER NOT NULL,"
	"  package TEXT NOT NULL,"
	"  pause_role INTEGER NOT NULL,"
	"  enabled INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE update_pauses("
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  version TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(project_id, version));"
	"CREATE TABLE update_runs("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  version TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  env TEXT NOT NULL,"
	"  due_ms INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  activity_id TEXT NOT NULL DEFAULT '',"
	"  message TEXT NOT NULL DEFAULT '',"
	"  notified_ms INTEGER NOT NULL DEFAULT 0,"
	"  updated_ms INTEGER NOT NULL,"
	"  UNIQUE(project_id, version, role, env));",
};

const struct ferry_migrations ferry_schema_update_cadence = {
	"update_cadence", update_steps, (int)(sizeof(update_steps) / sizeof(update_steps[0]))
};

int ferry_update_tz_parse(const char *s, int *minutes, struct ferry_error *err)
{
	int hh = 0, mm = 0, n = 0;

	if (!strcmp(s, "UTC") || !strcmp(s, "Z") || !strcmp(s, "utc")) {
		*minutes = 0;
		return 0;
	}
	if ((s[0] == '+' || s[0] == '-') && sscanf(s + 1, "%2d:%2d%n", &hh, &mm, &n) == 2 &&
	    !s[1 + n] && hh <= 14 && mm < 60 && hh * 60 + mm <= 14 * 60) {
		*minutes = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
		return 0;
	}
	return ferry_error_set(err, FERRY_EINVAL, "cannot read the time zone '%s': give an offset "
			       "from UTC like '+01:00' or '-05:30', or 'UTC'", s);
}

static void defaults(struct ferry_update_settings *s, int lead)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->window, sizeof(s->window), "sat 02:00 4h");
	s->sandbox_lead_days = lead;
	s->pause_role = FERRY_TOKEN_ADMIN;
}

static int settings_read(struct ferry_ctx *ctx, int64_t project_id, struct ferry_update_settings *s,
			 struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT prod_window, tz_min, sandbox_lead_days, "
				    "package, pause_role, enabled, since_ms FROM update_settings "
				    "WHERE project_id = ?", "i", project_id)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		snprintf(s->window, sizeof(s->window), "%s", ferry_stmt_text(st, 0));
		s->tz_min = (int)ferry_stmt_int(st, 1);
		s->sandbox_lead_days = (int)ferry_stmt_int(st, 2);
		snprintf(s->package, sizeof(s->package), "%s", ferry_stmt_text(st, 3));
		s->pause_role = (enum ferry_token_role)ferry_stmt_int(st, 4);
		s->enabled = (int)ferry_stmt_int(st, 5);
		s->since_ms = ferry_stmt_int(st, 6);
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* Each update's dates: production at the first window opening from its GA on (in the
 * project's time zone), the sandbox sandbox_lead_days before. */
static int plan_make(struct ferry_ctx *ctx, struct uc_project *up, const struct ferry_service_update *u,
		     size_t n, struct ferry_error *err)
{
	int64_t off = (int64_t)up->s.tz_min * 60000, s, e;
	struct ferry_stmt *st;
	size_t i;
	int rc;

	if (!(up->plan = calloc(n ? n : 1, sizeof(*up->plan))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct uc_plan *pl = &up->plan[i];
		if ((rc = ferry_window_next(up->s.window, u[i].ga_ms + off, &s, &e, err)))
			return rc;
		pl->u = u[i];
		pl->prod_ms = s - off;
		pl->len_ms = e - s;
		pl->sandbox_ms = pl->prod_ms - (int64_t)up->s.sandbox_lead_days * UC_DAY_MS;
	}
	/* the project's pauses, in one query (the scheduler loads a plan on every tick) */
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT version FROM update_pauses WHERE "
				    "project_id = ?", "i", up->p.id)))
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1)
		for (i = 0; i < n; i++)
			if (!strcmp(up->plan[i].u.version, ferry_stmt_text(st, 0)))
				up->plan[i].paused = 1;
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	up->n = n;
	return 0;
}

int uc_load_with(struct ferry_ctx *ctx, const char *project, const struct ferry_catalog *catalog,
		 struct uc_project *up, struct ferry_error *err)
{
	struct ferry_service_update *u = NULL;
	struct ferry_catalog *cat = NULL;
	size_t n = 0;
	int rc;

	memset(up, 0, sizeof(*up));
	if ((rc = ferry_project_get(ctx, project, &up->p, err)))
		goto out;
	if ((!catalog || strcmp(catalog->product, up->p.product)) &&
	    (rc = ferry_catalog_open(ctx, up->p.product, &cat, err)))
		goto out;
	if ((rc = ferry_service_updates(cat ? cat : catalog, &u, &n, &up->cad, err)))
		goto out;
	defaults(&up->s, up->cad.sandbox_lead_days);
	if ((rc = settings_read(ctx, up->p.id, &up->s, err)))
		goto out;
	rc = plan_make(ctx, up, u, n, err);
out:
	free(u);
	ferry_catalog_free(cat);
	return rc;
}

int uc_load(struct ferry_ctx *ctx, const char *project, struct uc_project *up,
	    struct ferry_error *err)
{
	return uc_load_with(ctx, project, NULL, up, err);
}

void uc_release(struct uc_project *up)
{
	free(up->plan);
	up->plan = NULL;
}

int ferry_update_settings_get(struct ferry_ctx *ctx, const char *project,
			      struct ferry_update_settings *out, struct ferry_error *err)
{
	struct uc_project up;
	int rc = uc_load(ctx, project, &up, err);

	if (!rc)
		*out = up.s;
	uc_release(&up);
	return rc;
}

static int settings_check(const struct ferry_update_settings *s, struct ferry_error *err)
{
	int64_t a, b;

	if (ferry_window_next(s->window, 0, &a, &b, NULL))
		return ferry_error_set(err, FERRY_EINVAL, "cannot read the production window '%s': give "
				       "'DAYS HH:MM DURATION' in the project's time zone, e.g. 'sat 02:00 4h'",
				       s->window);
	if (s->tz_min < -14 * 60 || s->tz_min > 14 * 60)
		return ferry_error_set(err, FERRY_EINVAL, "the time zone's offset is -14:00 to +14:00");
	if (s->sandbox_lead_days < 0 || s->sandbox_lead_days > 60)
		return ferry_error_set(err, FERRY_EINVAL, "the sandbox lead is 0 to 60 days, not %d",
				       s->sandbox_lead_days);
	if (s->package[0] && ferry_name_check(s->package, "package", NULL))
		return ferry_error_set(err, FERRY_EINVAL, "'%s' is not a package name", s->package);
	if (s->pause_role < FERRY_TOKEN_VIEWER || s->pause_role > FERRY_TOKEN_ADMIN)
		return ferry_error_set(err, FERRY_EINVAL, "who may pause: operator or admin");
	return 0;
}

int ferry_update_settings_set(struct ferry_ctx *ctx, const char *project,
			      const struct ferry_update_settings *s, int64_t now_ms,
			      struct ferry_error *err)
{
	struct ferry_update_settings old;
	struct ferry_project p;
	int rc;

	if ((rc = settings_check(s, err)) || (rc = ferry_update_settings_get(ctx, project, &old, err)) ||
	    (rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO update_settings(project_id, prod_window, tz_min, sandbox_lead_days, package, "
		"pause_role, enabled, since_ms, updated_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (project_id) DO UPDATE SET prod_window = excluded.prod_window, tz_min = excluded.tz_min, "
		"sandbox_lead_days = excluded.sandbox_lead_days, package = excluded.package, "
		"pause_role = excluded.pause_role, enabled = excluded.enabled, since_ms = excluded.since_ms, "
		"updated_ms = excluded.updated_ms", "itddtddii", p.id, s->window, s->tz_min,
		s->sandbox_lead_days, s->package, (int)s->pause_role, s->enabled ? 1 : 0,
		s->enabled && !old.enabled ? now_ms : old.since_ms, now_ms);
	if (rc) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	return ferry_store_commit(ctx->store, err);
}

json_t *ferry_update_settings_to_json(const struct ferry_update_settings *s)
{
	char tz[16], since[32];
	int m = s->tz_min < 0 ? -s->tz_min : s->tz_min;

	snprintf(tz, sizeof(tz), "%c%02d:%02d", s->tz_min < 0 ? '-' : '+', m / 60, m % 60);
	ferry_time_iso(s->since_ms, since);
	return json_pack("{s:s, s:s, s:i, s:s?, s:s, s:b, s:s?}", "window", s->window, "tz", tz,
			 "sandbox_lead_days", s->sandbox_lead_days, "package",
			 s->package[0] ? s->package : NULL, "pause_role",
			 ferry_token_role_name(s->pause_role), "enabled", s->enabled,
			 "since", s->since_ms ? since : NULL);
}

int uc_run_get(struct ferry_ctx *ctx, int64_t project_id, const char *version, const char *role,
	       const char *env, char state[24], char activity[37], int64_t *notified_ms,
	       struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	state[0] = '\0';
	if (activity)
		activity[0] = '\0';
	if (notified_ms)
		*notified_ms = 0;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT state, activity_id, notified_ms "
				    "FROM update_runs WHERE project_id = ? AND version = ? AND role = ? "
				    "AND env = ?", "ittt", project_id, version, role, env)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		snprintf(state, 24, "%s", ferry_stmt_text(st, 0));
		if (activity)
			snprintf(activity, 37, "%s", ferry_stmt_text(st, 1));
		if (notified_ms)
			*notified_ms = ferry_stmt_int(st, 2);
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}
