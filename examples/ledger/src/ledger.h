/* SPDX-License-Identifier: MIT */
/* ledger.h: shared declarations of the sample business application (ledger, ledgerctl). */
#ifndef LEDGER_H
#define LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Releases this source knows. The data's release is in schema_version. */
enum ledger_release { REL_UNKNOWN = 0, REL_73 = 73, REL_80 = 80, REL_81 = 81 };

/* An error: an HTTP-like status (400 bad input, 404, 409 conflict, 500, 503) and a message. */
struct lerr {
	int status;
	char msg[512];
};

int lerr_set(struct lerr *e, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* util.c */
enum ledger_release ledger_release_parse(const char *s);
const char *ledger_release_name(enum ledger_release r);
int ledger_parse_long(const char *s, long long min, long long max, long long *out);
char *ledger_read_file(const char *path, size_t *len); /* caller frees; NULL on error */
int ledger_mkdir_p(const char *path);
long long ledger_mono_ms(void);   /* monotonic milliseconds */

/* config.c: the environment's config file (see README.md) and the release directory. */
struct ledger_config {
	char *path;
	char *environment;
	char *role;
	int port;
	char *database;
	char *state_dir;
	char *release_dir;
	int listen_any; /* its "url" is not on the loopback (a host reached from elsewhere) */
	json_t *faults; /* object, never NULL */
};
int ledger_config_load(struct ledger_config *c, const char *path, struct lerr *e);
void ledger_config_release(struct ledger_config *c);
/* The release directory: the config's release_dir, else the directory above bin/. Caller frees. */
char *ledger_release_dir(const struct ledger_config *c);
/* release.json's release of a release directory. */
enum ledger_release ledger_dir_release(const char *dir, struct lerr *e);
/* {release, platform, packages[]} read from a release directory. Caller owns. */
json_t *ledger_release_info(const char *dir, struct lerr *e);

/* db.c, db_sqlite.c, db_pg.c: the application database behind one small interface. The
 * config's "database" is a file path (SQLite) or a postgresql:// URL (libpq). SQL is written
 * once in the subset both engines run (? placeholders, ON CONFLICT, RETURNING, explicit ids);
 * what differs (catalogue queries, integrity checks, sizes, write locks) lives in the
 * drivers; what both share (rows as JSON, the catalogue's normalized shape) in db.c. */
struct ldb;

/* One row of a query: n values as text (NULL for SQL NULL) with their kind:
 * 'N' null, 'i' integer, 'r' real, 't' text. Return non-zero to stop with that error. */
typedef int (*ldb_row_fn)(void *arg, int n, const char *const *names, const char *const *vals,
			  const char *kinds, struct lerr *e);

/* A parameter of a prepared statement: kind 'N' null, 'i' integer (i), 't' text (s). */
struct ldb_val {
	char kind;
	long long i;
	const char *s;
};

struct ldb_ops {
	const char *name;                                    /* "sqlite", "postgresql" */
	void *(*open)(const char *conn, int create, struct lerr *e);
	void (*close)(void *h);
	int (*exec)(void *h, const char *sql, struct lerr *e); /* a script, no parameters */
	int (*query)(void *h, const char *sql, const json_t *params, ldb_row_fn fn, void *arg,
		     struct lerr *e);
	int (*begin)(void *h, struct lerr *e);                 /* a write transaction, one writer */
	const char *begin_read;                                /* a read snapshot */
	int (*integrity)(void *h, int full, struct lerr *e);   /* storage and foreign keys; full: indexes too */
	/* The catalogue queries, their answers normalized in db.c alike for both: tables
	 * (one row each, column "name", sorted by name); columns of table ? in order
	 * {name, type (INTEGER/TEXT/REAL), notnull (0/1), default (SQL text or null), pk (0 or
	 * position)}; indexes of table ? but the primary key's {name, unique (0/1),
	 * constraint_index (0/1: behind a UNIQUE constraint), columns: "a,b"}. */
	const char *tables_sql, *columns_sql, *indexes_sql;
	long long (*bytes)(void *h);
	const char *text_order;                               /* appended to ORDER BY a text column */
	/* Optional: a statement prepared once and run many times (NULL: db.c runs the SQL
	 * through query with JSON parameters each time). */
	void *(*prepare)(void *h, const char *sql, struct lerr *e);
	int (*step)(void *h, void *st, const struct ldb_val *v, int n, struct lerr *e);
	void (*finalize)(void *st);
};
extern const struct ldb_ops ledger_db_sqlite, ledger_db_postgresql;

struct ldb *ledger_db_open(const char *conn, int create, struct lerr *e); /* 404 when missing */
void ledger_db_close(struct ldb *db);
const char *ledger_db_driver(const struct ldb *db);
int ledger_db_is_url(const char *conn);
int ledger_db_exec(struct ldb *db, const char *sql, struct lerr *e);
int ledger_db_begin(struct ldb *db, struct lerr *e);
int ledger_db_begin_read(struct ldb *db, struct lerr *e);
int ledger_db_commit(struct ldb *db, struct lerr *e);
void ledger_db_rollback(struct ldb *db);
int ledger_db_each(struct ldb *db, const char *sql, const json_t *params, ldb_row_fn fn, void *arg,
		   struct lerr *e);
/* Run a query, return its rows as an array of objects (column name -> value). */
json_t *ledger_db_rows(struct ldb *db, const char *sql, const json_t *params, struct lerr *e);
/* Run a statement with parameters (steals params); 0 or -1 (409 on a constraint). */
int ledger_db_run(struct ldb *db, const char *sql, json_t *params, struct lerr *e);
/* INSERT INTO table (id, cols) with the next id (max + 1, as SQLite's rowid does) and the
 * values of params (stolen); returns the new id or -1. Callers hold a write transaction. */
int64_t ledger_db_insert(struct ldb *db, const char *table, const char *cols, json_t *params,
			 struct lerr *e);
int64_t ledger_db_int(struct ldb *db, const char *sql, int64_t dflt);
/* A statement (no result rows wanted) prepared once and run with n parameters each time:
 * the generator's inserts. Values are read during ledger_db_step only. */
struct ldb_stmt;
struct ldb_stmt *ledger_db_prepare(struct ldb *db, const char *sql, struct lerr *e);
int ledger_db_step(struct ldb_stmt *st, const struct ldb_val *v, int n, struct lerr *e);
void ledger_db_finalize(struct ldb_stmt *st);
int ledger_db_has_column(struct ldb *db, const char *table, const char *column);
int ledger_db_has_table(struct ldb *db, const char *table);
int ledger_db_has_index(struct ldb *db, const char *table, const char *index);
int ledger_db_table_count(struct ldb *db);
int ledger_db_integrity(struct ldb *db, int full, struct lerr *e);
json_t *ledger_db_tables(struct ldb *db, struct lerr *e);
json_t *ledger_db_columns(struct ldb *db, const char *table, struct lerr *e);
json_t *ledger_db_indexes(struct ldb *db, const char *table, struct lerr *e);
long long ledger_db_bytes(struct ldb *db);
const char *ledger_db_text_order(const struct ldb *db);
/* Today (UTC) as YYYY-MM-DD. */
void ledger_today(char out[16]);

/* schema.c */
/* The data's release (schema_version), REL_UNKNOWN when absent; *empty set for a database
 * without any table. */
enum ledger_release ledger_schema_release(struct ldb *db, int *empty);
/* Create release r's schema and reference data in one transaction. */
int ledger_schema_create(struct ldb *db, enum ledger_release r, struct lerr *e);
/* 0 when the database is at release r with its shape; else 503 with the reason
 * ("data upgrade required from 7.3 to 8.1"). */
int ledger_schema_check(struct ldb *db, enum ledger_release r, struct lerr *e);

/* model.c: the business rules, shared by the HTTP API and the generator. */
struct posting_line {
	const char *account;
	long long amount_cents;
};
int64_t model_customer_create(struct ldb *db, enum ledger_release r, const json_t *in, struct lerr *e);
int64_t model_posting_create(struct ldb *db, enum ledger_release r, const char *date, const char *desc,
			     int64_t invoice_id, const struct posting_line *lines, size_t n, struct lerr *e);
int64_t model_invoice_create(struct ldb *db, enum ledger_release r, const json_t *in, struct lerr *e);
json_t *model_customer_get(struct ldb *db, enum ledger_release r, int64_t id, struct lerr *e);
json_t *model_invoice_get(struct ldb *db, enum ledger_release r, int64_t id, struct lerr *e);
json_t *model_posting_get(struct ldb *db, int64_t id, struct lerr *e);
const char *model_customer_columns(enum ledger_release r);
const char *model_invoice_columns(enum ledger_release r);

/* faults.c: fault switches of the config file, counted in state_dir. Returns the number of
 * this injection (1..N) when the fault fires now, 0 when it does not, -1 on error. */
int ledger_fault_fire(const struct ledger_config *c, const char *name, long long *total, struct lerr *e);

#endif
