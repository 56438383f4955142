/* SPDX-License-Identifier: MIT */
/* envdb_changes.c: the writes made to an environment database since a baseline, and
 * carrying them elsewhere (envdb_changes.h): the choice of driver for the capture and
 * the carry (or the machine the database is on, envdb_int.h), and the CSV rendering of
 * the writes document. */
#include "runtime/envdb_changes_int.h"
#include "runtime/envdb_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- on the machine the database is on (a runtime's host) ---- */

static int elsewhere(const struct ferry_envdb *db)
{
	void *arg;

	return envdb_remote_of(db, &arg) != NULL;
}

/* 1: db is elsewhere and what ran there (0 or the error in *rc). */
static int remote(struct ferry_envdb *db, const char *what, json_t *in, json_t **out, int *rc,
		  struct ferry_error *err)
{
	void *arg;
	const struct envdb_remote *r = envdb_remote_of(db, &arg);

	if (!r) {
		json_decref(in);
		return 0;
	}
	*rc = !in ? ferry_error_set(err, FERRY_ENOMEM, "out of memory")
		  : !r->writes ? ferry_error_set(err, FERRY_EINTERNAL, "no writes on that machine")
		  : r->writes(arg, ferry_envdb_conn(db), what, in, out, err);
	json_decref(in);
	return 1;
}

static int remote_changes(struct ferry_envdb *db, const char *baseline, json_t **writes,
			  struct ferry_buf *changeset, struct ferry_error *err)
{
	json_t *o = NULL;
	const char *b64;
	int rc;

	remote(db, "changes", json_pack("{s:s}", "baseline", baseline), &o, &rc, err);
	if (!rc && (!json_is_object(json_object_get(o, "writes")) ||
		    !(b64 = json_string_value(json_object_get(o, "changeset")))))
		rc = ferry_error_set(err, FERRY_EIO, "the host's writes are not a writes document");
	if (!rc && changeset && b64[0]) {
		size_t cap = strlen(b64), len = 0;
		unsigned char *bin = malloc(cap);
		if (!bin || sodium_base642bin(bin, cap, b64, cap, NULL, &len, NULL,
					      sodium_base64_VARIANT_ORIGINAL) ||
		    ferry_buf_add(changeset, bin, len))
			rc = ferry_error_set(err, FERRY_EIO, "the host's changeset cannot be decoded");
		free(bin);
	}
	if (!rc)
		*writes = json_incref(json_object_get(o, "writes"));
	json_decref(o);
	return rc;
}

/* The carry's input: its writes, mappings and mark (callbacks stay here). */
static json_t *carry_in(const struct ferry_carry *o)
{
	json_t *in = json_pack("{s:O, s:O}", "writes", o->writes ? o->writes : json_null(),
			       "mappings", o->mappings ? o->mappings : json_null());

	if (in && o->mark)
		json_object_set_new(in, "mark", json_string(o->mark));
	return in;
}

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
	if (elsewhere(db)) {
		if ((rc = remote_changes(db, baseline, writes, changeset, err)))
			ferry_error_prefix(err, "capturing the writes since restore point '%s'", baseline);
		return rc;
	}
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
	if (elsewhere(db)) {
		json_t *out = NULL;
		/* one request, one transaction there: what a crash before it would find */
		if (o->before_commit)
			o->before_commit(o->arg);
		remote(db, "carry", carry_in(o), &out, &rc, err);
		if (!rc) {
			*report = json_incref(json_object_get(out, "report"));
			*already = json_is_true(json_object_get(out, "already"));
			if (o->progress)
				o->progress(o->arg, (int64_t)json_integer_value(json_object_get(
					json_object_get(*report, "summary"), "rows")), 0);
		}
		json_decref(out);
		return rc;
	}
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
	if (elsewhere(db)) {
		json_t *in = carry_in(o), *out = NULL;
		if (in)
			json_object_set_new(in, "rp", json_string(rp));
		remote(db, "carry_plan", in, &out, &rc, err);
		if (!rc)
			*report = json_incref(json_object_get(out, "report"));
		json_decref(out);
		return rc;
	}
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

	if (remote(db, "carry_clear", json_pack("{s:s}", "prefix", prefix), NULL, &rc, err))
		return rc;
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
