/* SPDX-License-Identifier: MIT */
/* incident.c: outage reports (see support.h): an incident recorded with the reporter's
 * message and the support bundle written for it, and the project's channels told, with
 * the bundle's reference, so support can ask for the file by name and checksum. */
#include "ferry/lifecycle/support.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/project/env.h"
#include "ferry/project/notify.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const support_steps[] = {
	/* 1: incidents */
	"CREATE TABLE incidents("
	"  id INTEGER PRIMARY KEY,"
	"  env TEXT NOT NULL,"
	"  project TEXT NOT NULL,"
	"  message TEXT NOT NULL,"
	"  bundle TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX incidents_env ON incidents(env, id);",
};

const struct ferry_migrations ferry_schema_support = {
	"support", support_steps, (int)(sizeof(support_steps) / sizeof(support_steps[0]))
};

#define INC_COLS "id, env, project, message, bundle, sha256, bytes, actor, created_ms"

static json_t *row_json(struct ferry_stmt *st)
{
	char when[32];

	ferry_time_iso(ferry_stmt_int(st, 8), when);
	return json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:s, s:I}, s:s, s:s}", "id",
			 (json_int_t)ferry_stmt_int(st, 0), "env", ferry_stmt_text(st, 1), "project",
			 ferry_stmt_text(st, 2), "message", ferry_stmt_text(st, 3), "bundle", "path",
			 ferry_stmt_text(st, 4), "sha256", ferry_stmt_text(st, 5), "bytes",
			 (json_int_t)ferry_stmt_int(st, 6), "actor", ferry_stmt_text(st, 7), "created", when);
}

int ferry_incident_list(struct ferry_ctx *ctx, const char *project, const char *env, json_t **out,
			struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " INC_COLS " FROM incidents WHERE "
				    "(? IS NULL OR project = ?) AND (? IS NULL OR env = ?) ORDER BY id DESC "
				    "LIMIT 200", "tttt", project, project, env, env)))
		return rc;
	*out = json_array();
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(*out, row_json(st));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

static int check_message(const char *m, struct ferry_error *err)
{
	size_t n = m ? strlen(m) : 0;

	if (n < 1 || n > 2000)
		return ferry_error_set(err, FERRY_EINVAL, "an outage report needs a message of 1 to "
				       "2000 characters (--message): what users see, since when");
	return 0;
}

static void notify(struct ferry_ctx *ctx, const json_t *inc)
{
	const json_t *b = json_object_get(inc, "bundle");
	char subject[512];
	json_t *data = json_deep_copy(inc);

	snprintf(subject, sizeof(subject), "Outage reported on '%s' (incident %lld): support bundle "
		 "%s (sha256 %.12s)", json_string_value(json_object_get(inc, "env")),
		 (long long)json_integer_value(json_object_get(inc, "id")),
		 json_string_value(json_object_get(b, "path")), json_string_value(json_object_get(b, "sha256")));
	json_object_set_new(data, "outcome", json_string("outage-reported"));
	ferry_notify_send(ctx, json_string_value(json_object_get(inc, "project")), FERRY_EVENT_FAILED,
			  subject, data);
	json_decref(data);
}

int ferry_incident_report(struct ferry_ctx *ctx, const char *env, const char *message,
			  const struct ferry_support_opts *opts, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct ferry_env e;
	json_t *sum = NULL;
	int64_t id = 0;
	int rc;

	*out = NULL;
	if ((rc = check_message(message, err)) || (rc = ferry_env_get(ctx, env, &e, err)) ||
	    (rc = ferry_support_bundle(ctx, e.name, opts, &sum, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err, "INSERT INTO incidents(env, project, message, "
			       "bundle, sha256, bytes, actor, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?) "
			       "RETURNING id", "tttttiti", e.name, e.project, message,
			       json_string_value(json_object_get(sum, "path")),
			       json_string_value(json_object_get(sum, "sha256")),
			       (int64_t)json_integer_value(json_object_get(sum, "bytes")),
			       ctx->actor ? ctx->actor : "", ferry_now_ms());
	json_decref(sum);
	if (rc)
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT " INC_COLS " FROM incidents WHERE id = ?",
				    "i", id)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		*out = row_json(st);
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	notify(ctx, *out);
	return 0;
}
