/* SPDX-License-Identifier: MIT */
/* schedule.h: scheduled operations and each project's recurring maintenance window.
 *
 * A schedule records an environment action (the name ferryd's API gives it:
 * "env.apply", "upgrade.begin", "db.refresh"...) with its arguments and a start
 * time; ferryd's timer notifies the project ahead of it (event "scheduled") and
 * starts it then through the same library call as the API, which refuses it when
 * its prerequisites no longer hold (the schedule ends "refused" with the reason, and
 * the project is notified). `ferry --at TIME` and the API's "at" create them.
 *
 * States: scheduled -> starting -> started | refused; scheduled -> cancelled.
 * A window is "DAYS HH:MM DURATION" in UTC: DAYS is "daily" or a comma list of
 * mon..sun ("sat,sun 02:00 4h"); an operation scheduled "at": "window" starts at
 * the next opening and is refused when ferryd could not start it before it closed.
 */
#ifndef FERRY_SCHEDULE_H
#define FERRY_SCHEDULE_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

#define FERRY_SCHED_SCHEDULED "scheduled"
#define FERRY_SCHED_STARTING "starting"
#define FERRY_SCHED_STARTED "started"
#define FERRY_SCHED_REFUSED "refused"
#define FERRY_SCHED_CANCELLED "cancelled"

/* Parse a start time relative to now_ms: "+90s", "+10m", "+2h", "+1d", or ISO 8601
 * UTC "2026-05-01T02:00[:00]Z". FERRY_EINVAL with the accepted forms otherwise. */
int ferry_sched_parse_time(const char *s, int64_t now_ms, int64_t *out, struct ferry_error *err);

/* Check a window spec; with now_ms >= 0 also give its next opening at or after
 * now_ms (or the one open now) and its close. */
int ferry_window_next(const char *spec, int64_t now_ms, int64_t *start_ms, int64_t *end_ms,
		      struct ferry_error *err);
/* Set (spec NULL: clear) a project's maintenance window; one transaction. */
int ferry_window_set(struct ferry_ctx *ctx, const char *project, const char *spec,
		     struct ferry_error *err);
/* {project, window (null when none), next_start, next_end}; caller owns *out. */
int ferry_window_get(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err);

struct ferry_sched_spec {
	const char *action;      /* "env.apply", ... */
	const char *env;
	const json_t *args;      /* borrowed: the action's arguments (with "env") */
	const char *at;          /* a time for ferry_sched_parse_time, or "window" */
};

/* Record a scheduled operation (refused in the past, for a missing environment, or
 * "window" without one). *out (may be NULL) gets its JSON view. */
int ferry_sched_add(struct ferry_ctx *ctx, const struct ferry_sched_spec *spec, json_t **out,
		    struct ferry_error *err);
/* Newest first; project NULL: every project. [{id, action, env, project, args, at,
 * window_end, state, activity_id, message, actor, created, notified}] */
int ferry_sched_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err);
int ferry_sched_get(struct ferry_ctx *ctx, int64_t id, json_t **out, struct ferry_error *err);
/* Cancel one still scheduled (FERRY_ESTATE otherwise). */
int ferry_sched_cancel(struct ferry_ctx *ctx, int64_t id, struct ferry_error *err);

/* For the timer: schedules to notify (scheduled, not notified, starting within
 * notify_before_ms) and schedules due (scheduled, at <= now). */
int ferry_sched_pending(struct ferry_ctx *ctx, int64_t now_ms, int64_t notify_before_ms,
			json_t **notify, json_t **due, struct ferry_error *err);
int ferry_sched_mark_notified(struct ferry_ctx *ctx, int64_t id, struct ferry_error *err);
/* Move from state `from` to `to` (with the activity ID and a message, may be NULL).
 * Returns 1 when it moved, 0 when another process moved it first: claims are safe
 * with several daemons on one store. */
int ferry_sched_transition(struct ferry_ctx *ctx, int64_t id, const char *from, const char *to,
			   const char *activity, const char *message, struct ferry_error *err);

/* This component's tables (scheduled operations, maintenance windows), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_schedule;

#endif
