/* SPDX-License-Identifier: MIT */
/* update_cadence.h: service updates on a cadence (docs/UPDATES.md). The catalog lists
 * the service updates (ferry/catalog/service_update.h); a project's update settings say
 * when its production is updated (a weekly window in its time zone) and how long before
 * it the sandbox is; ferryd's tick (ferry_update_tick) notifies ahead, applies each
 * update's package to the sandbox in its window, and to production only after every
 * sandbox took it and none rolled it back (the release-candidate rule). An update may
 * be paused, never two in a row (the catalog's max_consecutive_pauses). Every call
 * takes the time as now_ms, so tests run months of calendar in a second. */
#ifndef FERRY_UPDATE_CADENCE_H
#define FERRY_UPDATE_CADENCE_H

#include <jansson.h>
#include <stdint.h>

#include "ferry/project/token.h"

struct ferry_ctx;
struct ferry_error;

struct ferry_update_settings {
	char window[64];         /* production window "sat 02:00 4h": DAYS HH:MM DURATION in tz */
	int tz_min;              /* the time zone's offset from UTC in minutes (+60: UTC+01:00) */
	int sandbox_lead_days;   /* the sandbox is updated this long before production */
	char package[64];        /* the service-update package's name in the asset library */
	enum ferry_token_role pause_role; /* who may pause (admin) */
	int enabled;             /* ferryd applies updates (1) or only shows the calendar (0) */
	int64_t since_ms;        /* updates whose sandbox date is before this are not applied */
};

/* The project's settings (defaults when never set: "sat 02:00 4h" UTC, the catalog's
 * sandbox lead, no package, admin, disabled). */
int ferry_update_settings_get(struct ferry_ctx *ctx, const char *project,
			      struct ferry_update_settings *out, struct ferry_error *err);
/* Store them (checked: window, tz -14:00..+14:00, lead 0-60 days, package name); one
 * transaction. since_ms is set to now_ms when the settings first enable updates. */
int ferry_update_settings_set(struct ferry_ctx *ctx, const char *project,
			      const struct ferry_update_settings *s, int64_t now_ms,
			      struct ferry_error *err);
json_t *ferry_update_settings_to_json(const struct ferry_update_settings *s);
/* "+01:00", "-05:30", "UTC", "Z" into minutes; FERRY_EINVAL otherwise. */
int ferry_update_tz_parse(const char *s, int *minutes, struct ferry_error *err);

/* The next `count` service updates of the project whose production window has not
 * closed at now_ms: [{version, platform, ga, end_of_service, paused, sandbox: {date,
 * state, environments}, production: {date, state, environments}}], dates ISO 8601 UTC
 * (null when paused). Caller owns *out. */
int ferry_update_calendar(struct ferry_ctx *ctx, const char *project, int64_t now_ms, int count,
			  json_t **out, struct ferry_error *err);

/* Pause one update (version NULL: the next one not yet started) for the project:
 * refused (FERRY_EREFUSED, the rule named) when `role` is below the settings'
 * pause_role, when it would make more paused updates in a row than the catalog allows,
 * or when its sandbox or production update has started. *version_out (may be NULL,
 * 32 bytes) gets the version paused. */
int ferry_update_pause(struct ferry_ctx *ctx, const char *project, const char *version,
		       const char *actor, enum ferry_token_role role, int64_t now_ms,
		       char version_out[32], struct ferry_error *err);
/* Resume a paused update (version NULL: the next paused one). */
int ferry_update_resume(struct ferry_ctx *ctx, const char *project, const char *version,
			enum ferry_token_role role, int64_t now_ms, char version_out[32],
			struct ferry_error *err);

/* What the tick needs from its caller: start applying package_ref ("name@version") to
 * env as ferryd's env.apply action does; 0 with activity filled, or an error. */
struct ferry_catalog;
struct ferry_update_hooks {
	int (*start)(void *arg, struct ferry_ctx *ctx, const char *project, const char *env,
		     const char *package_ref, char activity[37], struct ferry_error *err);
	void *arg;
	/* Optional: the product catalog to plan with, loaded once by a caller that ticks
	 * many times (a simulation of months); NULL, or another product's: each project's
	 * product catalog is opened on every tick (so an edited catalog is seen). */
	const struct ferry_catalog *catalog;
};

/* One pass of the scheduler at now_ms over every project with updates enabled:
 * notices notify_days ahead (event "scheduled"), starts due updates through
 * hooks->start (sandbox in its window; production only under the release-candidate
 * rule, else "held"), follows started ones to "succeeded" (event "completed"),
 * "failed" or "rolled-back" (event "failed"). Each transition is a conditional update,
 * so two nodes never start one twice. *report (may be NULL): [{project, version, role,
 * env, action, message}]. */
int ferry_update_tick(struct ferry_ctx *ctx, int64_t now_ms, const struct ferry_update_hooks *hooks,
		      json_t **report, struct ferry_error *err);

/* This component's tables (update settings, pauses, runs), migrated on open. */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_update_cadence;

#endif
