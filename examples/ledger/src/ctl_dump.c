/* SPDX-License-Identifier: MIT */
/* ctl_dump.c: `ledgerctl dump`: a canonical text dump of a database: every table by name, its
 * columns and indexes, then its rows ordered by primary key with SQL-quoted values. Two
 * databases with the same content give the same bytes, so a SHA-256 of the dump proves it;
 * the text is the same on SQLite and PostgreSQL (catalogues normalized by the drivers). */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quoted(FILE *out, const char *v)
{
	fputc('\'', out);
	for (; *v; v++) {
		if (*v == '\'')
			fputc('\'', out);
		fputc(*v, out);
	}
	fputc('\'', out);
}

static int print_row(void *arg, int n, const char *const *names, const char *const *vals,
		     const char *kinds, struct lerr *e)
{
	FILE *out = arg;

	(void)names;
	(void)e;
	fputs("row ", out);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc('|', out);
		if (kinds[i] == 'N')
			fputs("NULL", out);
		else if (kinds[i] == 'i')
			fputs(vals[i], out);
		else if (kinds[i] == 'r')
			fprintf(out, "%.15g", strtod(vals[i], NULL));
		else
			quoted(out, vals[i]);
	}
	fputc('\n', out);
	return 0;
}

/* "SELECT "a", "b" FROM "t" ORDER BY <pk columns, or all of them>" */
static char *rows_sql(struct ldb *db, const char *table, json_t *cols)
{
	const char *text_order = ledger_db_text_order(db);
	char *sql = NULL, *order = NULL;
	size_t len = 0, olen = 0, i;
	FILE *s = open_memstream(&sql, &len), *o = open_memstream(&order, &olen);
	int npk = 0, k;
	json_t *c;

	json_array_foreach(cols, i, c)
		if (json_integer_value(json_object_get(c, "pk")) > 0)
			npk++;
	fputs("SELECT ", s);
	json_array_foreach(cols, i, c)
		fprintf(s, "%s\"%s\"", i ? ", " : "", json_string_value(json_object_get(c, "name")));
	for (k = npk ? 1 : 0; k <= npk; k++)
		json_array_foreach(cols, i, c) {
			const char *type = json_string_value(json_object_get(c, "type"));
			if (npk && json_integer_value(json_object_get(c, "pk")) != k)
				continue;
			fprintf(o, "%s\"%s\"%s", ftell(o) > 0 ? ", " : "",
				json_string_value(json_object_get(c, "name")),
				type && !strcmp(type, "TEXT") ? text_order : "");
		}
	fclose(o);
	fprintf(s, " FROM \"%s\" ORDER BY %s", table, order);
	fclose(s);
	free(order);
	return sql;
}

static int dump_table(FILE *out, struct ldb *db, const char *t, int schema_only, struct lerr *e)
{
	json_t *cols = ledger_db_columns(db, t, e), *idx = NULL, *c;
	char *sql = NULL;
	size_t i;
	int rc = -1;

	if (!cols || !(idx = ledger_db_indexes(db, t, e)))
		goto out;
	fprintf(out, "table %s\n", t);
	json_array_foreach(cols, i, c) {
		json_t *d = json_object_get(c, "default");
		fprintf(out, "column %s %s notnull=%d default=%s pk=%lld\n",
			json_string_value(json_object_get(c, "name")),
			json_string_value(json_object_get(c, "type")),
			json_is_true(json_object_get(c, "notnull")),
			json_is_string(d) ? json_string_value(d) : "NULL",
			(long long)json_integer_value(json_object_get(c, "pk")));
	}
	json_array_foreach(idx, i, c)
		fprintf(out, "index %s unique=%d (%s)\n", json_string_value(json_object_get(c, "name")),
			json_is_true(json_object_get(c, "unique")),
			json_string_value(json_object_get(c, "columns")));
	rc = 0;
	if (!schema_only && (!(sql = rows_sql(db, t, cols)) || ledger_db_each(db, sql, NULL, print_row, out, e)))
		rc = -1;
out:
	free(sql);
	json_decref(cols);
	json_decref(idx);
	return rc;
}

int ctl_dump(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl dump --db FILE|URL [--schema-only]\n";
	int schema_only = argc == 4 && !strcmp(argv[3], "--schema-only");
	struct lerr e = { 0, "" };
	json_t *tables, *t;
	struct ldb *db;
	size_t i;
	int rc = 0;

	if ((argc != 3 && !schema_only) || strcmp(argv[1], "--db"))
		return ctl_usage(usage, "dump needs --db FILE");
	if (!(db = ledger_db_open(argv[2], 0, &e)))
		return ctl_fail(&e);
	/* One snapshot for every table (SQLite: a read transaction; PostgreSQL: repeatable read). */
	ledger_db_begin_read(db, NULL);
	if (!(tables = ledger_db_tables(db, &e)))
		rc = ctl_fail(&e);
	printf("-- ledger canonical dump 1\n");
	json_array_foreach(tables, i, t)
		if (!rc && dump_table(stdout, db, json_string_value(t), schema_only, &e))
			rc = ctl_fail(&e);
	ledger_db_commit(db, NULL);
	json_decref(tables);
	ledger_db_close(db);
	return rc;
}
