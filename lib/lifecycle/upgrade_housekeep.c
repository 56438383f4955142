/* SPDX-License-Identifier: MIT */
/* upgrade_housekeep.c: the upgrade's housekeeping, run by ferryd's timer and `ferry
 * upgrade housekeep`: a warning before an uncommitted upgrade expires (one per
 * upgrade), the expiry itself (cancelled before the data upgrade, committed after it
 * through the same commands as an operator's), and the removal of restore points past
 * their retention and of the writes a rollback kept. It sits above the commands
 * (upgrade_cmd.c) it runs. */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/project/notify.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(json_t *rep, const struct ferry_upgrade *u, const char *action, const char *msg)
{
	if (rep)
		json_array_append_new(rep, json_pack("{s:s, s:s, s:s, s:s}", "env", u->env, "project",
						     u->project, "action", action, "message", msg));
}

static void expire(struct ferry_ctx *ctx, const struct ferry_upgrade *u, int64_t expiry_s, json_t *rep)
{
	struct ferry_error e;
	char msg[FERRY_ERROR_MSG_MAX + 64], reason[128], act[37];
	int rc = 0;

	ferry_error_clear(&e);
	snprintf(reason, sizeof(reason), "expired: not committed within %lld s", (long long)expiry_s);
	if (!strcmp(u->phase, FERRY_UP_PREPARING) || !strcmp(u->phase, FERRY_UP_PREPARED)) {
		rc = up_cancel(ctx, u->env, NULL, reason, NULL, act, &e);
		snprintf(msg, sizeof(msg), rc ? "expired, cancel failed: %s" : "expired: cancelled, the "
			 "original kept", e.msg);
		report(rep, u, rc ? "expire-failed" : "expired-cancelled", msg);
	} else if (!strcmp(u->phase, FERRY_UP_DATA_UPGRADED)) {
		rc = ferry_upgrade_commit(ctx, u->env, NULL, act, &e);
		snprintf(msg, sizeof(msg), rc ? "expired, commit failed: %s" : "expired after its data "
			 "upgrade: committed (the restore point is kept)", e.msg);
		report(rep, u, rc ? "expire-failed" : "expired-committed", msg);
	} else {
		snprintf(msg, sizeof(msg), "expired in phase '%s': an operator must resume or roll it back",
			 u->phase);
		report(rep, u, "expired-needs-operator", msg);
	}
	up_notify(ctx, u, rc ? FERRY_EVENT_FAILED : FERRY_EVENT_COMPLETED, msg, act, reason);
}

static int load_all(struct ferry_ctx *ctx, const char *where, struct ferry_upgrade **out, size_t *n,
		    struct ferry_error *err)
{
	struct ferry_stmt *st;
	char sql[256];
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT id FROM upgrades WHERE %s ORDER BY id", where);
	if ((rc = ferry_store_query(ctx->store, &st, err, sql, "")))
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		struct ferry_upgrade *v = realloc(*out, (*n + 1) * sizeof(**out));
		if (!v) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			break;
		}
		*out = v;
		(*out)[(*n)++].id = ferry_stmt_int(st, 0);
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static void retire_rp(struct ferry_ctx *ctx, const struct ferry_upgrade *u, json_t *rep)
{
	struct ferry_envdb *db = NULL;
	char msg[256];

	if (!up_rp_db(ctx, u, &db, NULL) &&
	    (!ferry_envdb_rp_exists(db, u->restore_point) || !ferry_envdb_rp_rm(db, u->restore_point, NULL)) &&
	    !up_set_int(ctx, u->id, "rp_removed_ms", ferry_now_ms(), NULL)) {
		snprintf(msg, sizeof(msg), "restore point %s removed after its retention period",
			 u->restore_point);
		report(rep, u, "restore-point-removed", msg);
	}
	ferry_envdb_free(db);
}

/* The writes a rollback kept (users' data): removed after the project's retention. */
static void retire_writes(struct ferry_ctx *ctx, int64_t now, json_t *rep)
{
	struct ferry_upgrade *ids = NULL, u;
	struct ferry_upgrade_settings s;
	size_t n = 0, i;

	if (load_all(ctx, "phase = 'rolled-back' AND end_op <> ''", &ids, &n, NULL))
		return;
	for (i = 0; i < n; i++) {
		char *dir = NULL, msg[256];
		if (up_get(ctx, ids[i].id, &u, NULL) ||
		    ferry_upgrade_settings_get(ctx, u.project_id, &s, NULL) ||
		    now < u.ended_ms + s.retention_s * 1000 || !(dir = up_writes_dir(ctx, u.end_op)))
			goto next;
		if (ferry_path_exists(dir) && !ferry_rm_rf(dir, NULL)) {
			snprintf(msg, sizeof(msg), "the writes kept by rollback %s removed after the "
				 "retention period", u.end_op);
			report(rep, &u, "writes-removed", msg);
		}
next:
		free(dir);
	}
	free(ids);
}

int ferry_upgrade_housekeep(struct ferry_ctx *ctx, json_t **rep, struct ferry_error *err)
{
	return ferry_upgrade_housekeep_at(ctx, ferry_clock_ms(&ctx->settings), rep, err);
}

int ferry_upgrade_housekeep_at(struct ferry_ctx *ctx, int64_t now, json_t **rep,
			       struct ferry_error *err)
{
	struct ferry_upgrade *ids = NULL, u;
	struct ferry_upgrade_settings s;
	json_t *out = json_array();
	size_t n, i;
	int rc;

	if ((rc = load_all(ctx, "phase NOT IN ('committed', 'rolled-back', 'cancelled') OR "
			   "(phase = 'committed' AND restore_point <> '' AND rp_removed_ms = 0)",
			   &ids, &n, err)))
		goto out;
	for (i = 0; i < n; i++) {
		int64_t expires;
		if (up_get(ctx, ids[i].id, &u, NULL) ||
		    ferry_upgrade_settings_get(ctx, u.project_id, &s, NULL))
			continue;
		if (!strcmp(u.phase, FERRY_UP_COMMITTED)) {
			if (now >= u.committed_ms + s.retention_s * 1000)
				retire_rp(ctx, &u, out);
			continue;
		}
		expires = u.created_ms + s.expiry_s * 1000;
		if (now >= expires) {
			expire(ctx, &u, s.expiry_s, out);
		} else if (now >= expires - s.warn_s * 1000 && !u.warned_ms) {
			char when[32], msg[256];
			ferry_time_iso(expires, when);
			snprintf(msg, sizeof(msg), "not committed: expires on %s (in %lld s)", when,
				 (long long)((expires - now) / 1000));
			up_notify(ctx, &u, FERRY_EVENT_SCHEDULED, msg, "", NULL);
			up_set_int(ctx, u.id, "warned_ms", now, NULL);
			report(out, &u, "warned", msg);
		}
	}
	retire_writes(ctx, now, out);
out:
	free(ids);
	if (rep && !rc)
		*rep = out;
	else
		json_decref(out);
	return rc;
}
