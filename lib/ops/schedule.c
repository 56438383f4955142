/* SPDX-License-Identifier: MIT */
/* schedule.c: scheduled operations and maintenance windows (see schedule.h). The
 * daemon starts them; this file only records, parses and answers. */
#include "ferry/ops/schedule.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const schedule_steps[] = {
	/* 1: scheduled operations, maintenance windows */
	"CREATE TABLE schedules("
	"  id INTEGER PRIMARY KEY,"
	"  action TEXT NOT NULL,"
	"  env TEXT NOT NULL,"
	"  project TEXT NOT NULL,"
	"  args TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  window_end_ms INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL,"
	"  activity_id TEXT,"
	"  message TEXT,"
	"  actor TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  notified_ms INTEGER NOT NULL DEFAULT 0,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE INDEX schedules_due ON schedules(state, at_ms);"
	"CREATE TABLE maintenance_windows("
	"  project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,"
	"  spec TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL);",
};

const struct ferry_migrations ferry_schema_schedule = {
	"schedule", schedule_steps, (int)(sizeof(schedule_steps) / sizeof(schedule_steps[0]))
};

#define TIME_FORMS "'+90s', '+10m', '+2h', '+1d', or UTC '2026-05-01T02:00Z'"

int ferry_sched_parse_time(const char *s, int64_t now_ms, int64_t *out, struct ferry_error *err)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 } };
	struct tm tm;
	long long n;
	char num[24], *end;
	size_t len = strlen(s), i;

	if (s[0] == '+' && len >= 3 && len < sizeof(num)) {
		memcpy(num, s + 1, len - 2);
		num[len - 2] = '\0';
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (s[len - 1] == units[i].unit && strspn(num, "0123456789") == len - 2 &&
			    !ferry_parse_int(num, 0, 366LL * 86400, &n)) {
				*out = now_ms + n * units[i].ms;
				return 0;
			}
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (end && *end == ':')
		end = strptime(end, ":%S", &tm);
	if (end && !strcmp(end, "Z")) {
		*out = (int64_t)timegm(&tm) * 1000;
		return 0;
	}
	return ferry_error_set(err, FERRY_EINVAL, "cannot read the time '%s': give %s", s, TIME_FORMS);
}

/* ---- windows -------------------------------------------------------------- */

struct window {
	unsigned days;      /* bit 0 = Sunday (tm_wday) */
	int minute;         /* of the day, UTC */
	int64_t len_ms;
};

static int window_parse(const char *spec, struct window *w, struct ferry_error *err)
{
	static const char *const names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	char days[64], dur[16], *d, *next;
	int hh, mm, i, n = 0;
	int64_t t;

	memset(w, 0, sizeof(*w));
	if (sscanf(spec, "%63s %d:%d %15s%n", days, &hh, &mm, dur, &n) != 4 || spec[n] ||
	    hh < 0 || hh > 23 || mm < 0 || mm > 59)
		goto bad;
	if (!strcmp(days, "daily")) {
		w->days = 0x7f;
	} else {
		for (d = days; d; d = next) {
			if ((next = strchr(d, ',')))
				*next++ = '\0';
			for (i = 0; i < 7 && strcmp(d, names[i]); i++)
				;
			if (i == 7)
				goto bad;
			w->days |= 1u << i;
		}
	}
	if (!w->days)
		goto bad;
	if (snprintf(days, sizeof(days), "+%s", dur) >= (int)sizeof(days) ||
	    ferry_sched_parse_time(days, 0, &t, NULL) || t <= 0 || t > 86400000LL * 7)
		goto bad;
	w->minute = hh * 60 + mm;
	w->len_ms = t;
	return 0;
bad:
	return ferry_error_set(err, FERRY_EINVAL, "cannot read the maintenance window '%s': give "
			       "'DAYS HH:MM DURATION' in UTC, DAYS 'daily' or a list like 'sat,sun', "
			       "e.g. 'sat,sun 02:00 4h'", spec);
}

int ferry_window_next(const char *spec, int64_t now_ms, int64_t *start_ms, int64_t *end_ms,
		      struct ferry_error *err)
{
	struct window w;
	int64_t day0, s;
	int k, rc;
	struct tm tm;
	time_t t;

	if ((rc = window_parse(spec, &w, err)) || now_ms < 0)
		return rc;
	t = (time_t)(now_ms / 1000);
	gmtime_r(&t, &tm);
	day0 = (now_ms / 86400000) * 86400000;
	for (k = -7; k <= 7; k++) { /* an opening that is still open, else the next one */
		int wday = ((tm.tm_wday + k) % 7 + 7) % 7;
		if (!(w.days & (1u << wday)))
			continue;
		s = day0 + (int64_t)k * 86400000 + (int64_t)w.minute * 60000;
		if (s + w.len_ms > now_ms) {
			*start_ms = s;
			*end_ms = s + w.len_ms;
			return 0;
		}
	}
	return ferry_error_set(err, FERRY_EINTERNAL, "no opening of window '%s'", spec);
}

int ferry_window_set(struct ferry_ctx *ctx, const char *project, const char *spec,
		     struct ferry_error *err)
{
	struct ferry_project p;
	int64_t a, b;
	int rc;

	if (spec && (rc = ferry_window_next(spec, -1, &a, &b, err)))
		return rc;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		goto fail;
	rc = spec ? ferry_store_run(ctx->store, err,
			"INSERT INTO maintenance_windows(project_id, spec, updated_ms) VALUES(?, ?, ?) "
			"ON CONFLICT (project_id) DO UPDATE SET spec = excluded.spec, updated_ms = excluded.updated_ms",
			"iti", p.id, spec, ferry_now_ms())
		  : ferry_store_run(ctx->store, err, "DELETE FROM maintenance_windows WHERE project_id = ?",
			"i", p.id);
	if (rc)
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

/* The project's window spec into out (empty when none). */
static int window_spec(struct ferry_ctx *ctx, const char *project, char out[128],
		       struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	out[0] = '\0';
	rc = ferry_store_query(ctx->store, &st, err, "SELECT w.spec FROM maintenance_windows w "
		"JOIN projects p ON p.id = w.project_id WHERE p.name = ?", "t", project);
	if (rc)
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		snprintf(out, 128, "%s", ferry_stmt_text(st, 0));
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ferry_window_get(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_project p;
	char spec[128], a[32], b[32];
	int64_t s, e;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)) || (rc = window_spec(ctx, project, spec, err)))
		return rc;
	if (!spec[0]) {
		*out = json_pack("{s:s, s:n, s:n, s:n}", "project", project, "window", "next_start", "next_end");
		return 0;
	}
	if ((rc = ferry_window_next(spec, ferry_clock_ms(&ctx->settings), &s, &e, err)))
		return rc;
	ferry_time_iso(s, a);
	ferry_time_iso(e, b);
	*out = json_pack("{s:s, s:s, s:s, s:s}", "project", project, "window", spec,
			 "next_start", a, "next_end", b);
	return 0;
}

/* ---- schedules ------------------------------------------------------------ */

#define SCHED_COLS "id, action, env, project, args, at_ms, window_end_ms, state, activity_id, " \
		   "message, actor, created_ms, notified_ms"

static json_t *row_json(struct ferry_stmt *st)
{
	char at[32], end[32], created[32], notified[32];
	json_t *o;

	ferry_time_iso(ferry_stmt_int(st, 5), at);
	ferry_time_iso(ferry_stmt_int(st, 6), end);
	ferry_time_iso(ferry_stmt_int(st, 11), created);
	ferry_time_iso(ferry_stmt_int(st, 12), notified);
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s?, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:I}",
		"id", (json_int_t)ferry_stmt_int(st, 0), "action", ferry_stmt_text(st, 1),
		"env", ferry_stmt_text(st, 2), "project", ferry_stmt_text(st, 3),
		"args", json_loads(ferry_stmt_text(st, 4), 0, NULL), "at", at,
		"window_end", ferry_stmt_int(st, 6) ? end : NULL, "state", ferry_stmt_text(st, 7),
		"activity_id", ferry_stmt_is_null(st, 8) ? NULL : ferry_stmt_text(st, 8),
		"message", ferry_stmt_is_null(st, 9) ? NULL : ferry_stmt_text(st, 9),
		"actor", ferry_stmt_text(st, 10), "created", created,
		"notified", ferry_stmt_int(st, 12) ? notified : NULL, "at_ms", (json_int_t)ferry_stmt_int(st, 5));
	json_object_set_new(o, "window_end_ms", json_integer(ferry_stmt_int(st, 6)));
	return o;
}

static int rows(struct ferry_stmt *st, json_t **out, struct ferry_error *err)
{
	json_t *arr = json_array();
	int rc;

	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, row_json(st));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int ferry_sched_get(struct ferry_ctx *ctx, int64_t id, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	json_t *arr;
	int rc;

	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " SCHED_COLS " FROM schedules WHERE id = ?",
				    "i", id)) || (rc = rows(st, &arr, err)))
		return rc;
	if (!json_array_size(arr)) {
		json_decref(arr);
		return ferry_error_set(err, FERRY_ENOTFOUND, "no scheduled operation %lld: see 'GET /api/schedules'",
				       (long long)id);
	}
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

int ferry_sched_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = project ? ferry_store_query(ctx->store, &st, err, "SELECT " SCHED_COLS " FROM schedules "
					     "WHERE project = ? ORDER BY id DESC", "t", project)
			 : ferry_store_query(ctx->store, &st, err, "SELECT " SCHED_COLS " FROM schedules "
					     "ORDER BY id DESC", "");

	return rc ? rc : rows(st, out, err);
}

int ferry_sched_add(struct ferry_ctx *ctx, const struct ferry_sched_spec *spec, json_t **out,
		    struct ferry_error *err)
{
	struct ferry_env e;
	struct ferry_stmt *st;
	char wspec[128], *args = NULL;
	int64_t now = ferry_clock_ms(&ctx->settings), at = 0, end = 0, id = 0;
	int rc;

	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_env_get(ctx, spec->env, &e, err)))
		goto fail;
	if (!strcmp(spec->at, "window")) {
		if ((rc = window_spec(ctx, e.project, wspec, err)))
			goto fail;
		if (!wspec[0]) {
			rc = ferry_error_set(err, FERRY_EREFUSED, "project '%s' has no maintenance window: "
				"set one (PUT /api/projects/%s/maintenance-window) or give a time", e.project, e.project);
			goto fail;
		}
		if ((rc = ferry_window_next(wspec, now, &at, &end, err)))
			goto fail;
		if (at < now)
			at = now;
	} else if ((rc = ferry_sched_parse_time(spec->at, now, &at, err))) {
		goto fail;
	} else if (at < now - 1000) {
		char iso[32];
		ferry_time_iso(at, iso);
		rc = ferry_error_set(err, FERRY_EINVAL, "%s is in the past: schedule a later time", iso);
		goto fail;
	}
	if (!(args = spec->args ? json_dumps(spec->args, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}"))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory recording the schedule's arguments");
		goto fail;
	}
	rc = ferry_store_query(ctx->store, &st, err,
		"INSERT INTO schedules(action, env, project, args, at_ms, window_end_ms, state, actor, "
		"created_ms, updated_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", "ttttiittii",
		spec->action, e.name, e.project, args, at, end, FERRY_SCHED_SCHEDULED,
		ctx->actor ? ctx->actor : "cli", now, now);
	free(args);
	if (rc)
		goto fail;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if (rc < 0 || (rc = ferry_store_commit(ctx->store, err)))
		goto fail;
	return out ? ferry_sched_get(ctx, id, out, err) : 0;
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_sched_transition(struct ferry_ctx *ctx, int64_t id, const char *from, const char *to,
			   const char *activity, const char *message, struct ferry_error *err)
{
	int rc = ferry_store_run(ctx->store, err,
		"UPDATE schedules SET state = ?, activity_id = COALESCE(?, activity_id), "
		"message = COALESCE(?, message), updated_ms = ? WHERE id = ? AND state = ?",
		"tttiit", to, activity, message, ferry_now_ms(), id, from);

	return rc ? rc : ferry_store_changes(ctx->store) > 0;
}

int ferry_sched_cancel(struct ferry_ctx *ctx, int64_t id, struct ferry_error *err)
{
	json_t *o;
	int rc;

	if ((rc = ferry_sched_get(ctx, id, &o, err)))
		return rc;
	rc = ferry_sched_transition(ctx, id, FERRY_SCHED_SCHEDULED, FERRY_SCHED_CANCELLED, NULL,
				    "cancelled", err);
	if (rc == 0)
		rc = ferry_error_set(err, FERRY_ESTATE, "scheduled operation %lld is %s: only a scheduled "
				     "one can be cancelled", (long long)id,
				     json_string_value(json_object_get(o, "state")));
	json_decref(o);
	return rc < 0 ? rc : 0;
}

int ferry_sched_pending(struct ferry_ctx *ctx, int64_t now_ms, int64_t notify_before_ms,
			json_t **notify, json_t **due, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	*notify = *due = NULL;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " SCHED_COLS " FROM schedules "
			"WHERE state = ? AND notified_ms = 0 AND at_ms <= ? ORDER BY at_ms", "ti",
			FERRY_SCHED_SCHEDULED, now_ms + notify_before_ms)) || (rc = rows(st, notify, err)))
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " SCHED_COLS " FROM schedules "
			"WHERE state = ? AND at_ms <= ? ORDER BY at_ms", "ti", FERRY_SCHED_SCHEDULED, now_ms)) ||
	    (rc = rows(st, due, err))) {
		json_decref(*notify);
		*notify = NULL;
	}
	return rc;
}

int ferry_sched_mark_notified(struct ferry_ctx *ctx, int64_t id, struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err, "UPDATE schedules SET notified_ms = ? WHERE id = ?",
			       "ii", ferry_now_ms(), id);
}
