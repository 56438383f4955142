/* SPDX-License-Identifier: MIT */
/* envdb_carry.c: carrying captured writes into a database through per-table mappings,
 * once for every driver (over struct carry_db): each row staged alone in ferry_stage,
 * mapped by its table's SELECT, then inserted, updated or deleted in a savepoint of
 * its own, so a row that conflicts is left out and reported and the rest goes on; the
 * whole carry is one transaction, committed with its mark (or rolled back: a plan). */
#include "runtime/envdb_changes_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct carry {
	struct carry_db *c;
	const struct ferry_carry *o;
	json_t *report;
	int64_t done, total;
};

/* ---- SQL text ---- */

static void ident(struct ferry_buf *b, const char *name)
{
	const char *p;

	ferry_buf_adds(b, "\"");
	for (p = name; *p; p++)
		ferry_buf_adds(b, *p == '"' ? "\"\"" : (char[]){ *p, 0 });
	ferry_buf_adds(b, "\"");
}

static void param(struct carry *k, struct ferry_buf *b, int i)
{
	ferry_buf_addf(b, "%c%d", k->c->ops->param, i);
}

static int exec(struct carry *k, const char *sql, struct ferry_error *err)
{
	return k->c->ops->exec(k->c, sql, err);
}

/* ---- the report ---- */

static const json_t *mapping_of(const json_t *mappings, const char *table)
{
	const json_t *m;
	size_t i;

	json_array_foreach(mappings, i, m)
		if (!strcmp(json_string_value(json_object_get(m, "table")) ?: "", table))
			return m;
	return NULL;
}

static void count(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

/* The report's table entry for a captured table, rows pending. */
static json_t *report_table(const json_t *t, const json_t *m)
{
	const char *name = json_string_value(json_object_get(t, "table"));
	json_t *rt = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:i, s:i, s:i, s:i, s:i, s:[]}",
			       "table", name, "into", m ? json_string_value(json_object_get(m, "into")) ?: name : name,
			       "mapping", m ? json_string_value(json_object_get(m, "kind")) ?: "?" : "none",
			       "inserted", json_object_get(t, "inserted"), "updated", json_object_get(t, "updated"),
			       "deleted", json_object_get(t, "deleted"), "carried", 0, "conflicts", 0,
			       "dropped", 0, "skipped", 0, "unmapped", 0, "rows");
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(t, "rows"), i, r)
		json_array_append_new(json_object_get(rt, "rows"), json_pack("{s:O, s:O, s:s}",
			"op", json_object_get(r, "op"), "key", json_object_get(r, "key"), "action", "pending"));
	return rt;
}

/* Set a row's outcome (action, and a reason or note when given) and count it. */
static void outcome(json_t *rt, size_t i, const char *action, const char *reason, const char *note)
{
	json_t *row = json_array_get(json_object_get(rt, "rows"), i);
	static const struct { const char *action, *counter; } counters[] = {
		{ "carry", "carried" }, { "conflict", "conflicts" }, { "drop", "dropped" },
		{ "skip", "skipped" }, { "unmapped", "unmapped" },
	};
	size_t k;

	json_object_set_new(row, "action", json_string(action));
	if (reason && *reason)
		json_object_set_new(row, "reason", json_string(reason));
	if (note && *note)
		json_object_set_new(row, "note", json_string(note));
	for (k = 0; k < sizeof(counters) / sizeof(counters[0]); k++)
		if (!strcmp(counters[k].action, action))
			count(rt, counters[k].counter);
}

static void summarize(json_t *report, const json_t *writes)
{
	static const char *const keys[] = { "carried", "conflicts", "dropped", "skipped", "unmapped" };
	json_t *sum = json_pack("{s:O, s:I}", "rows", json_object_get(writes, "rows") ?: json_integer(0),
				"uncaptured", (json_int_t)json_array_size(json_object_get(writes, "uncaptured")));
	const json_t *t;
	size_t i, k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_int_t n = 0;
		json_array_foreach(json_object_get(report, "tables"), i, t)
			n += json_integer_value(json_object_get(t, keys[k]));
		json_object_set_new(sum, keys[k], json_integer(n));
	}
	json_object_set_new(report, "summary", sum);
}

/* ---- one row ---- */

/* The old table's columns with their key positions, and how many key columns. */
struct target {
	json_t *cols;       /* [{name, pk}] */
	int npk;
};

static int column_index(const json_t *names, const char *name)
{
	const json_t *n;
	size_t i;

	json_array_foreach(names, i, n)
		if (!strcmp(json_string_value(n) ?: "", name))
			return (int)i;
	return -1;
}

/* The statement carrying one mapped row into `into`, with its parameters. */
static int build_dml(struct carry *k, const char *into, const struct target *tg, const char *op,
		     const json_t *names, const json_t *vals, struct ferry_buf *sql, json_t *params,
		     char *why, size_t cap)
{
	const json_t *c, *n;
	int np = 0, set = 0;
	size_t i;

	if (strcmp(op, "insert") && !tg->npk) {
		snprintf(why, cap, "table '%s' of the old release has no primary key: the row cannot "
			 "be found to %s it", into, op);
		return -1;
	}
	json_array_foreach(tg->cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		if (json_integer_value(json_object_get(c, "pk")) > 0 && column_index(names, name) < 0 &&
		    strcmp(op, "insert")) {
			snprintf(why, cap, "the reverse mapping gives no value for key column '%s' of '%s'",
				 name, into);
			return -1;
		}
	}
	if (!strcmp(op, "insert")) {
		ferry_buf_adds(sql, "INSERT INTO ");
		ident(sql, into);
		ferry_buf_adds(sql, " (");
		json_array_foreach(names, i, n)
			if (strncmp(json_string_value(n), "ferry_", 6)) {
				ferry_buf_adds(sql, np ? ", " : "");
				ident(sql, json_string_value(n));
				json_array_append(params, json_array_get(vals, i));
				np++;
			}
		ferry_buf_adds(sql, ") VALUES (");
		for (i = 1; i <= (size_t)np; i++) {
			ferry_buf_adds(sql, i > 1 ? ", " : "");
			param(k, sql, (int)i);
		}
		ferry_buf_adds(sql, ")");
		return 0;
	}
	if (!strcmp(op, "update")) {
		ferry_buf_adds(sql, "UPDATE ");
		ident(sql, into);
		ferry_buf_adds(sql, " SET ");
		json_array_foreach(names, i, n) {
			const char *name = json_string_value(n);
			int ci = -1;
			size_t j;
			json_array_foreach(tg->cols, j, c)
				if (!strcmp(json_string_value(json_object_get(c, "name")), name))
					ci = json_integer_value(json_object_get(c, "pk")) > 0 ? -2 : (int)j;
			if (ci < 0 || !strncmp(name, "ferry_", 6))
				continue;
			ferry_buf_adds(sql, set++ ? ", " : "");
			ident(sql, name);
			ferry_buf_adds(sql, " = ");
			json_array_append(params, json_array_get(vals, i));
			param(k, sql, ++np);
		}
		if (!set) {     /* nothing but the key: the row must still be there */
			json_array_foreach(tg->cols, i, c)
				if (json_integer_value(json_object_get(c, "pk")) == 1) {
					ident(sql, json_string_value(json_object_get(c, "name")));
					ferry_buf_adds(sql, " = ");
					ident(sql, json_string_value(json_object_get(c, "name")));
				}
		}
	} else {
		ferry_buf_adds(sql, "DELETE FROM ");
		ident(sql, into);
	}
	ferry_buf_adds(sql, " WHERE ");
	set = 0;
	json_array_foreach(tg->cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		if (json_integer_value(json_object_get(c, "pk")) <= 0)
			continue;
		ferry_buf_adds(sql, set++ ? " AND " : "");
		ident(sql, name);
		ferry_buf_adds(sql, " = ");
		json_array_append(params, json_array_get(vals, (size_t)column_index(names, name)));
		param(k, sql, ++np);
	}
	return 0;
}

/* Stage the row's values (after, or before for a delete) alone in ferry_stage. */
static int stage_row(struct carry *k, const json_t *cols, const json_t *values, const char *op,
		     struct ferry_error *err)
{
	struct ferry_buf sql = FERRY_BUF_INIT;
	json_t *params = json_array(), *c;
	int64_t n;
	size_t i;
	int rc;

	if ((rc = exec(k, "DELETE FROM " FERRY_ENVDB_STAGE, err)))
		goto out;
	ferry_buf_adds(&sql, "INSERT INTO " FERRY_ENVDB_STAGE " (");
	json_array_foreach(cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		ident(&sql, name);
		ferry_buf_adds(&sql, ", ");
		json_array_append(params, json_object_get(values, name) ?: json_null());
	}
	ferry_buf_adds(&sql, "ferry_op) VALUES (");
	for (i = 1; i <= json_array_size(cols) + 1; i++) {
		ferry_buf_adds(&sql, i > 1 ? ", " : "");
		param(k, &sql, (int)i);
	}
	ferry_buf_adds(&sql, ")");
	json_array_append_new(params, json_string(op));
	rc = k->c->ops->dml(k->c, sql.data, params, &n, err);
out:
	json_decref(params);
	ferry_buf_release(&sql);
	return rc;
}

/* The old table's key of a carried row, as the mapping gave it. */
static json_t *into_key(const struct target *tg, const json_t *names, const json_t *vals)
{
	json_t *key = json_object();
	const json_t *c;
	size_t i;

	json_array_foreach(tg->cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		int at = column_index(names, name);
		if (json_integer_value(json_object_get(c, "pk")) > 0 && at >= 0)
			json_object_set(key, name, json_array_get(vals, (size_t)at));
	}
	return key;
}

static const char *text_at(const json_t *names, const json_t *vals, const char *name)
{
	int i = column_index(names, name);

	return i < 0 ? NULL : json_string_value(json_array_get(vals, (size_t)i));
}

/* Carry one row (index i of table t, report entry rt) through select into `into`. */
static int carry_row(struct carry *k, const json_t *t, json_t *rt, size_t i, const char *select,
		     const char *into, const struct target *tg, struct ferry_error *err)
{
	const json_t *row = json_array_get(json_object_get(t, "rows"), i);
	const char *op = json_string_value(json_object_get(row, "op"));
	struct ferry_buf sql = FERRY_BUF_INIT;
	json_t *rows = NULL, *names = NULL, *params = json_array();
	const json_t *vals;
	char why[FERRY_ERROR_MSG_MAX + 64] = "", note[512] = "";
	const char *action = "carry";
	struct ferry_error e;
	int64_t changes = 0;
	int rc;

	ferry_error_clear(&e);
	if ((rc = exec(k, "SAVEPOINT ferry_row", err)) ||
	    (rc = stage_row(k, json_object_get(t, "columns"),
			    json_object_get(row, !strcmp(op, "delete") ? "before" : "after"), op, err)))
		goto out;
	if (k->c->ops->query(k->c, select, NULL, &rows, &names, &e)) {
		action = "conflict";
		snprintf(why, sizeof(why), "the reverse mapping failed: %s", e.msg);
	} else if (json_array_size(rows) != 1) {
		action = json_array_size(rows) ? "conflict" : "skip";
		snprintf(why, sizeof(why), json_array_size(rows) ? "the reverse mapping gives %zu rows "
			 "for one" : "the reverse mapping selects no row for it",
			 json_array_size(rows));
	}
	vals = json_array_get(rows, 0);
	if (!strcmp(action, "carry") && text_at(names, vals, "ferry_conflict") &&
	    *text_at(names, vals, "ferry_conflict")) {
		action = "conflict";
		snprintf(why, sizeof(why), "%s", text_at(names, vals, "ferry_conflict"));
	}
	if (!strcmp(action, "carry") && text_at(names, vals, "ferry_note"))
		snprintf(note, sizeof(note), "%s", text_at(names, vals, "ferry_note"));
	if (!strcmp(action, "carry") &&
	    build_dml(k, into, tg, op, names, vals, &sql, params, why, sizeof(why)))
		action = "conflict";
	if (!strcmp(action, "carry") && k->c->ops->dml(k->c, sql.data, params, &changes, &e)) {
		action = "conflict";
		snprintf(why, sizeof(why), "%s", e.msg);
	} else if (!strcmp(action, "carry") && !changes && !strcmp(op, "update")) {
		action = "conflict";
		snprintf(why, sizeof(why), "no row with this key in '%s' of the restore point to update",
			 into);
	} else if (!strcmp(action, "carry") && !changes && !strcmp(op, "delete") && !note[0]) {
		snprintf(note, sizeof(note), "already absent from '%s' of the restore point", into);
	}
	if (strcmp(action, "carry") && (rc = exec(k, "ROLLBACK TO SAVEPOINT ferry_row", err)))
		goto out;
	if ((rc = exec(k, "RELEASE SAVEPOINT ferry_row", err)))
		goto out;
	outcome(rt, i, action, why, note);
	if (!strcmp(action, "carry"))
		json_object_set_new(json_array_get(json_object_get(rt, "rows"), i), "into_key",
				    into_key(tg, names, vals));
out:
	json_decref(rows);
	json_decref(names);
	json_decref(params);
	ferry_buf_release(&sql);
	return rc;
}

/* ---- one table ---- */

static int stage_create(struct carry *k, const json_t *cols, struct ferry_error *err)
{
	struct ferry_buf sql = FERRY_BUF_INIT;
	const json_t *c;
	size_t i;
	int rc;

	if ((rc = exec(k, "DROP TABLE IF EXISTS " FERRY_ENVDB_STAGE, err)))
		return rc;
	ferry_buf_addf(&sql, "%s " FERRY_ENVDB_STAGE " (", k->c->ops->stage_create);
	json_array_foreach(cols, i, c) {
		ident(&sql, json_string_value(json_object_get(c, "name")));
		ferry_buf_addf(&sql, " %s, ", k->c->ops->stage_type(c));
	}
	ferry_buf_adds(&sql, "ferry_op TEXT)");
	rc = exec(k, sql.data, err);
	ferry_buf_release(&sql);
	return rc;
}

/* "SELECT <the columns both have> FROM ferry_stage" for a copy mapping. */
static void copy_select(const json_t *cols, const struct target *tg, struct ferry_buf *sql)
{
	const json_t *c, *t;
	size_t i, j;
	int n = 0;

	ferry_buf_adds(sql, "SELECT ");
	json_array_foreach(cols, i, c)
		json_array_foreach(tg->cols, j, t)
			if (!strcmp(json_string_value(json_object_get(c, "name")),
				    json_string_value(json_object_get(t, "name")))) {
				ferry_buf_adds(sql, n++ ? ", " : "");
				ident(sql, json_string_value(json_object_get(c, "name")));
			}
	if (!n)
		ferry_buf_adds(sql, "NULL AS ferry_conflict_none");
	ferry_buf_adds(sql, " FROM " FERRY_ENVDB_STAGE);
}

static int is_delete(const json_t *row)
{
	return !strcmp(json_string_value(json_object_get(row, "op")) ?: "", "delete");
}

/* Every row of table t whose op is (or, with not, is not) `ops`'s, mapped by m. */
static int carry_table(struct carry *k, const json_t *t, json_t *rt, const json_t *m, int deletes,
		       struct ferry_error *err)
{
	const char *into = json_string_value(json_object_get(m, "into")) ?:
			   json_string_value(json_object_get(t, "table"));
	const json_t *rows = json_object_get(t, "rows"), *r, *c;
	struct ferry_buf sel = FERRY_BUF_INIT;
	struct target tg = { NULL, 0 };
	size_t i, want = 0;
	int rc;

	json_array_foreach(rows, i, r)
		want += is_delete(r) == deletes;
	if (!want)
		return 0;
	if ((rc = k->c->ops->columns(k->c, into, &tg.cols, err)))
		return rc;
	json_array_foreach(tg.cols, i, c)
		tg.npk += json_integer_value(json_object_get(c, "pk")) > 0;
	if (!strcmp(json_string_value(json_object_get(m, "kind")) ?: "", "copy"))
		copy_select(json_object_get(t, "columns"), &tg, &sel);
	else
		ferry_buf_adds(&sel, json_string_value(json_object_get(m, "select")) ?: "");
	if (!json_array_size(tg.cols)) {
		json_array_foreach(rows, i, r)
			if (is_delete(r) == deletes)
				outcome(rt, i, "conflict", "the old release has no such table", NULL);
		goto out;
	}
	if ((rc = stage_create(k, json_object_get(t, "columns"), err)))
		goto out;
	json_array_foreach(rows, i, r) {
		if (is_delete(r) != deletes)
			continue;
		if ((rc = carry_row(k, t, rt, i, sel.data, into, &tg, err)))
			goto out;
		if (k->o->progress)
			k->o->progress(k->o->arg, ++k->done, k->total);
	}
	rc = exec(k, "DROP TABLE " FERRY_ENVDB_STAGE, err);
out:
	json_decref(tg.cols);
	ferry_buf_release(&sel);
	return rc;
}

/* Rows of tables without a mapping, or mapped to be dropped: their outcome now. */
static void classify(const json_t *t, json_t *rt, const json_t *m)
{
	const char *kind = json_string_value(json_object_get(m, "kind"));
	size_t i;

	for (i = 0; i < json_array_size(json_object_get(t, "rows")); i++) {
		if (!m)
			outcome(rt, i, "unmapped", "the data-upgrade package has no reverse mapping for "
				"this table", NULL);
		else if (kind && !strcmp(kind, "drop"))
			outcome(rt, i, "drop", json_string_value(json_object_get(m, "note")), NULL);
	}
}

/* Both passes: inserts and updates in the mappings' order, deletes in reverse. */
static int carry_all(struct carry *k, struct ferry_error *err)
{
	const json_t *tables = json_object_get(k->o->writes, "tables"), *maps = k->o->mappings;
	json_t *rtables = json_object_get(k->report, "tables");
	size_t i, j, n = json_array_size(maps);
	int rc, pass;

	for (i = 0; i < json_array_size(tables); i++) {
		const json_t *t = json_array_get(tables, i);
		const json_t *m = mapping_of(maps, json_string_value(json_object_get(t, "table")));
		json_t *rt = report_table(t, m);
		json_array_append_new(rtables, rt);
		classify(t, rt, m);
		if (m && strcmp(json_string_value(json_object_get(m, "kind")) ?: "", "drop"))
			k->total += (int64_t)json_array_size(json_object_get(t, "rows"));
	}
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < n; j++) {
			const json_t *m = json_array_get(maps, pass ? n - 1 - j : j);
			const char *name = json_string_value(json_object_get(m, "table"));
			if (!strcmp(json_string_value(json_object_get(m, "kind")) ?: "", "drop"))
				continue;
			for (i = 0; i < json_array_size(tables); i++) {
				const json_t *t = json_array_get(tables, i);
				if (strcmp(json_string_value(json_object_get(t, "table")), name))
					continue;
				if ((rc = carry_table(k, t, json_array_get(rtables, i), m, pass, err)))
					return ferry_error_prefix(err, "carrying the writes of table '%s'", name);
			}
		}
	return 0;
}

/* ---- the transaction ---- */

static int marks_table(struct carry *k, struct ferry_error *err)
{
	return exec(k, "CREATE TABLE IF NOT EXISTS " FERRY_ENVDB_CARRY_MARKS
		    " (mark TEXT PRIMARY KEY, report TEXT NOT NULL)", err);
}

/* The report stored with mark: 1 (and *report), 0 none. */
static int mark_get(struct carry *k, const char *mark, json_t **report, struct ferry_error *err)
{
	struct ferry_buf sql = FERRY_BUF_INIT;
	json_t *rows = NULL, *names = NULL, *params = json_pack("[s]", mark);
	int rc;

	ferry_buf_adds(&sql, "SELECT report FROM " FERRY_ENVDB_CARRY_MARKS " WHERE mark = ");
	param(k, &sql, 1);
	rc = k->c->ops->query(k->c, sql.data, params, &rows, &names, err);
	if (!rc && json_array_size(rows)) {
		*report = json_loads(json_string_value(json_array_get(json_array_get(rows, 0), 0)) ?: "",
				     0, NULL);
		rc = *report ? 1 : ferry_error_set(err, FERRY_EIO, "carry mark '%s': unreadable report", mark);
	}
	json_decref(rows);
	json_decref(names);
	json_decref(params);
	ferry_buf_release(&sql);
	return rc;
}

static int mark_put(struct carry *k, const char *mark, struct ferry_error *err)
{
	struct ferry_buf sql = FERRY_BUF_INIT;
	char *text = json_dumps(k->report, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *params = json_pack("[s, s]", mark, text ? text : "{}");
	int64_t n;
	int rc;

	ferry_buf_adds(&sql, "INSERT INTO " FERRY_ENVDB_CARRY_MARKS " (mark, report) VALUES (");
	param(k, &sql, 1);
	ferry_buf_adds(&sql, ", ");
	param(k, &sql, 2);
	ferry_buf_adds(&sql, ")");
	rc = k->c->ops->dml(k->c, sql.data, params, &n, err);
	json_decref(params);
	free(text);
	ferry_buf_release(&sql);
	return rc;
}

int chg_carry_run(struct carry_db *c, const struct ferry_carry *o, int plan, json_t **report,
		  int *already, struct ferry_error *err)
{
	struct carry k = { c, o, NULL, 0, 0 };
	int rc;

	*report = NULL;
	*already = 0;
	if ((rc = exec(&k, c->ops->begin, err)))
		return rc;
	if (!plan && o->mark && ((rc = marks_table(&k, err)) ||
				 (rc = mark_get(&k, o->mark, report, err)) != 0)) {
		exec(&k, "ROLLBACK", NULL);
		if (rc == 1)
			*already = 1;
		return rc == 1 ? 0 : rc;
	}
	k.report = json_pack("{s:[], s:O}", "tables", "uncaptured",
			     json_object_get(o->writes, "uncaptured") ?: json_array());
	if ((rc = carry_all(&k, err)))
		goto fail;
	summarize(k.report, o->writes);
	if (plan) {
		exec(&k, "ROLLBACK", NULL);
		*report = k.report;
		return 0;
	}
	if (o->mark && (rc = mark_put(&k, o->mark, err)))
		goto fail;
	if (o->before_commit)
		o->before_commit(o->arg);
	if ((rc = exec(&k, "COMMIT", err)))
		goto fail;
	*report = k.report;
	return 0;
fail:
	exec(&k, "ROLLBACK", NULL);
	json_decref(k.report);
	return rc;
}

/* 0 as an integer (SQLite) or as text (PostgreSQL's answers are text). */
static int is_zero(const json_t *v)
{
	return json_is_integer(v) ? json_integer_value(v) == 0
				  : json_is_string(v) && !strcmp(json_string_value(v), "0");
}

int chg_carry_clear(struct carry_db *c, const char *prefix, struct ferry_error *err)
{
	struct carry k = { c, NULL, NULL, 0, 0 };
	struct ferry_buf sql = FERRY_BUF_INIT;
	json_t *params = json_pack("[s]", prefix), *rows = NULL, *names = NULL;
	int64_t n;
	int rc;

	ferry_buf_adds(&sql, "DELETE FROM " FERRY_ENVDB_CARRY_MARKS " WHERE substr(mark, 1, length(");
	param(&k, &sql, 1);
	ferry_buf_adds(&sql, ")) = ");
	param(&k, &sql, 1);
	if ((rc = exec(&k, c->ops->begin, err)))
		goto out;
	if ((rc = marks_table(&k, err)) || (rc = c->ops->dml(c, sql.data, params, &n, err)) ||
	    (rc = c->ops->query(c, "SELECT count(*) FROM " FERRY_ENVDB_CARRY_MARKS, NULL, &rows,
				&names, err)))
		goto fail;
	if (is_zero(json_array_get(json_array_get(rows, 0), 0)) &&
	    (rc = exec(&k, "DROP TABLE " FERRY_ENVDB_CARRY_MARKS, err)))
		goto fail;
	rc = exec(&k, "COMMIT", err);
	goto out;
fail:
	exec(&k, "ROLLBACK", NULL);
out:
	json_decref(rows);
	json_decref(names);
	json_decref(params);
	ferry_buf_release(&sql);
	return rc;
}
