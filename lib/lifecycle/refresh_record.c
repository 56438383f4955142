/* SPDX-License-Identifier: MIT */
/* refresh_record.c: the records of database refreshes, copies and data upgrade
 * rehearsals (tables db_refreshes and rehearsals, created with the upgrade's schema in
 * upgrade_record.c): written by the last step of their operations (refresh_ops.c),
 * read by `ferry db list`, the preflight and the downtime prediction. */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---- */

int up_refresh_record(struct ferry_op_run *run, int64_t snapshot_ms, struct ferry_error *err)
{
	const json_t *p = run->op->params;

	return ferry_store_run(run->ctx->store, err,
		"INSERT INTO db_refreshes(project_id, kind, source, source_role, source_release, "
		"target, target_env_id, activity_id, snapshot_ms, created_ms) "
		"VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(activity_id) DO NOTHING", "itttttitii",
		run->op->project_id, !strcmp(run->op->kind, FERRY_OP_DB_COPY) ? "copy" : "refresh",
		json_string_value(json_object_get(p, "source")),
		json_string_value(json_object_get(p, "source_role")),
		json_string_value(json_object_get(p, "source_release")),
		run->op->env, run->op->env_id, run->op->activity_id,
		snapshot_ms ? snapshot_ms : ferry_now_ms(), ferry_now_ms());
}

int up_rehearsal_record(struct ferry_op_run *run, int64_t db_bytes, int64_t total_ms,
			const json_t *steps, const json_t *data_steps, struct ferry_error *err)
{
	const json_t *p = run->op->params;
	char *st = json_dumps(steps, JSON_SORT_KEYS), *dt = json_dumps(data_steps, 0);
	int rc = st && dt ? ferry_store_run(run->ctx->store, err,
		"INSERT INTO rehearsals(project_id, env, from_release, to_release, data_asset, "
		"activity_id, db_bytes, total_ms, steps, data_steps, created_ms) "
		"VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(activity_id) DO NOTHING",
		"itttttiitti", run->op->project_id, run->op->env,
		json_string_value(json_object_get(p, "from_release")),
		json_string_value(json_object_get(p, "to_release")),
		json_string_value(json_object_get(p, "package")), run->op->activity_id,
		db_bytes, total_ms, st, dt, ferry_now_ms())
		: ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(st);
	free(dt);
	return rc;
}

/* ---- reading ---- */

typedef json_t *(*row_fn)(struct ferry_stmt *st);

static json_t *refresh_row(struct ferry_stmt *st)
{
	char when[32];

	ferry_time_iso(ferry_stmt_int(st, 7), when);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}",
			 "kind", ferry_stmt_text(st, 0), "source", ferry_stmt_text(st, 1),
			 "source_role", ferry_stmt_text(st, 2), "source_release", ferry_stmt_text(st, 3),
			 "target", ferry_stmt_text(st, 4), "activity_id", ferry_stmt_text(st, 5),
			 "snapshot_ms", (json_int_t)ferry_stmt_int(st, 6), "snapshot", when);
}

#define REFRESH_COLS "kind, source, source_role, source_release, target, activity_id, " \
	"snapshot_ms, snapshot_ms"

#define REH_COLS "activity_id, env, from_release, to_release, data_asset, db_bytes, total_ms, " \
	"steps, data_steps, created_ms"

static json_t *rehearsal_row(struct ferry_stmt *st)
{
	char when[32];
	json_t *o;

	ferry_time_iso(ferry_stmt_int(st, 9), when);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
		      "activity_id", ferry_stmt_text(st, 0), "env", ferry_stmt_text(st, 1),
		      "from", ferry_stmt_text(st, 2), "to", ferry_stmt_text(st, 3),
		      "package", ferry_stmt_text(st, 4), "db_bytes", (json_int_t)ferry_stmt_int(st, 5),
		      "total_ms", (json_int_t)ferry_stmt_int(st, 6), "created", when);
	json_object_set_new(o, "steps", json_loads(ferry_stmt_text(st, 7), 0, NULL));
	json_object_set_new(o, "data_steps", json_loads(ferry_stmt_text(st, 8), 0, NULL));
	return o;
}

/* The first row of a prepared query as JSON: 1 (and *out), 0 none. Frees st. */
static int first_row(struct ferry_stmt *st, row_fn row, json_t **out, struct ferry_error *err)
{
	int rc = ferry_stmt_step(st, err);

	if (rc == 1)
		*out = row(st);
	ferry_stmt_free(st);
	return rc;
}

/* Every row of `sql` (ending in "WHERE ? = 0 OR project_id = ? ...") for a project
 * (NULL: every project), newest first. */
static int project_rows(struct ferry_ctx *ctx, const char *project, const char *sql, row_fn row,
			json_t **out, struct ferry_error *err)
{
	struct ferry_project p = { 0 };
	struct ferry_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if (project && (rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err, sql, "ii", p.id, p.id)))
		return rc;
	if (!(arr = json_array())) {
		ferry_stmt_free(st);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, row(st));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int ferry_refresh_last(struct ferry_ctx *ctx, const char *env, json_t **out,
		       struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct ferry_env e;
	int rc;

	*out = NULL;
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " REFRESH_COLS " FROM db_refreshes "
				    "WHERE target_env_id = ? ORDER BY id DESC LIMIT 1", "i", e.id)))
		return rc;
	return first_row(st, refresh_row, out, err);
}

int ferry_refresh_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		       struct ferry_error *err)
{
	return project_rows(ctx, project, "SELECT " REFRESH_COLS " FROM db_refreshes "
			    "WHERE ? = 0 OR project_id = ? ORDER BY id DESC", refresh_row, out, err);
}

int ferry_rehearsal_find(struct ferry_ctx *ctx, int64_t project_id, const char *from_release,
			 const char *to_release, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " REH_COLS " FROM rehearsals "
			"WHERE project_id = ? AND to_release = ? AND (? = '' OR from_release = ?) "
			"ORDER BY id DESC LIMIT 1", "ittt", project_id, to_release,
			from_release ? from_release : "", from_release ? from_release : "")))
		return rc;
	return first_row(st, rehearsal_row, out, err);
}

int ferry_rehearsal_list(struct ferry_ctx *ctx, const char *project, json_t **out,
			 struct ferry_error *err)
{
	return project_rows(ctx, project, "SELECT " REH_COLS " FROM rehearsals "
			    "WHERE ? = 0 OR project_id = ? ORDER BY id DESC", rehearsal_row, out, err);
}
