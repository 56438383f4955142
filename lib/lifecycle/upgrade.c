/* upgrade.c: the upgrades table (one row per self-service upgrade, its phase and
 * measurements), per-project upgrade settings, targets and `upgrade begin`. */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/feature.h"
#include "ferry/project/notify.h"
#include "ferry/lifecycle/preflight.h"
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
};

const struct ferry_migrations ferry_schema_upgrade = {
	"upgrade", upgrade_steps, (int)(sizeof(upgrade_steps) / sizeof(upgrade_steps[0]))
};

#define UP_COLS "id, env_id, project_id, env, project, role, from_release, from_platform, " \
	"to_release, to_platform, phase, app_asset, data_asset, orig_port, restore_point, " \
	"rp_conn, rp_removed_ms, predicted_ms, predicted_from, downtime_start_ms, " \
	"downtime_end_ms, prepare_op, data_op, end_op, reason, actor, created_ms, updated_ms, " \
	"ended_ms, committed_ms, warned_ms"

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
}

/* One row from a query ending in "... ?" with one text or int argument. */
static int up_query_one(struct ferry_ctx *ctx, const char *where, const char *types,
			const void *arg, struct ferry_upgrade *out, struct ferry_error *err)
{
	char sql[512];
	struct ferry_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " UP_COLS " FROM upgrades WHERE %s", where);
	if (types[0] == 'i')
		rc = ferry_store_query(ctx->store, &st, err, sql, "i", *(const int64_t *)arg);
	else
		rc = ferry_store_query(ctx->store, &st, err, sql, "t", (const char *)arg);
	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		up_row(st, out);
	ferry_stmt_free(st);
	return rc;
}

int up_get(struct ferry_ctx *ctx, int64_t id, struct ferry_upgrade *out, struct ferry_error *err)
{
	int rc = up_query_one(ctx, "id = ?", "i", &id, out, err);

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

int ferry_upgrade_active(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *out,
			 struct ferry_error *err)
{
	struct ferry_env e;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	return up_query_one(ctx, "env_id = ? AND phase NOT IN ('committed', 'rolled-back', "
			    "'cancelled')", "i", &e.id, out, err);
}

int ferry_upgrade_last(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *out,
		       struct ferry_error *err)
{
	struct ferry_env e;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	return up_query_one(ctx, "env_id = ? ORDER BY id DESC LIMIT 1", "i", &e.id, out, err);
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
		"data_asset", NULL
	};
	int i;

	for (i = 0; cols[i]; i++)
		if (!strcmp(cols[i], col))
			return 1;
	return 0;
}

int up_set_int(struct ferry_ctx *ctx, int64_t id, const char *col, int64_t v,
	       struct ferry_error *err)
{
	char sql[128];

	if (!col_ok(col))
		return ferry_error_set(err, FERRY_EINTERNAL, "upgrades: no column '%s'", col);
	snprintf(sql, sizeof(sql), "UPDATE upgrades SET %s = ?, updated_ms = ? WHERE id = ?", col);
	return ferry_store_run(ctx->store, err, sql, "iii", v, ferry_now_ms(), id);
}

int up_set_text(struct ferry_ctx *ctx, int64_t id, const char *col, const char *v,
		struct ferry_error *err)
{
	char sql[128];

	if (!col_ok(col))
		return ferry_error_set(err, FERRY_EINTERNAL, "upgrades: no column '%s'", col);
	snprintf(sql, sizeof(sql), "UPDATE upgrades SET %s = ?, updated_ms = ? WHERE id = ?", col);
	return ferry_store_run(ctx->store, err, sql, "tii", v, ferry_now_ms(), id);
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

int up_finish_on_success(struct ferry_op_run *run, enum ferry_op_state to, const char *phase,
			 const char *reason, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if (to != FERRY_OP_SUCCEEDED)
		return 0;
	if ((rc = up_of_run(run, &u, err)))
		return rc;
	return up_finish(run->ctx, &u, phase, reason, err);
}

int up_finish(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *phase,
	      const char *reason, struct ferry_error *err)
{
	int64_t now = ferry_now_ms();
	int rc;

	if ((rc = ferry_store_run(ctx->store, err,
			"UPDATE upgrades SET phase = ?, reason = CASE WHEN ? = '' THEN reason ELSE ? END, "
			"ended_ms = ?, updated_ms = ?, committed_ms = CASE WHEN ? = 'committed' "
			"THEN ? ELSE committed_ms END WHERE id = ?", "tttiitii",
			phase, reason ? reason : "", reason ? reason : "", now, now, phase, now, u->id)))
		return rc;
	return ferry_env_set_state(ctx, u->env_id, main_running(ctx, u->env)
				   ? FERRY_ENV_DEPLOYED : FERRY_ENV_STOPPED, err);
}

void up_rm_work(struct ferry_ctx *ctx, const struct ferry_upgrade *u)
{
	const char *ops[] = { u->prepare_op, u->data_op };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *dir = ops[i][0] ? up_work_dir(ctx, ops[i], NULL) : NULL;
		if (dir)
			ferry_rm_rf(dir, NULL);
		free(dir);
	}
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
}

int ferry_upgrade_settings_get(struct ferry_ctx *ctx, int64_t project_id,
			       struct ferry_upgrade_settings *out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	up_settings_default(out);
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT retention_s, expiry_s, warn_s, refresh_max_age_s, disk_reserve_bytes "
			"FROM upgrade_settings WHERE project_id = ?", "i", project_id)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		out->retention_s = ferry_stmt_int(st, 0);
		out->expiry_s = ferry_stmt_int(st, 1);
		out->warn_s = ferry_stmt_int(st, 2);
		out->refresh_max_age_s = ferry_stmt_int(st, 3);
		out->disk_reserve_bytes = ferry_stmt_int(st, 4);
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
	KEEP(disk_reserve_bytes);
#undef KEEP
	if ((rc = ferry_store_run(ctx->store, err, "DELETE FROM upgrade_settings WHERE project_id = ?",
				  "i", p.id)) ||
	    (rc = ferry_store_run(ctx->store, err,
			"INSERT INTO upgrade_settings(project_id, retention_s, expiry_s, warn_s, "
			"refresh_max_age_s, disk_reserve_bytes) VALUES(?, ?, ?, ?, ?, ?)", "iiiiii",
			p.id, cur.retention_s, cur.expiry_s, cur.warn_s, cur.refresh_max_age_s,
			cur.disk_reserve_bytes)))
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

json_t *ferry_upgrade_settings_to_json(const struct ferry_upgrade_settings *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}",
			 "retention_s", (json_int_t)s->retention_s, "expiry_s", (json_int_t)s->expiry_s,
			 "warn_s", (json_int_t)s->warn_s,
			 "refresh_max_age_s", (json_int_t)s->refresh_max_age_s,
			 "disk_reserve_bytes", (json_int_t)s->disk_reserve_bytes);
}

/* ---- targets ---- */

static int env_catalog(struct ferry_ctx *ctx, const char *env, struct ferry_env *e,
		       struct ferry_catalog **cat, struct ferry_error *err)
{
	int rc;

	if ((rc = ferry_env_get(ctx, env, e, err)))
		return rc;
	return ferry_catalog_open(ctx, e->product, cat, err);
}

int ferry_upgrade_targets(struct ferry_ctx *ctx, const char *env, json_t **out,
			  struct ferry_error *err)
{
	struct ferry_catalog_target *t = NULL;
	struct ferry_catalog *cat = NULL;
	struct ferry_env e;
	size_t n = 0, i;
	json_t *arr, *x;
	int rc;

	*out = NULL;
	if ((rc = env_catalog(ctx, env, &e, &cat, err)))
		return rc;
	if ((rc = ferry_catalog_targets(cat, e.app_release, e.platform, &t, &n, err)))
		goto out;
	arr = ferry_catalog_targets_to_json(cat, t, n);
	json_array_foreach(arr, i, x) {
		const struct ferry_catalog_release *r = t[i].release;
		const char *pu = r->platform && ferry_catalog_platform_cmp(r->platform, t[i].min_platform) > 0
			? r->platform->id : t[i].min_platform->id;
		char target[80];
		snprintf(target, sizeof(target), "%s/%s", r->id, pu);
		json_object_set_new(x, "platform", json_string(pu));
		json_object_set_new(x, "target", json_string(target));
		json_object_set_new(x, "self_service",
				    json_boolean(strcmp(t[i].kind, "platform-update") != 0));
	}
	*out = arr;
out:
	free(t);
	ferry_catalog_free(cat);
	return rc;
}

int ferry_upgrade_resolve_target(struct ferry_ctx *ctx, const char *env, const char *to,
				 char release[32], char platform[32], struct ferry_error *err)
{
	struct ferry_catalog_target *t = NULL;
	const struct ferry_catalog_target *hit = NULL;
	const struct ferry_catalog_platform *pu = NULL;
	struct ferry_catalog *cat = NULL;
	struct ferry_buf allowed = FERRY_BUF_INIT;
	char rel[64], *slash;
	struct ferry_env e;
	size_t n = 0, i;
	int rc;

	if (!to || !*to || snprintf(rel, sizeof(rel), "%s", to) >= (int)sizeof(rel))
		return ferry_error_set(err, FERRY_EINVAL, "invalid target '%s': want RELEASE or RELEASE/PUn",
				       to ? to : "");
	if ((slash = strchr(rel, '/')))
		*slash++ = '\0';
	if ((rc = env_catalog(ctx, env, &e, &cat, err)))
		return rc;
	if ((rc = ferry_catalog_targets(cat, e.app_release, e.platform, &t, &n, err)))
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(t[i].kind, "platform-update"))
			ferry_buf_addf(&allowed, "%s%s (from %s)", allowed.len ? ", " : "",
				       t[i].release->id, t[i].min_platform->id);
		if (!strcmp(t[i].release->id, rel))
			hit = &t[i];
	}
	if (!hit || !strcmp(hit->kind, "platform-update")) {
		rc = ferry_error_set(err, FERRY_EREFUSED,
			"the catalog does not allow an upgrade of '%s' from %s/%s to %s%s%s: allowed "
			"targets: %s (see 'ferry upgrade targets %s')", env, e.app_release, e.platform,
			rel, hit ? " (a platform-only move is applied in place as a platform package)" : "",
			"", allowed.len ? allowed.data : "none", env);
		goto out;
	}
	if (slash) {
		if ((rc = ferry_catalog_resolve_platform(cat, slash, &pu, err)))
			goto out;
		if ((rc = ferry_catalog_combination_check(cat, hit->release->id, pu->id, err)))
			goto out;
	} else {
		pu = hit->release->platform && ferry_catalog_platform_cmp(hit->release->platform,
									  hit->min_platform) > 0
			? hit->release->platform : hit->min_platform;
	}
	snprintf(release, 32, "%s", hit->release->id);
	snprintf(platform, 32, "%s", pu->id);
out:
	ferry_buf_release(&allowed);
	free(t);
	ferry_catalog_free(cat);
	return rc;
}

/* ---- begin ---- */

static int begin_rules(struct ferry_ctx *ctx, const struct ferry_env *e, const char *rel,
		       const char *pu, struct ferry_error *err)
{
	struct ferry_upgrade u;
	struct ferry_op *op = NULL;
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_upgrade_active(ctx, e->name, &u, err)) < 0)
		return rc;
	if (rc == 1)
		return ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' already has an upgrade to %s/%s in phase '%s': see "
			"'ferry upgrade status %s'", e->name, u.to_release, u.to_platform, u.phase, e->name);
	if ((rc = ferry_op_active_for_env(ctx, e->id, &op, err)) < 0)
		return rc;
	if (rc == 1) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"another operation runs on environment '%s': %s %s is %s at step '%s'; finish "
			"it first (see 'ferry op show %.8s')", e->name, op->kind, op->activity_id,
			ferry_op_state_name(op->state), op->step, op->activity_id);
		ferry_op_free(op);
		return rc;
	}
	if (e->role != FERRY_ROLE_PRODUCTION)
		return 0;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT env FROM upgrades WHERE project_id = ? AND role = 'sandbox' AND "
			"phase = 'committed' AND to_release = ? AND to_platform = ?", "itt",
			e->project_id, rel, pu)))
		return rc;
	rc = ferry_stmt_step(st, err);
	ferry_stmt_free(st);
	if (rc == 0)
		return ferry_error_set(err, FERRY_EREFUSED,
			"production environment '%s' cannot begin an upgrade to %s/%s yet: a sandbox of "
			"project '%s' must first upgrade to %s/%s and commit it ('ferry upgrade begin "
			"SANDBOX --to %s/%s')", e->name, rel, pu, e->project, rel, pu, rel, pu);
	return rc < 0 ? rc : 0;
}

static int begin_record(struct ferry_ctx *ctx, const struct ferry_env *e, const char *rel,
			const char *pu, const json_t *report, char activity[37],
			struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	struct ferry_op *op = NULL;
	struct ferry_op_spec spec = { FERRY_OP_UPGRADE_PREPARE, e->name, NULL, NULL };
	struct ferry_stmt *st;
	const char *app = json_string_value(json_object_get(report, "application_asset"));
	const char *data = json_string_value(json_object_get(report, "data_upgrade_asset"));
	int64_t now = ferry_now_ms(), id = 0;
	json_t *pred = NULL;
	int rc;

	if ((rc = ferry_runtime_open(ctx, e->name, NULL, 0, &rt, err)))
		return rc;
	if (ferry_upgrade_predict(ctx, e->name, rel, &pred, NULL))
		pred = NULL;
	if ((rc = ferry_store_begin(ctx->store, err)))
		goto out;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"INSERT INTO upgrades(env_id, project_id, env, project, role, from_release, "
			"from_platform, to_release, to_platform, phase, app_asset, data_asset, orig_port, "
			"predicted_ms, predicted_from, actor, created_ms, updated_ms) "
			"VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			"iittttttttttdittii", e->id, e->project_id, e->name, e->project,
			ferry_env_role_name(e->role), e->app_release, e->platform, rel, pu,
			FERRY_UP_PREPARING, app ? app : "", data ? data : "", ferry_runtime_port(rt),
			(int64_t)(pred ? json_integer_value(json_object_get(pred, "predicted_ms")) : -1),
			pred && json_string_value(json_object_get(pred, "rehearsal"))
				? json_string_value(json_object_get(pred, "rehearsal")) : "",
			ctx->actor ? ctx->actor : "", now, now)))
		goto fail;
	rc = ferry_stmt_step(st, err);
	id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	spec.params = json_pack("{s:I}", "upgrade_id", (json_int_t)id);
	if ((rc = ferry_op_create(ctx, &spec, &op, err)) ||
	    (rc = up_set_text(ctx, id, "prepare_op", op->activity_id, err)) ||
	    (rc = ferry_env_set_state(ctx, e->id, FERRY_ENV_UPGRADING, err)))
		goto fail;
	if ((rc = ferry_store_commit(ctx->store, err)))
		goto out;
	snprintf(activity, 37, "%s", op->activity_id);
	goto out;
fail:
	ferry_store_rollback(ctx->store);
out:
	json_decref(spec.params);
	json_decref(pred);
	ferry_op_free(op);
	ferry_runtime_free(rt);
	return rc;
}

int ferry_upgrade_begin(struct ferry_ctx *ctx, const char *env, const char *to,
			const struct ferry_op_hooks *hooks, char activity[37], json_t **warnings,
			struct ferry_error *err)
{
	char rel[32], pu[32], act[37] = "";
	json_t *report = NULL;
	struct ferry_runtime *rt = NULL;
	struct ferry_env e;
	int rc;

	if (warnings)
		*warnings = NULL;
	if (activity)
		activity[0] = '\0';
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if ((rc = ferry_feature_require(ctx, e.project, FERRY_FEATURE_UPGRADE_SELF_SERVE, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s'", env);
	if ((rc = ferry_runtime_open(ctx, env, NULL, 0, &rt, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade");
	ferry_runtime_free(rt);
	if ((rc = ferry_upgrade_resolve_target(ctx, env, to, rel, pu, err)) ||
	    (rc = begin_rules(ctx, &e, rel, pu, err)))
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s'", env);
	rc = ferry_preflight_run(ctx, env, rel, pu, FERRY_PREFLIGHT_BEGIN, &report, err);
	if (warnings && report)
		*warnings = json_incref(json_object_get(report, "warnings"));
	if (rc) {
		json_decref(report);
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s' to %s/%s", env, rel, pu);
	}
	rc = begin_record(ctx, &e, rel, pu, report, act, err);
	json_decref(report);
	if (rc)
		return ferry_error_prefix(err, "cannot begin an upgrade of '%s'", env);
	if (activity)
		snprintf(activity, 37, "%s", act);
	rc = ferry_op_run(ctx, act, hooks, err);
	up_after_run(ctx, env, act);
	return rc;
}

int up_env_release(struct ferry_ctx *ctx, int64_t env_id, const char *rel, const char *pu,
		   struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"UPDATE environments SET app_release = ?, platform = ?, updated_ms = ? WHERE id = ?",
		"ttii", rel, pu, ferry_now_ms(), env_id);
}
