/* SPDX-License-Identifier: MIT */
/* envdb_changes.c: the writes made to an environment database since a baseline, and
 * carrying them elsewhere (envdb_changes.h): the choice of driver for the capture and
 * the carry, and the CSV rendering of the writes document. */
#include "runtime/envdb_changes_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the public calls ---- */

static const char *sq_path(const char *conn)
{
	return strncmp(conn, "sqlite:", 7) ? conn : conn + 7;
}

static int is_pg(const struct ferry_envdb *db)
{
	return !strcmp(ferry_envdb_driver(db), "postgresql");
}

int ferry_envdb_changes(struct ferry_envdb *db, const char *baseline, json_t **writes,
			struct ferry_buf *changeset, struct ferry_error *err)
{
	char *base = NULL;
	json_t *doc;
	int rc;

	*writes = NULL;
	if ((rc = ferry_envdb_rp_conn(db, baseline, &base, err)))
		return rc;
	if (!ferry_envdb_exists(db) || !ferry_envdb_rp_exists(db, baseline)) {
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "cannot capture the writes of %s: %s is "
				     "missing", is_pg(db) ? "the database" : ferry_envdb_conn(db),
				     ferry_envdb_exists(db) ? "its baseline (restore point)" : "the database");
		free(base);
		return rc;
	}
	doc = chg_doc_new(ferry_envdb_driver(db), baseline);
	rc = is_pg(db) ? chg_pg_capture(ferry_envdb_conn(db), base, doc, err)
		       : chg_sqlite_capture(sq_path(ferry_envdb_conn(db)), sq_path(base), doc,
					    changeset, err);
	free(base);
	if (rc) {
		json_decref(doc);
		return ferry_error_prefix(err, "capturing the writes since restore point '%s'", baseline);
	}
	chg_doc_sort(doc);
	*writes = doc;
	return 0;
}

static int open_carry(const char *conn, int pg, int plan, struct carry_db **c,
		      struct ferry_error *err)
{
	return pg ? chg_pg_open(conn, plan, c, err) : chg_sqlite_open(sq_path(conn), plan, c, err);
}

int ferry_envdb_carry(struct ferry_envdb *db, const struct ferry_carry *o, json_t **report,
		      int *already, struct ferry_error *err)
{
	struct carry_db *c = NULL;
	int rc;

	*report = NULL;
	*already = 0;
	if (!ferry_envdb_exists(db))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", ferry_envdb_conn(db));
	if ((rc = open_carry(ferry_envdb_conn(db), is_pg(db), 0, &c, err)))
		return rc;
	rc = chg_carry_run(c, o, 0, report, already, err);
	c->ops->close(c);
	return rc;
}

int ferry_envdb_carry_plan(struct ferry_envdb *db, const char *rp, const struct ferry_carry *o,
			   json_t **report, struct ferry_error *err)
{
	struct carry_db *c = NULL;
	char *conn = NULL;
	int rc, already = 0;

	*report = NULL;
	if ((rc = ferry_envdb_rp_conn(db, rp, &conn, err)))
		return rc;
	if (!ferry_envdb_rp_exists(db, rp))
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no restore point '%s' to plan the carry on", rp);
	else if (!(rc = open_carry(conn, is_pg(db), 1, &c, err))) {
		rc = chg_carry_run(c, o, 1, report, &already, err);
		c->ops->close(c);
	}
	free(conn);
	return rc;
}

int ferry_envdb_carry_clear(struct ferry_envdb *db, const char *prefix, struct ferry_error *err)
{
	struct carry_db *c = NULL;
	int rc;

	if (!ferry_envdb_exists(db))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", ferry_envdb_conn(db));
	if ((rc = open_carry(ferry_envdb_conn(db), is_pg(db), 0, &c, err)))
		return rc;
	rc = chg_carry_clear(c, prefix, err);
	c->ops->close(c);
	return rc;
}

/* ---- CSV ---- */

static void csv_cell(struct ferry_buf *b, const char *s)
{
	const char *p;

	if (!strpbrk(s, ",\"\r\n")) {
		ferry_buf_adds(b, s);
		return;
	}
	ferry_buf_adds(b, "\"");
	for (p = s; *p; p++)
		ferry_buf_adds(b, *p == '"' ? "\"\"" : (char[]){ *p, 0 });
	ferry_buf_adds(b, "\"");
}

static void csv_json(struct ferry_buf *b, const json_t *v)
{
	char *s = json_is_null(v) || !v ? NULL : json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	csv_cell(b, s ? s : "");
	free(s);
}

int ferry_writes_csv(const json_t *writes, struct ferry_buf *out, struct ferry_error *err)
{
	const json_t *t, *r;
	size_t i, k;

	ferry_buf_adds(out, "table,op,key,before,after\r\n");
	json_array_foreach(json_object_get(writes, "tables"), i, t)
		json_array_foreach(json_object_get(t, "rows"), k, r) {
			csv_cell(out, json_string_value(json_object_get(t, "table")) ?: "");
			ferry_buf_adds(out, ",");
			csv_cell(out, json_string_value(json_object_get(r, "op")) ?: "");
			ferry_buf_adds(out, ",");
			csv_json(out, json_object_get(r, "key"));
			ferry_buf_adds(out, ",");
			csv_json(out, json_object_get(r, "before"));
			ferry_buf_adds(out, ",");
			csv_json(out, json_object_get(r, "after"));
			if (ferry_buf_adds(out, "\r\n"))
				return ferry_error_set(err, FERRY_ENOMEM, "out of memory rendering the writes");
		}
	return 0;
}
