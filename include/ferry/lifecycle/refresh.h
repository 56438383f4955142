/* SPDX-License-Identifier: MIT */
/* refresh.h: database refresh between environments (LCS "Database refresh"), the
 * copy of a database into a development environment, and the data upgrade rehearsal
 * there, whose step timings predict the upgrade's downtime.
 *
 * Operations (op.h), on the target environment:
 *   db.refresh        check, stop-target, copy, scrub, start-target, record
 *   db.copy           check, stop-target, copy, scrub, record (target left stopped
 *                     when the releases differ: run `env data-upgrade` next)
 *   env.data-upgrade  check, fetch, stop, restore-point, data-upgrade, start, dvt, record
 */
#ifndef FERRY_REFRESH_H
#define FERRY_REFRESH_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_op_hooks;

#define FERRY_OP_DB_REFRESH "db.refresh"
#define FERRY_OP_DB_COPY "db.copy"
#define FERRY_OP_ENV_DATA_UPGRADE "env.data-upgrade"

/* Refresh `to` from a consistent snapshot of `from` taken while it serves; the
 * target is stopped during the copy, scrubbed with the application's scrub steps
 * when the source is production, and started. Refused between different releases,
 * into production, and onto itself. */
int ferry_db_refresh(struct ferry_ctx *ctx, const char *from, const char *to,
		     const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err);
/* Copy `from`'s database into the development environment `to`, across releases. */
int ferry_db_copy(struct ferry_ctx *ctx, const char *from, const char *to,
		  const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err);
/* Run the data-upgrade package for the environment's release (package: an asset
 * REF, NULL: the project's newest one that applies) on a development environment's
 * database, recording each step's duration: the rehearsal. */
int ferry_env_data_upgrade(struct ferry_ctx *ctx, const char *env, const char *package,
			   const struct ferry_op_hooks *hooks, char activity[37],
			   struct ferry_error *err);

/* The newest refresh or copy into env: 1 (and *out: {kind, source, source_role,
 * source_release, snapshot, activity_id}), 0 none. */
int ferry_refresh_last(struct ferry_ctx *ctx, const char *env, json_t **out,
		       struct ferry_error *err);
/* Refreshes and copies of a project (or every project), newest first. */
int ferry_refresh_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		       struct ferry_error *err);
/* The project's newest successful rehearsal to `to_release` (from `from_release`
 * when not NULL): 1 (and *out: {activity_id, env, from, to, db_bytes, total_ms,
 * steps: {step: ms}, data_steps: [{name, phase, ms}], created}), 0 none. */
int ferry_rehearsal_find(struct ferry_ctx *ctx, int64_t project_id, const char *from_release,
			 const char *to_release, json_t **out, struct ferry_error *err);
int ferry_rehearsal_list(struct ferry_ctx *ctx, const char *project, json_t **out,
			 struct ferry_error *err);

#endif
