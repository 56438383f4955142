/* SPDX-License-Identifier: MIT */
/* upgrade_record.c: the records of the self-service upgrade, the bottom of its files:
 * the component's tables, one `upgrades` row per upgrade (reading it, changing its
 * phase and columns, finishing it), per-project upgrade settings, the packages applied
 * to an upgrade-in-progress environment, and the upgrade's notifications. Nothing here
 * checks a rule or runs an operation (those are upgrade_rules.c, preflight.c,
 * upgrade_status.c above, and upgrade_cmd.c on top). */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/notify.h"
#include "ferry/project/project.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S (24 * 3600LL)

static const char *const upgrade_steps[] = {
	/* 1: upgrades, the packages applied during each, settings, step journal */
	"CREATE TABLE upgrades("
	"  id INTEGER PRIMARY KEY,"
	"  env_id INTEGER NOT NULL REFERENCES environments(id),"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  env TEXT NOT NULL, project TEXT NOT NULL, role TEXT NOT NULL,"
	"  from_release TEXT NOT NULL, from_platform TEXT NOT NULL,"
	"  to_release TEXT NOT NULL, to_platform TEXT NOT NULL,"
	"  phase TEXT NOT NULL,"
	"  app_asset TEXT NOT NULL, data_asset TEXT NOT NULL DEFAULT '',"
	"  orig_port INTEGER NOT NULL DEFAULT 0,"
	"  restore_point TEXT NOT NULL DEFAULT '', rp_conn TEXT NOT NULL DEFAULT '',"
	"  rp_removed_ms INTEGER NOT NULL DEFAULT 0,"
	"  predicted_ms INTEGER NOT NULL DEFAULT -1, predicted_from TEXT NOT NULL DEFAULT '',"
	"  downtime_start_ms INTEGER NOT NULL DEFAULT 0, downtime_end_ms INTEGER NOT NULL DEFAULT 0,"
	"  prepare_op TEXT NOT NULL DEFAULT '', data_op TEXT NOT NULL DEFAULT '',"
	"  end_op TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '',"
	"  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0, committed_ms INTEGER NOT NULL DEFAULT 0,"
	"  warned_ms INTEGER NOT NULL DEFAULT 0);"
	/* one upgrade that has not ended per environment */
	"CREATE UNIQUE INDEX upgrades_active ON upgrades(env_id)"
	"  WHERE phase NOT IN ('committed', 'rolled-back', 'cancelled');"
	"CREATE INDEX upgrades_project ON upgrades(project_id, to_release);"
	"CREATE TABLE upgrade_settings("
	"  project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,"
	"  retention_s INTEGER NOT NULL, expiry_s INTEGER NOT NULL, warn_s INTEGER NOT NULL,"
	"  refresh_max_age_s INTEGER NOT NULL, disk_reserve_bytes INTEGER NOT NULL);"
	"CREATE TABLE upgrade_step_journal("
	"  op_id INTEGER NOT NULL REFERENCES operations(id) ON DELETE CASCADE,"
	"  list TEXT NOT NULL, idx INTEGER NOT NULL,"
	"  name TEXT NOT NULL, phase TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,"
	"  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	"  elapsed_ms INTEGER NOT NULL DEFAULT 0,"
	"  started_ms INTEGER, ended_ms INTEGER, error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (op_id, list, idx));"
	/* refreshes, copies and rehearsals (refresh.c) */
	"CREATE TABLE db_refreshes("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL, kind TEXT NOT NULL,"
	"  source TEXT NOT NULL, source_role TEXT NOT NULL, source_release TEXT NOT NULL,"
	"  target TEXT NOT NULL, target_env_id INTEGER NOT NULL,"
	"  activity_id TEXT NOT NULL UNIQUE, snapshot_ms INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE rehearsals("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL, env TEXT NOT NULL,"
	"  from_release TEXT NOT NULL, to_release TEXT NOT NULL, data_asset TEXT NOT NULL,"
	"  activity_id TEXT NOT NULL UNIQUE, db_bytes INTEGER NOT NULL,"
	"  total_ms INTEGER NOT NULL, steps TEXT NOT NULL, data_steps TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);",
	/* 2: the writes since the swap (baseline, rollback that carries them) and the watch */
	"ALTER TABLE upgrades ADD COLUMN baseline TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE upgrades ADD COLUMN baseline_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrades ADD COLUMN discard_writes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrades ADD COLUMN auto_reason TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE upgrades ADD COLUMN watch_state TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE upgrades ADD COLUMN watch_until_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrades ADD COLUMN watch_next_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrades ADD COLUMN watch_failures INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrades ADD COLUMN watch_probes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrades ADD COLUMN watch_last TEXT NOT NULL DEFAULT '';"
	/* the upgrade-in-progress runtime's own database, given back to it by a rollback */
	"ALTER TABLE upgrades ADD COLUMN slot_db TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE upgrade_settings ADD COLUMN watch_s INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrade_settings ADD COLUMN auto_rollback INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE upgrade_settings ADD COLUMN health_failures INTEGER NOT NULL DEFAULT 3;"
	"ALTER TABLE upgrade_settings ADD COLUMN probe_interval_s INTEGER NOT NULL DEFAULT 10;",
	/* 3: the upgraded database held from its start until its baseline is taken */
	"ALTER TABLE upgrades ADD COLUMN baseline_hold TEXT NOT NULL DEFAULT '';",
};

const struct ferry_migrations ferry_schema_upgrade = {
	"upgrade", upgrade_steps, (int)(sizeof(upgrade_steps) / sizeof(upgrade_steps[0]))
};

#define UP_COLS "id, env_id, project_id, env, project, role, from_release, from_platform, " \
	"to_release, to_platform, phase, app_asset, data_asset, orig_port, restore_point, " \
	"rp_conn, rp_removed_ms, predicted_ms, predicted_from, downtime_start_ms, " \
	"downtime_end_ms, prepare_op, data_op, end_op, reason, actor, created_ms, updated_ms, " \
	"ended_ms, committed_ms, warned_ms, baseline, baseline_ms, discard_writes, auto_reason, " \
	"watch_state, watch_until_ms, watch_next_ms, watch_failures, watch_probes, watch_last, " \
	"slot_db, baseline_hold"

int ferry_upgrade_phase_terminal(const char *phase)
{
	return !strcmp(phase, FERRY_UP_COMMITTED) || !strcmp(phase, FERRY_UP_ROLLED_BACK) ||
	       !strcmp(phase, FERRY_UP_CANCELLED);
}

#define CP(dst, col) snprintf((dst), sizeof(dst), "%s", ferry_stmt_text(st, (col)) ? ferry_stmt_text(st, (col)) : "")

static void up_row(struct ferry_stmt *st, struct ferry_upgrade *u)
{
	memset(u, 0, sizeof(*u));
	u->id = ferry_stmt_int(st, 0);
	u->env_id = ferry_stmt_int(st, 1);
	u->project_id = ferry_stmt_int(st, 2);
	CP(u->env, 3); CP(u->project, 4); CP(u->role, 5);
	CP(u->from_release, 6); CP(u->from_platform, 7);
	CP(u->to_release, 8); CP(u->to_platform, 9);
	CP(u->phase, 10); CP(u->app_asset, 11); CP(u->data_asset, 12);
	u->orig_port = (int)ferry_stmt_int(st, 13);
	CP(u->restore_point, 14); CP(u->rp_conn, 15);
	u->rp_removed_ms = ferry_stmt_int(st, 16);
	u->predicted_ms = ferry_stmt_int(st, 17);
	CP(u->predicted_from, 18);
	u->downtime_start_ms = ferry_stmt_int(st, 19);
	u->downtime_end_ms = ferry_stmt_int(st, 20);
	CP(u->prepare_op, 21); CP(u->data_op, 22); CP(u->end_op, 23);
	CP(u->reason, 24); CP(u->actor, 25);
	u->created_ms = ferry_stmt_int(st, 26);
	u->updated_ms = ferry_stmt_int(st, 27);
	u->ended_ms = ferry_stmt_int(st, 28);
	u->committed_ms = ferry_stmt_int(st, 29);
	u->warned_ms = ferry_stmt_int(st, 30);
	CP(u->baseline, 31);
	u->baseline_ms = ferry_stmt_int(st, 32);
	u->discard_writes = (int)ferry_stmt_int(st, 33);
	CP(u->auto_reason, 34); CP(u->watch_state, 35);
	u->watch_until_ms = ferry_stmt_int(st, 36);
	u->watch_next_ms = ferry_stmt_int(st, 37);
	u->watch_failures = (int)ferry_stmt_int(st, 38);
	u->watch_probes = (int)ferry_stmt_int(st, 39);
	CP(u->watch_last, 40);
	CP(u->slot_db, 41);
	CP(u->baseline_hold, 42);
}

/* One row of `SELECT ... WHERE <where>` with one integer argument: 1, 0 none. */
static int up_query_one(struct ferry_ctx *ctx, const char *where, int64_t arg,
			struct ferry_upgrade *out, struct ferry_error *err)
{
	char sql[768];
	struct ferry_stmt *st;
	int rc;

	if (snprintf(sql, sizeof(sql), "SELECT " UP_COLS " FROM upgrades WHERE %s", where)
	    >= (int)sizeof(sql))
		return ferry_error_set(err, FERRY_EINTERNAL, "upgrades: query too long");
	if ((rc = ferry_store_query(ctx->store, &st, err, sql, "i", arg)))
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		up_row(st, out);
	ferry_stmt_free(st);
	return rc;
}

int up_get(struct ferry_ctx *ctx, int64_t id, struct ferry_upgrade *out, struct ferry_error *err)
{
	int rc = up_query_one(ctx, "id = ?", id, out, err);

	if (rc == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND, "no upgrade %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

int up_of_run(struct ferry_op_run *run, struct ferry_upgrade *out, struct ferry_error *err)
{
	json_t *v = json_object_get(run->op->params, "upgrade_id");

	if (!json_is_integer(v))
		return ferry_error_set(err, FERRY_EINTERNAL, "operation %s has no upgrade_id",
				       run->op->activity_id);
	return up_get(run->ctx, json_integer_value(v), out, err);
}

/* The environment's upgrade matching `where` (after "env_id = ? AND"): 1, 0 none. */
static int env_upgrade(struct ferry_ctx *ctx, const char *env, const char *where,
		       struct ferry_upgrade *out, struct ferry_error *err)
{
	char sql[256];
	struct ferry_env e;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	snprintf(sql, sizeof(sql), "env_id = ? %s", where);
	return up_query_one(ctx, sql, e.id, out, err);
}

int ferry_upgrade_active(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *out,
			 struct ferry_error *err)
{
	return env_upgrade(ctx, env, "AND phase NOT IN ('committed', 'rolled-back', 'cancelled')",
			   out, err);
}

int ferry_upgrade_last(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *out,
		       struct ferry_error *err)
{
	return env_upgrade(ctx, env, "ORDER BY id DESC LIMIT 1", out, err);
}

int up_set_phase(struct ferry_ctx *ctx, int64_t id, const char *phase, struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"UPDATE upgrades SET phase = ?, updated_ms = ? WHERE id = ?", "tii",
		phase, ferry_now_ms(), id);
}

static int col_ok(const char *col)
{
	static const char *const cols[] = {
		"orig_port", "rp_removed_ms", "predicted_ms", "downtime_start_ms",
		"downtime_end_ms", "committed_ms", "warned_ms", "ended_ms", "restore_point",
		"rp_conn", "predicted_from", "prepare_op", "data_op", "end_op", "reason",
		"data_asset", "baseline", "baseline_ms", "discard_writes", "auto_reason",
		"watch_state", "watch_until_ms", "watch_next_ms", "watch_failures", "watch_probes",
		"watch_last", "slot_db", "baseline_hold", NULL
	};
	int i;

	for (i = 0; cols[i]; i++)
		if (!strcmp(cols[i], col))
			return 1;
	return 0;
}

/* "UPDATE upgrades SET <col> = ?, updated_ms = ? WHERE id = ?" for a known column. */
static int set_sql(const char *col, char sql[128], struct ferry_error *err)
{
	if (!col_ok(col))
		return ferry_error_set(err, FERRY_EINTERNAL, "upgrades: no column '%s'", col);
	snprintf(sql, 128, "UPDATE upgrades SET %s = ?, updated_ms = ? WHERE id = ?", col);
	return 0;
}

int up_set_int(struct ferry_ctx *ctx, int64_t id, const char *col, int64_t v,
	       struct ferry_error *err)
{
	char sql[128];
	int rc = set_sql(col, sql, err);

	return rc ? rc : ferry_store_run(ctx->store, err, sql, "iii", v, ferry_now_ms(), id);
}

int up_set_text(struct ferry_ctx *ctx, int64_t id, const char *col, const char *v,
		struct ferry_error *err)
{
	char sql[128];
	int rc = set_sql(col, sql, err);

	return rc ? rc : ferry_store_run(ctx->store, err, sql, "tii", v, ferry_now_ms(), id);
}

static int main_running(struct ferry_ctx *ctx, const char *env)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt = NULL;
	int on = 0;

	if (!ferry_runtime_open(ctx, env, NULL, 0, &rt, NULL)) {
		ferry_runtime_status(rt, 0, &st);
		on = st.running;
	}
	ferry_runtime_free(rt);
	return on;
}

/* The upgrade of an operation that just succeeded: 1 (and *u), 0 for another state. */
static int succeeded(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_upgrade *u,
		     struct ferry_error *err)
{
	int rc;

	if (to != FERRY_OP_SUCCEEDED)
		return 0;
	return (rc = up_of_run(run, u, err)) ? rc : 1;
}

int up_finish_on_success(struct ferry_op_run *run, enum ferry_op_state to, const char *phase,
			 const char *reason, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc = succeeded(run, to, &u, err);

	return rc == 1 ? up_finish(run->ctx, &u, phase, reason, err) : rc;
}

int up_phase_on_success(struct ferry_op_run *run, enum ferry_op_state to, const char *phase,
			struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc = succeeded(run, to, &u, err);

	return rc == 1 ? up_set_phase(run->ctx, u.id, phase, err) : rc;
}

int up_finish(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *phase,
	      const char *reason, struct ferry_error *err)
{
	int64_t now = ferry_now_ms();
	int rc;

	if ((rc = ferry_store_run(ctx->store, err,
			"UPDATE upgrades SET phase = ?, reason = CASE WHEN ? = '' THEN reason ELSE ? END, "
			"ended_ms = ?, updated_ms = ?, committed_ms = CASE WHEN ? = 'committed' "
			"THEN ? ELSE committed_ms END, watch_state = CASE WHEN watch_state IN "
			"('watching', 'unhealthy', 'rolling-back') THEN 'ended' ELSE watch_state END "
			"WHERE id = ?",
			"tttiitii",
			phase, reason ? reason : "", reason ? reason : "", now, now, phase, now, u->id)))
		return rc;
	return ferry_env_set_state(ctx, u->env_id, main_running(ctx, u->env)
				   ? FERRY_ENV_DEPLOYED : FERRY_ENV_STOPPED, err);
}

int up_watch_arm(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_error *err)
{
	struct ferry_upgrade_settings s;
	int64_t now = ferry_now_ms();
	int rc = 0;

	if (u->watch_state[0] || (rc = ferry_upgrade_settings_get(ctx, u->project_id, &s, err)) ||
	    s.watch_s <= 0)
		return u->watch_state[0] ? 0 : rc;
	return ferry_store_run(ctx->store, err,
		"UPDATE upgrades SET watch_state = 'watching', watch_until_ms = ?, watch_next_ms = ?, "
		"watch_failures = 0, watch_probes = 0, watch_last = '', updated_ms = ? WHERE id = ?",
		"iiii", now + s.watch_s * 1000, now + s.probe_interval_s * 1000, now, u->id);
}

void up_rp_name(const struct ferry_upgrade *u, char out[64])
{
	snprintf(out, 64, "pre-upgrade-%lld", (long long)u->id);
}

void up_notify(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *event,
	       const char *what, const char *activity, const char *detail)
{
	char subject[256];
	json_t *data;

	snprintf(subject, sizeof(subject), "upgrade of '%s' to %s: %s", u->env, u->to_release, what);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "event", event, "project", u->project, "environment", u->env,
			 "operation", "upgrade", "to", u->to_release, "from", u->from_release,
			 "phase", u->phase, "activity_id", activity ? activity : "",
			 "message", detail ? detail : what);
	ferry_notify_send(ctx, u->project, event, subject, data);
	json_decref(data);
}

/* ---- settings ---- */

void up_settings_default(struct ferry_upgrade_settings *s)
{
	s->retention_s = 30 * DAY_S;
	s->expiry_s = 10 * DAY_S;
	s->warn_s = 3 * DAY_S;
	s->refresh_max_age_s = 7 * DAY_S;
	s->disk_reserve_bytes = 0;
	s->watch_s = 0;
	s->auto_rollback = 0;
	s->health_failures = 3;
	s->probe_interval_s = 10;
}

void ferry_upgrade_settings_keep(struct ferry_upgrade_settings *s)
{
	s->retention_s = s->expiry_s = s->warn_s = s->refresh_max_age_s = -1;
	s->disk_reserve_bytes = s->watch_s = s->auto_rollback = s->health_failures = -1;
	s->probe_interval_s = -1;
}

int ferry_upgrade_settings_get(struct ferry_ctx *ctx, int64_t project_id,
			       struct ferry_upgrade_settings *out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	up_settings_default(out);
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT retention_s, expiry_s, warn_s, refresh_max_age_s, disk_reserve_bytes, "
			"watch_s, auto_rollback, health_failures, probe_interval_s "
			"FROM upgrade_settings WHERE project_id = ?", "i", project_id)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		out->retention_s = ferry_stmt_int(st, 0);
		out->expiry_s = ferry_stmt_int(st, 1);
		out->warn_s = ferry_stmt_int(st, 2);
		out->refresh_max_age_s = ferry_stmt_int(st, 3);
		out->disk_reserve_bytes = ferry_stmt_int(st, 4);
		out->watch_s = ferry_stmt_int(st, 5);
		out->auto_rollback = ferry_stmt_int(st, 6);
		out->health_failures = ferry_stmt_int(st, 7);
		out->probe_interval_s = ferry_stmt_int(st, 8);
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ferry_upgrade_settings_set(struct ferry_ctx *ctx, const char *project,
			       const struct ferry_upgrade_settings *s, struct ferry_error *err)
{
	struct ferry_upgrade_settings cur;
	struct ferry_project p;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_upgrade_settings_get(ctx, p.id, &cur, err)))
		goto fail;
#define KEEP(f) if (s->f >= 0) cur.f = s->f
	KEEP(retention_s); KEEP(expiry_s); KEEP(warn_s); KEEP(refresh_max_age_s);
	KEEP(disk_reserve_bytes); KEEP(watch_s); KEEP(auto_rollback); KEEP(health_failures);
	KEEP(probe_interval_s);
#undef KEEP
	if (cur.auto_rollback > 1 || cur.health_failures < 1 || cur.probe_interval_s < 1) {
		rc = ferry_error_set(err, FERRY_EINVAL, "upgrade settings of '%s': %s", project,
				     cur.auto_rollback > 1 ? "auto-rollback is yes or no" :
				     cur.health_failures < 1 ? "health failures must be at least 1"
				     : "the probe interval must be at least 1 s");
		goto fail;
	}
	if ((rc = ferry_store_run(ctx->store, err, "DELETE FROM upgrade_settings WHERE project_id = ?",
				  "i", p.id)) ||
	    (rc = ferry_store_run(ctx->store, err,
			"INSERT INTO upgrade_settings(project_id, retention_s, expiry_s, warn_s, "
			"refresh_max_age_s, disk_reserve_bytes, watch_s, auto_rollback, health_failures, "
			"probe_interval_s) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "iiiiiiiiii",
			p.id, cur.retention_s, cur.expiry_s, cur.warn_s, cur.refresh_max_age_s,
			cur.disk_reserve_bytes, cur.watch_s, cur.auto_rollback, cur.health_failures,
			cur.probe_interval_s)))
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

json_t *ferry_upgrade_settings_to_json(const struct ferry_upgrade_settings *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I}",
			 "retention_s", (json_int_t)s->retention_s, "expiry_s", (json_int_t)s->expiry_s,
			 "warn_s", (json_int_t)s->warn_s,
			 "refresh_max_age_s", (json_int_t)s->refresh_max_age_s,
			 "disk_reserve_bytes", (json_int_t)s->disk_reserve_bytes,
			 "watch_s", (json_int_t)s->watch_s, "auto_rollback", s->auto_rollback == 1,
			 "health_failures", (json_int_t)s->health_failures,
			 "probe_interval_s", (json_int_t)s->probe_interval_s);
}

int ferry_upgrade_settings_patch(struct ferry_ctx *ctx, const char *project, const json_t *set,
				 json_t **out, struct ferry_error *err)
{
	static const char *const keys[] = { "retention_s", "expiry_s", "warn_s", "refresh_max_age_s",
		"disk_reserve_bytes", "watch_s", "auto_rollback", "health_failures", "probe_interval_s" };
	struct ferry_upgrade_settings s;
	int64_t *f[] = { &s.retention_s, &s.expiry_s, &s.warn_s, &s.refresh_max_age_s,
			 &s.disk_reserve_bytes, &s.watch_s, &s.auto_rollback, &s.health_failures,
			 &s.probe_interval_s };
	struct ferry_project p;
	const char *key;
	json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	ferry_upgrade_settings_keep(&s);
	json_object_foreach((json_t *)set, key, v) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[i], key); i++)
			;
		if (i == sizeof(keys) / sizeof(keys[0]))
			return ferry_error_set(err, FERRY_EINVAL, "no upgrade setting '%s' (settings: "
					       "retention_s, expiry_s, warn_s, refresh_max_age_s, "
					       "disk_reserve_bytes, watch_s, auto_rollback, health_failures, "
					       "probe_interval_s)", key);
		if (!strcmp(key, "auto_rollback") ? !json_is_boolean(v)
		    : !json_is_integer(v) || json_integer_value(v) < 0)
			return ferry_error_set(err, FERRY_EINVAL, "upgrade setting '%s' wants %s", key,
					       !strcmp(key, "auto_rollback") ? "true or false"
					       : "an integer of 0 or more");
		*f[i] = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
	}
	if ((json_object_size(set) && (rc = ferry_upgrade_settings_set(ctx, project, &s, err))) ||
	    (rc = ferry_project_get(ctx, project, &p, err)) ||
	    (rc = ferry_upgrade_settings_get(ctx, p.id, &s, err)))
		return rc;
	*out = ferry_upgrade_settings_to_json(&s);
	return 0;
}

int up_env_release(struct ferry_ctx *ctx, int64_t env_id, const char *rel, const char *pu,
		   struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"UPDATE environments SET app_release = ?, platform = ?, updated_ms = ? WHERE id = ?",
		"ttii", rel, pu, ferry_now_ms(), env_id);
}

/* ---- packages applied during an upgrade ---- */

json_t *up_packages(struct ferry_ctx *ctx, const struct ferry_upgrade *u)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();

	if (ferry_store_query(ctx->store, &st, NULL,
			"SELECT activity_id, kind, state, params, created_ms FROM operations "
			"WHERE env_id = ? AND kind IN ('env.apply', 'env.rollback') AND created_ms >= ? "
			"AND (? = 0 OR created_ms <= ?) ORDER BY id", "iiii", u->env_id, u->created_ms,
			u->ended_ms, u->ended_ms))
		return arr;
	while (ferry_stmt_step(st, NULL) == 1) {
		json_t *params = json_loads(ferry_stmt_text(st, 3), 0, NULL), *pkg;
		const char *slot = json_string_value(json_object_get(params, "slot"));
		char when[32], name[160];
		if (slot && !strcmp(slot, FERRY_SLOT_UPGRADE)) {
			pkg = json_object_get(params, "package");
			snprintf(name, sizeof(name), "%s@%s",
				 json_string_value(json_object_get(pkg, "name")) ?: "?",
				 json_string_value(json_object_get(pkg, "version")) ?: "?");
			ferry_time_iso(ferry_stmt_int(st, 4), when);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:O?, s:b, s:s}",
				"activity_id", ferry_stmt_text(st, 0), "kind", ferry_stmt_text(st, 1),
				"state", ferry_stmt_text(st, 2),
				"package", pkg ? name : "(rollback)",
				"type", json_object_get(pkg, "type"),
				"signed_off", !strcmp(ferry_stmt_text(st, 1), "env.apply") &&
					      !strcmp(ferry_stmt_text(st, 2), "succeeded"),
				"created", when));
		}
		json_decref(params);
	}
	ferry_stmt_free(st);
	return arr;
}

