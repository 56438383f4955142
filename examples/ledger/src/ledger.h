/* ledger.h: shared declarations of the sample business application (ledger, ledgerctl). */
#ifndef LEDGER_H
#define LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
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

/* config.c: the environment's config file (see README.md) and the release directory. */
struct ledger_config {
	char *path;
	char *environment;
	char *role;
	int port;
	char *database;
	char *state_dir;
	char *release_dir;
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

/* db.c */
sqlite3 *ledger_db_open(const char *path, int create, struct lerr *e);
void ledger_db_close(sqlite3 *db);
int ledger_db_exec(sqlite3 *db, const char *sql, struct lerr *e);
/* Prepare or fail with the statement text in the message. */
sqlite3_stmt *ledger_db_prepare(sqlite3 *db, const char *sql, struct lerr *e);
/* Run a query, return its rows as an array of objects (column name -> value). */
json_t *ledger_db_rows(sqlite3 *db, const char *sql, const json_t *params, struct lerr *e);
int ledger_db_bind_json(sqlite3_stmt *st, const json_t *params, struct lerr *e);
int64_t ledger_db_int(sqlite3 *db, const char *sql, int64_t dflt);
int ledger_db_has_column(sqlite3 *db, const char *table, const char *column);
int ledger_db_has_table(sqlite3 *db, const char *table);

/* schema.c */
/* The data's release (schema_version), REL_UNKNOWN when absent; *empty set for a database
 * without any table. */
enum ledger_release ledger_schema_release(sqlite3 *db, int *empty);
/* Create release r's schema and reference data in one transaction. */
int ledger_schema_create(sqlite3 *db, enum ledger_release r, struct lerr *e);
/* 0 when the database is at release r with its shape; else 503 with the reason
 * ("data upgrade required from 7.3 to 8.1"). */
int ledger_schema_check(sqlite3 *db, enum ledger_release r, struct lerr *e);

/* model.c: the business rules, shared by the HTTP API and the generator. */
struct posting_line {
	const char *account;
	long long amount_cents;
};
int64_t model_customer_create(sqlite3 *db, enum ledger_release r, const json_t *in, struct lerr *e);
int64_t model_posting_create(sqlite3 *db, enum ledger_release r, const char *date, const char *desc,
			     int64_t invoice_id, const struct posting_line *lines, size_t n, struct lerr *e);
int64_t model_invoice_create(sqlite3 *db, enum ledger_release r, const json_t *in, struct lerr *e);
json_t *model_customer_get(sqlite3 *db, enum ledger_release r, int64_t id, struct lerr *e);
json_t *model_invoice_get(sqlite3 *db, enum ledger_release r, int64_t id, struct lerr *e);
json_t *model_posting_get(sqlite3 *db, int64_t id, struct lerr *e);
const char *model_customer_columns(enum ledger_release r);
const char *model_invoice_columns(enum ledger_release r);

/* faults.c: fault switches of the config file, counted in state_dir. Returns the number of
 * this injection (1..N) when the fault fires now, 0 when it does not, -1 on error. */
int ledger_fault_fire(const struct ledger_config *c, const char *name, long long *total, struct lerr *e);

#endif
