/* ctl_dump.c: `ledgerctl dump`: a canonical text dump of a database: every table by name, its
 * columns and indexes, then its rows ordered by primary key with SQL-quoted values. Two
 * databases with the same content give the same bytes, so a SHA-256 of the dump proves it. */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_rows(FILE *out, sqlite3 *db, const char *sql, struct lerr *e)
{
	sqlite3_stmt *st = ledger_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		fprintf(out, "%s\n", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : lerr_set(e, 500, "%s", sqlite3_errmsg(db));
}

/* Build "SELECT quote(a) || '|' || quote(b) ... FROM t ORDER BY <pk or all columns>". */
static char *rows_sql(sqlite3 *db, const char *table, struct lerr *e)
{
	json_t *p = json_pack("[s]", table);
	json_t *cols = ledger_db_rows(db, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", p, e), *c;
	char *sql = NULL, *order = NULL;
	size_t len = 0, olen = 0, i;
	FILE *s = open_memstream(&sql, &len), *o = open_memstream(&order, &olen);
	int npk = 0;

	json_decref(p);
	json_array_foreach(cols, i, c)
		if (json_integer_value(json_object_get(c, "pk")) > 0)
			npk++;
	fputs("SELECT 'row ' || ", s);
	json_array_foreach(cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		fprintf(s, "%squote(\"%s\")", i ? " || '|' || " : "", name);
		if (npk == 0)
			fprintf(o, "%s\"%s\"", i ? ", " : "", name);
	}
	for (int k = 1; k <= npk; k++)
		json_array_foreach(cols, i, c)
			if (json_integer_value(json_object_get(c, "pk")) == k)
				fprintf(o, "%s\"%s\"", k > 1 ? ", " : "",
					json_string_value(json_object_get(c, "name")));
	fclose(o);
	fprintf(s, " FROM \"%s\" ORDER BY %s", table, order);
	fclose(s);
	free(order);
	json_decref(cols);
	return sql;
}

static int dump_table(FILE *out, sqlite3 *db, const char *t, int schema_only, struct lerr *e)
{
	char sql[512];
	char *rsql;
	int rc;

	fprintf(out, "table %s\n", t);
	snprintf(sql, sizeof(sql), "SELECT 'column ' || name || ' ' || type || ' notnull=' || \"notnull\""
		 " || ' default=' || coalesce(dflt_value, 'NULL') || ' pk=' || pk"
		 " FROM pragma_table_info('%s') ORDER BY cid", t);
	if (print_rows(out, db, sql, e))
		return -1;
	snprintf(sql, sizeof(sql), "SELECT 'index ' || l.name || ' unique=' || l.\"unique\" || ' ('"
		 " || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))"
		 " || ')' FROM pragma_index_list('%s') l WHERE l.origin <> 'pk' ORDER BY l.name", t);
	if (print_rows(out, db, sql, e))
		return -1;
	if (schema_only)
		return 0;
	if (!(rsql = rows_sql(db, t, e)))
		return -1;
	rc = print_rows(out, db, rsql, e);
	free(rsql);
	return rc;
}

int ctl_dump(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl dump --db FILE [--schema-only]\n";
	int schema_only = argc == 4 && !strcmp(argv[3], "--schema-only");
	struct lerr e = { 0, "" };
	json_t *tables, *t;
	sqlite3 *db;
	size_t i;
	int rc = 0;

	if ((argc != 3 && !schema_only) || strcmp(argv[1], "--db"))
		return ctl_usage(usage, "dump needs --db FILE");
	if (!(db = ledger_db_open(argv[2], 0, &e)))
		return ctl_fail(&e);
	tables = ledger_db_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
			       " AND name NOT LIKE 'sqlite_%' ORDER BY name", NULL, &e);
	if (!tables)
		rc = ctl_fail(&e);
	printf("-- ledger canonical dump 1\n");
	json_array_foreach(tables, i, t)
		if (!rc && dump_table(stdout, db, json_string_value(json_object_get(t, "name")), schema_only, &e))
			rc = ctl_fail(&e);
	json_decref(tables);
	ledger_db_close(db);
	return rc;
}
