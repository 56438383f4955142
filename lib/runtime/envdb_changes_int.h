/* SPDX-License-Identifier: MIT */
/* envdb_changes_int.h: what the capture and carry files share (not public API), the
 * lowest first:
 *   envdb_writes_doc.c      the writes document's helpers
 *   envdb_changes_sqlite.c  SQLite: capture by the session extension, its carry_db
 *   envdb_changes_pg.c      PostgreSQL: capture by primary-key comparison, its carry_db
 *   envdb_carry.c           carrying rows through mappings, once for every carry_db
 *   envdb_changes.c         the public calls: the driver for each, CSV
 * A file uses only those listed above it (the carry reaches a driver through its
 * carry_db table). */
#ifndef FERRY_LIB_ENVDB_CHANGES_INT_H
#define FERRY_LIB_ENVDB_CHANGES_INT_H

#include "ferry/runtime/envdb_changes.h"

#include <jansson.h>
#include <stdint.h>

struct ferry_buf;
struct ferry_error;

/* ---- the writes document (envdb_writes_doc.c) ---- */

/* A new writes document for driver and baseline (rows and tables empty). */
json_t *chg_doc_new(const char *driver, const char *baseline);
/* A table entry of the document: {table, columns, inserted 0, ...}, appended; borrowed. */
json_t *chg_doc_table(json_t *doc, const char *table, json_t *columns);
/* Append a row {op, key, before, after, changed} to a table entry (steals before/after,
 * either may be NULL); counts it. */
void chg_doc_row(json_t *doc, json_t *table, const char *op, json_t *before, json_t *after);
/* Note a table whose writes cannot be captured row by row. */
void chg_doc_uncaptured(json_t *doc, const char *table, const char *reason);
/* The primary-key members of row (columns with pk > 0, in key order). */
json_t *chg_key_of(const json_t *columns, const json_t *row);
/* A blob (or bytes that are not UTF-8) as {"hex": "..."}. */
json_t *chg_hex(const void *p, size_t n);
/* Sort each table's rows by key (stable order for plans and exports). */
void chg_doc_sort(json_t *doc);

/* ---- drivers ---- */

int chg_sqlite_capture(const char *path, const char *base_path, json_t *doc,
		       struct ferry_buf *changeset, struct ferry_error *err);
int chg_pg_capture(const char *conn, const char *base_conn, json_t *doc, struct ferry_error *err);

/* A database the carry runs in: one transaction, rows staged and mapped one at a time.
 * Every call returns 0 or a negative ferry code with err filled (a statement's own
 * failure message in err->msg for dml: the reason of a conflict). */
struct carry_db;
struct carry_db_ops {
	char param;                  /* '?' (SQLite, "?1") or '$' (PostgreSQL, "$1") */
	int (*exec)(struct carry_db *c, const char *sql, struct ferry_error *err);
	/* rows of a query with params: [[v...]], column names into *names */
	int (*query)(struct carry_db *c, const char *sql, const json_t *params, json_t **rows,
		     json_t **names, struct ferry_error *err);
	/* a statement with params; *changes: rows it changed */
	int (*dml)(struct carry_db *c, const char *sql, const json_t *params, int64_t *changes,
		   struct ferry_error *err);
	/* the columns of a table: [{name, pk}] (pk: position in the key, 0 none); an
	 * empty array when the table does not exist */
	int (*columns)(struct carry_db *c, const char *table, json_t **out, struct ferry_error *err);
	/* the staging table's declaration for a captured column's type */
	const char *(*stage_type)(const json_t *column);
	const char *begin;           /* the statement that starts the write transaction */
	const char *stage_create;    /* "CREATE TEMP TABLE" or "CREATE TABLE" */
	void (*close)(struct carry_db *c);   /* rolls back what is not committed */
};
struct carry_db {
	const struct carry_db_ops *ops;
};

/* Open the database to carry into: conn itself (plan 0), or a private copy of the
 * restore point database rp_conn that nothing else sees (plan 1). */
int chg_sqlite_open(const char *path, int plan, struct carry_db **out, struct ferry_error *err);
int chg_pg_open(const char *conn, int plan, struct carry_db **out, struct ferry_error *err);

/* ---- envdb_carry.c ---- */

/* The carry in c (see ferry_envdb_carry); plan: roll back at the end. */
int chg_carry_run(struct carry_db *c, const struct ferry_carry *o, int plan, json_t **report,
		  int *already, struct ferry_error *err);
int chg_carry_clear(struct carry_db *c, const char *prefix, struct ferry_error *err);

#endif
