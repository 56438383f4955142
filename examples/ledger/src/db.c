/* db.c: the application database (SQLite): open, run, rows as JSON. */
#include "ledger.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

sqlite3 *ledger_db_open(const char *path, int create, struct lerr *e)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	if (!create && access(path, F_OK) != 0) {
		lerr_set(e, 404, "database '%s' does not exist", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		lerr_set(e, 500, "cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (ledger_db_exec(db, "PRAGMA foreign_keys = ON", e)) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void ledger_db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int ledger_db_exec(sqlite3 *db, const char *sql, struct lerr *e)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sqlite3_extended_errcode(db);
		int status = (rc & 0xff) == SQLITE_CONSTRAINT ? 409 : 500;
		lerr_set(e, status, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *ledger_db_prepare(sqlite3 *db, const char *sql, struct lerr *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		lerr_set(e, 500, "%s (in: %.120s)", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

int ledger_db_bind_json(sqlite3_stmt *st, const json_t *params, struct lerr *e)
{
	size_t i;
	json_t *v;

	json_array_foreach(params, i, v) {
		int col = (int)i + 1, rc;
		if (json_is_integer(v))
			rc = sqlite3_bind_int64(st, col, json_integer_value(v));
		else if (json_is_real(v))
			rc = sqlite3_bind_double(st, col, json_real_value(v));
		else if (json_is_string(v))
			rc = sqlite3_bind_text(st, col, json_string_value(v), -1, SQLITE_TRANSIENT);
		else if (json_is_boolean(v))
			rc = sqlite3_bind_int(st, col, json_is_true(v));
		else
			rc = sqlite3_bind_null(st, col);
		if (rc != SQLITE_OK)
			return lerr_set(e, 500, "bind parameter %d: %s", col, sqlite3_errstr(rc));
	}
	return 0;
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL: return json_null();
	default: return json_string((const char *)sqlite3_column_text(st, i));
	}
}

json_t *ledger_db_rows(sqlite3 *db, const char *sql, const json_t *params, struct lerr *e)
{
	sqlite3_stmt *st = ledger_db_prepare(db, sql, e);
	json_t *rows;
	int rc;

	if (!st)
		return NULL;
	if (params && ledger_db_bind_json(st, params, e)) {
		sqlite3_finalize(st);
		return NULL;
	}
	rows = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < sqlite3_column_count(st); i++)
			json_object_set_new(row, sqlite3_column_name(st, i), column_json(st, i));
		json_array_append_new(rows, row);
	}
	if (rc != SQLITE_DONE) {
		lerr_set(e, 500, "%s", sqlite3_errmsg(db));
		json_decref(rows);
		rows = NULL;
	}
	sqlite3_finalize(st);
	return rows;
}

int64_t ledger_db_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = ledger_db_prepare(db, sql, NULL);
	int64_t v = dflt;

	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int ledger_db_has_table(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st = ledger_db_prepare(db,
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", NULL);
	int found;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int ledger_db_has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st = ledger_db_prepare(db,
		"SELECT 1 FROM pragma_table_info(?) WHERE name = ?", NULL);
	int found;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}
