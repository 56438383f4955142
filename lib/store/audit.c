/* SPDX-License-Identifier: MIT */
/* audit.c: the audit log: append-only records of every change and refused attempt. */
#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <string.h>

static const char *const audit_steps[] = {
	/* 1: the audit log */
	"CREATE TABLE audit_log("
	"  id INTEGER PRIMARY KEY,"
	"  at_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT,"
	"  project TEXT,"
	"  code INTEGER NOT NULL,"
	"  message TEXT,"
	"  activity_id TEXT);"
	"CREATE INDEX audit_log_project ON audit_log(project, id);",
};

const struct ferry_migrations ferry_schema_audit = {
	"audit", audit_steps, (int)(sizeof(audit_steps) / sizeof(audit_steps[0]))
};

int ferry_audit_record(struct ferry_ctx *ctx, const struct ferry_audit_entry *e,
		       struct ferry_error *err)
{
	if (ferry_store_in_tx(ctx->store))
		return ferry_error_set(err, FERRY_EINTERNAL,
			"audit record inside a transaction (record after commit or rollback)");
	if (!e->action || !*e->action)
		return ferry_error_set(err, FERRY_EINVAL, "audit entry without an action");
	return ferry_store_run(ctx->store, err,
		"INSERT INTO audit_log(at_ms, actor, action, target, project, code, message, activity_id) "
		"VALUES(?, ?, ?, ?, ?, ?, ?, ?)", "ittttdtt", ferry_now_ms(),
		e->actor && *e->actor ? e->actor : "unknown", e->action,
		e->target && *e->target ? e->target : NULL,
		e->project && *e->project ? e->project : NULL, e->code,
		e->code && e->message ? e->message : NULL,
		e->activity_id && *e->activity_id ? e->activity_id : NULL);
}

static json_t *opt_string(struct ferry_stmt *st, int col)
{
	return ferry_stmt_is_null(st, col) ? json_null() : json_string(ferry_stmt_text(st, col));
}

static json_t *audit_row(struct ferry_stmt *st)
{
	char at[32];
	int code = (int)ferry_stmt_int(st, 6);

	ferry_time_iso(ferry_stmt_int(st, 1), at);
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o}",
		"id", (json_int_t)ferry_stmt_int(st, 0), "at", at,
		"actor", ferry_stmt_text(st, 2), "action", ferry_stmt_text(st, 3),
		"target", opt_string(st, 4), "project", opt_string(st, 5),
		"result", code ? "failed" : "ok", "code", ferry_code_name(code),
		"message", opt_string(st, 7), "activity_id", opt_string(st, 8));
}

int ferry_audit_list(struct ferry_ctx *ctx, const struct ferry_audit_query *q, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_stmt *st;
	json_t *arr;
	int limit = q && q->limit ? q->limit : 100;
	int rc;

	if (limit < 1 || limit > 1000)
		return ferry_error_set(err, FERRY_EINVAL, "invalid limit %d: use 1 to 1000", limit);
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id, at_ms, actor, action, target, project, code, message, activity_id "
		"FROM audit_log WHERE (? IS NULL OR project = ?) AND (? IS NULL OR actor = ?) "
		"AND at_ms >= ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?", "ttttiiid",
		q ? q->project : NULL, q ? q->project : NULL, q ? q->actor : NULL,
		q ? q->actor : NULL, q ? q->since_ms : (int64_t)0, q ? q->before_id : (int64_t)0,
		q ? q->before_id : (int64_t)0, limit);
	if (rc)
		return rc;
	arr = json_array();
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, audit_row(st));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
