/* SPDX-License-Identifier: MIT */
/* manifest_reverse.c: the `reverse` section of a data-upgrade package's manifest: per
 * older release, how each table of the new release maps back (a SELECT over a staging
 * table, the same columns, or not carried with a note), validated with the field path
 * of every mistake. Used by manifest.c; read by the upgrade's rollback. */
#include "package/manifest_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rev_err(struct ferry_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rev_err(struct ferry_error *err, const char *field, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ferry_error_set(err, FERRY_EINVAL, "manifest.json: %s: %s", field, msg);
}

/* A SQL identifier both engines take unquoted: [A-Za-z_][A-Za-z0-9_]*, at most 63. */
static int ident_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* The string member key of o (NULL when absent); *rc set when present but not a
 * non-empty string. */
static const char *str_of(json_t *o, const char *key, const char *f, int *rc,
			  struct ferry_error *err)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return NULL;
	if (!json_is_string(v) || !json_string_length(v) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*rc = rev_err(err, f, "\"%s\" must be a non-empty string", key);
		return NULL;
	}
	return json_string_value(v);
}

static int parse_table(const struct ferry_manifest *m, json_t *o, const char *f,
		       struct ferry_reverse_table *t, struct ferry_error *err)
{
	static const char *const known[] = { "table", "into", "sql", "copy", "drop", NULL };
	const char *key;
	json_t *copy, *x;
	int rc = 0, kinds, i;

	if (!json_is_object(o))
		return rev_err(err, f, "must be an object {\"table\", and one of \"sql\", \"copy\", \"drop\"}");
	json_object_foreach(o, key, x) {
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return rev_err(err, f, "unknown member \"%s\" (use table, into, sql, copy or drop)", key);
	}
	if (!(t->table = str_of(o, "table", f, &rc, err)))
		return rc ? rc : rev_err(err, f, "\"table\" is missing (the table of the new release)");
	t->into = str_of(o, "into", f, &rc, err);
	t->sql = str_of(o, "sql", f, &rc, err);
	t->note = str_of(o, "drop", f, &rc, err);
	if (rc)
		return rc;
	if (!ident_ok(t->table) || (t->into && !ident_ok(t->into)))
		return rev_err(err, f, "'%s' is not a table name ([A-Za-z_][A-Za-z0-9_]*, at most 63)",
			       ident_ok(t->table) ? t->into : t->table);
	if (!t->into)
		t->into = t->table;
	copy = json_object_get(o, "copy");
	if (copy && !json_is_true(copy))
		return rev_err(err, f, "\"copy\" must be true (the columns both tables have, unchanged)");
	kinds = !!t->sql + !!copy + !!t->note;
	if (kinds != 1)
		return rev_err(err, f, "table '%s' needs exactly one of \"sql\" (a payload file with a "
			       "SELECT over ferry_stage), \"copy\": true, or \"drop\" (why its rows are not "
			       "carried back)", t->table);
	t->kind = t->sql ? FERRY_REVERSE_SQL : copy ? FERRY_REVERSE_COPY : FERRY_REVERSE_DROP;
	if (t->sql && (ferry_path_check(t->sql, NULL) || !ferry_manifest_file(m, t->sql)))
		return rev_err(err, f, "'%s' is not a file listed in payload", t->sql);
	return 0;
}

static int parse_release(const struct ferry_manifest *m, json_t *o, const char *f,
			 struct ferry_reverse *r, struct ferry_error *err)
{
	char tf[192];
	json_t *tables, *t;
	size_t i, k;
	int rc = 0;

	if (!json_is_object(o))
		return rev_err(err, f, "must be an object {\"release\", \"tables\"}");
	if (!(r->release = str_of(o, "release", f, &rc, err)))
		return rc ? rc : rev_err(err, f, "\"release\" is missing (the release rows go back to)");
	if (ferry_name_check(r->release, "release", NULL))
		return rev_err(err, f, "release '%s' is not a release id (as in the catalog: 7.3, "
			       "1.39-core)", r->release);
	if (!ferry_manifest_applies(m, r->release, NULL))
		return rev_err(err, f, "release '%s' is not one this package upgrades from "
			       "(applies_to.releases)", r->release);
	tables = json_object_get(o, "tables");
	if (!json_is_array(tables) || !json_array_size(tables))
		return rev_err(err, f, "\"tables\" must be a non-empty array (one entry per table "
			       "of the new release that users write to)");
	if (!(r->tables = calloc(json_array_size(tables), sizeof(*r->tables))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(tables, i, t) {
		snprintf(tf, sizeof(tf), "%s.tables[%zu]", f, i);
		if ((rc = parse_table(m, t, tf, &r->tables[i], err)))
			return rc;
		r->n++;
		for (k = 0; k < i; k++)
			if (!strcmp(r->tables[k].table, r->tables[i].table))
				return rev_err(err, tf, "table '%s' is mapped twice", r->tables[i].table);
	}
	return 0;
}

int manifest_parse_reverse(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	char f[64];
	size_t i, k;
	json_t *o;
	int rc;

	if (!v)
		return 0;
	if (m->type != FERRY_PKG_DATA_UPGRADE)
		return rev_err(err, "reverse", "only data-upgrade packages map rows back (this one is of type "
			       "'%s')", ferry_pkg_type_name(m->type));
	if (!json_is_array(v) || !json_array_size(v))
		return rev_err(err, "reverse", "must be a non-empty array of {\"release\", \"tables\"}");
	if (!(m->reverse = calloc(json_array_size(v), sizeof(*m->reverse))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(v, i, o) {
		snprintf(f, sizeof(f), "reverse[%zu]", i);
		rc = parse_release(m, o, f, &m->reverse[i], err);
		m->n_reverse++;
		if (rc)
			return rc;
		for (k = 0; k < i; k++)
			if (!strcmp(m->reverse[k].release, m->reverse[i].release))
				return rev_err(err, f, "release '%s' is mapped twice", m->reverse[i].release);
	}
	return 0;
}

void manifest_reverse_free(struct ferry_manifest *m)
{
	size_t i;

	for (i = 0; m->reverse && i < m->n_reverse; i++)
		free(m->reverse[i].tables);
	free(m->reverse);
	m->reverse = NULL;
	m->n_reverse = 0;
}

const struct ferry_reverse *ferry_manifest_reverse(const struct ferry_manifest *m,
						   const char *release)
{
	size_t i;

	for (i = 0; release && i < m->n_reverse; i++)
		if (!strcmp(m->reverse[i].release, release))
			return &m->reverse[i];
	return NULL;
}
