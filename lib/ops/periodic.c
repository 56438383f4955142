/* SPDX-License-Identifier: MIT */
/* periodic.c: periodic jobs claimed through the store (see periodic.h): one row per job
 * with its next due time; a claim is one conditional UPDATE, which only one node's
 * statement can win on SQLite and on PostgreSQL alike. */
#include "ferry/ops/periodic.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>

static const char *const periodic_steps[] = {
	/* 1: periodic jobs */
	"CREATE TABLE periodic_jobs("
	"  name TEXT PRIMARY KEY,"
	"  next_ms INTEGER NOT NULL,"
	"  runs INTEGER NOT NULL DEFAULT 0,"
	"  node TEXT NOT NULL DEFAULT '',"
	"  last_ms INTEGER NOT NULL DEFAULT 0);",
};

const struct ferry_migrations ferry_schema_periodic = {
	"periodic", periodic_steps, (int)(sizeof(periodic_steps) / sizeof(periodic_steps[0]))
};

int ferry_periodic_claim(struct ferry_ctx *ctx, const char *name, const char *node, int64_t now_ms,
			 int64_t period_ms, int64_t *run, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	if (run)
		*run = 0;
	if ((rc = ferry_store_run(ctx->store, err, "INSERT INTO periodic_jobs(name, next_ms) VALUES(?, 0) "
				  "ON CONFLICT (name) DO NOTHING", "t", name)))
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"UPDATE periodic_jobs SET next_ms = ?, runs = runs + 1, node = ?, last_ms = ? "
			"WHERE name = ? AND next_ms <= ? RETURNING runs", "ititi",
			now_ms + period_ms, node ? node : "", now_ms, name, now_ms)))
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1 && run)
		*run = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return rc;
}

int ferry_periodic_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	char last[32], next[32];
	json_t *a;
	int rc;

	*out = NULL;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT name, runs, node, last_ms, next_ms "
				    "FROM periodic_jobs ORDER BY name", "")))
		return rc;
	a = json_array();
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		ferry_time_iso(ferry_stmt_int(st, 3), last);
		ferry_time_iso(ferry_stmt_int(st, 4), next);
		json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:s}", "name",
			ferry_stmt_text(st, 0), "runs", (json_int_t)ferry_stmt_int(st, 1), "node",
			ferry_stmt_text(st, 2), "last_run", last, "next_due", next));
	}
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}
