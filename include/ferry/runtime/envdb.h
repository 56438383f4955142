/* SPDX-License-Identifier: MIT */
/* envdb.h: environment databases (the business application's own database, not the
 * state store) behind a small driver interface: SQLite now, PostgreSQL later.
 *
 * A database is named by a connection string: a file path (or "sqlite:PATH") for
 * SQLite, "postgresql://..." for PostgreSQL. The application receives the same
 * string in its config.json ("database"). Restore points are named per database
 * ("pre-apply-12"); the driver decides where they live (SQLite: files next to the
 * database under restore-points/; PostgreSQL: template databases).
 */
#ifndef FERRY_ENVDB_H
#define FERRY_ENVDB_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

struct ferry_error;
struct ferry_envdb;

/* What a driver implements. Every function returns 0 or a negative ferry_code and
 * fills err. `conn` is the driver's own form (for SQLite the plain path). */
struct ferry_envdb_ops {
	const char *name;                               /* "sqlite", "postgresql" */
	/* 1 when conn belongs to this driver */
	int (*claims)(const char *conn);
	/* create an empty database; FERRY_EEXIST when it already exists */
	int (*create)(const char *conn, struct ferry_error *err);
	/* 1 exists, 0 does not */
	int (*exists)(const char *conn);
	/* remove the database (its restore points stay) */
	int (*drop)(const char *conn, struct ferry_error *err);
	/* consistent snapshot of src (which may be serving writes) replacing dst
	 * atomically; dst is created when missing, and nobody may use it meanwhile */
	int (*copy)(const char *src, const char *dst, struct ferry_error *err);
	/* where restore point `name` of conn lives (caller frees) */
	char *(*rp_conn)(const char *conn, const char *name);
	/* bytes used (database plus its journals), -1 when unknown */
	int64_t (*size)(const char *conn);
	/* canonical dump: schema and every row in a stable order, written to out */
	int (*dump)(const char *conn, FILE *out, struct ferry_error *err);
	/* restore points of conn: [{name, size, created}] newest first */
	int (*rp_list)(const char *conn, json_t **out, struct ferry_error *err);
	/* run a SQL script in one transaction; with mark, see ferry_envdb_exec_once() */
	int (*exec)(const char *conn, const char *sql, const char *mark, int *already,
		    struct ferry_error *err);
	/* remove the marks beginning with prefix; drop their table once empty */
	int (*marks_clear)(const char *conn, const char *prefix, struct ferry_error *err);
	/* optional: how this thread's last copy went (see ferry_envdb_copy_method()) */
	const char *(*copy_method)(void);
	/* 1: copy fails with FERRY_ENOTFOUND, touching nothing, when src does not exist,
	 * so restore points skip their existence probe (one connection fewer) */
	int copy_reports_missing;
};

/* The table in an environment database where ferry_envdb_exec_once() records marks. */
#define FERRY_ENVDB_MARKS "ferry_step_marks"

/* Open a handle for conn, picking the driver that claims it (a path is SQLite).
 * Nothing is touched on disk. Caller frees with ferry_envdb_free(). */
int ferry_envdb_open(const char *conn, struct ferry_envdb **out, struct ferry_error *err);
void ferry_envdb_free(struct ferry_envdb *db);

const char *ferry_envdb_conn(const struct ferry_envdb *db);
const char *ferry_envdb_driver(const struct ferry_envdb *db);

int ferry_envdb_create(struct ferry_envdb *db, struct ferry_error *err);
/* 1 exists, 0 does not; -1 cannot tell (a database on a host that cannot be reached):
 * true in a condition, so what follows is tried and fails naming the host. */
int ferry_envdb_exists(struct ferry_envdb *db);
int ferry_envdb_drop(struct ferry_envdb *db, struct ferry_error *err);
int64_t ferry_envdb_size(struct ferry_envdb *db);

/* Copy a consistent snapshot of src into dst while src keeps serving (SQLite
 * online backup). dst must not be in use (its application stopped). */
int ferry_envdb_copy(struct ferry_envdb *src, struct ferry_envdb *dst, struct ferry_error *err);

/* Restore points: a consistent snapshot of the live database under `name`
 * (replaced if it exists; PostgreSQL verifies a copy made by pg_dump | pg_restore by
 * canonical dump checksum before it replaces anything, FERRY_EVERIFY when it differs; a
 * template copy is consistent by construction); restore puts it back (application stopped) so that the
 * database equals the snapshot (canonical dump identical); rm removes one;
 * list gives [{name, size, created}] newest first. */
int ferry_envdb_rp_create(struct ferry_envdb *db, const char *name, struct ferry_error *err);
int ferry_envdb_rp_restore(struct ferry_envdb *db, const char *name, struct ferry_error *err);
int ferry_envdb_rp_rm(struct ferry_envdb *db, const char *name, struct ferry_error *err);
int ferry_envdb_rp_exists(struct ferry_envdb *db, const char *name);
int ferry_envdb_rp_list(struct ferry_envdb *db, json_t **out, struct ferry_error *err);
/* How the calling thread's last copy, restore point or restore of db's driver copied
 * the data: SQLite "clone" (FICLONE reflink, O(1)), "copy_file_range" (a reflink where
 * the filesystem can, else an in-kernel copy), "read/write", or "backup" (the online
 * backup API: the WAL held frames); NULL when the driver does not say. */
const char *ferry_envdb_copy_method(const struct ferry_envdb *db);
/* The connection string of restore point `name` of db (it may not exist); caller frees. */
int ferry_envdb_rp_conn(struct ferry_envdb *db, const char *name, char **out,
			struct ferry_error *err);

/* Run a SQL script (package steps: several statements in the application's SQL) in one
 * transaction: all or nothing; the error names the statement's failure. SQLite runs it
 * with foreign keys on. */
int ferry_envdb_exec(struct ferry_envdb *db, const char *sql, struct ferry_error *err);
/* The same, recording mark (e.g. "op-12/data_upgrade/3") in table FERRY_ENVDB_MARKS in
 * the same transaction; when the mark is already there the script is not run again and
 * *already is 1 (a step that committed before a crash is not applied twice). */
int ferry_envdb_exec_once(struct ferry_envdb *db, const char *sql, const char *mark, int *already,
			  struct ferry_error *err);
/* Forget the marks that begin with prefix (a finished list of steps, "12/data-upgrade/"),
 * in one transaction; the marks table goes when no mark is left, so the database's
 * schema is the application's again. */
int ferry_envdb_marks_clear(struct ferry_envdb *db, const char *prefix, struct ferry_error *err);

/* Canonical dump to out, and its SHA-256 as 64 hex digits (out[65]). Equal
 * checksums mean equal schema and data, whatever the page layout. */
int ferry_envdb_dump(struct ferry_envdb *db, FILE *out, struct ferry_error *err);
int ferry_envdb_checksum(struct ferry_envdb *db, char out[65], struct ferry_error *err);

/* For a postgresql:// base URL: the URL of database "<prefix>_<name>" on the same
 * server with the same settings (prefix: base's database name, "ferry" when it names
 * none); name is folded to what the driver accepts (lower case, '.' to '_') and
 * shortened with a hash beyond PostgreSQL's 63 bytes. Caller frees *out. */
int ferry_envdb_pg_url(const char *base, const char *name, char **out, struct ferry_error *err);

/* The drivers: SQLite (envdb_sqlite.c), PostgreSQL (envdb_pg.c). */
extern const struct ferry_envdb_ops ferry_envdb_sqlite;
extern const struct ferry_envdb_ops ferry_envdb_postgresql;

#endif
