/* SPDX-License-Identifier: MIT */
/* envdb_pg.c: the PostgreSQL environment database driver: one database per
 * environment on the operator's server; copies (restore points, restore, refresh)
 * by CREATE DATABASE ... TEMPLATE, or pg_dump | pg_restore while the source is in
 * use; a canonical dump (schema, then every row in text order) for checksums. */
#include "ferry/runtime/envdb.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include "runtime/envdb_pg_int.h"
#include <sodium.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_NAME_MAX 63   /* NAMEDATALEN - 1 */
#define RP_INFIX "__rp_"

/* The database name in a URL: the path after the authority, up to '?' or '#'. */
static int url_dbname(const char *conn, char *out, size_t cap)
{
	const char *p = strstr(conn, "://"), *end;
	size_t n;

	if (!p)
		return -1;
	p += 3;
	p += strcspn(p, "/?#");
	if (*p != '/')
		return -1;
	p++;
	end = p + strcspn(p, "?#");
	n = (size_t)(end - p);
	if (n == 0 || n >= cap || memchr(p, '%', n))
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* conn with its database name replaced by db; caller frees. */
static char *url_with_db(const char *conn, const char *db)
{
	const char *p = strstr(conn, "://") + 3, *start, *end;
	size_t len;
	char *out;

	p += strcspn(p, "/?#");
	start = p;
	end = *p == '/' ? p + 1 + strcspn(p + 1, "?#") : p;
	len = (size_t)(start - conn) + strlen(db) + strlen(end) + 2;
	if (!(out = malloc(len)))
		return NULL;
	snprintf(out, len, "%.*s/%s%s", (int)(start - conn), conn, db, end);
	return out;
}

/* A connection to the server's maintenance database, for CREATE/DROP DATABASE. */
static PGconn *admin_connect(const char *conn, struct ferry_error *err)
{
	char *url;
	PGconn *c;

	if (ferry_pq_load(err))
		return NULL;
	url = url_with_db(conn, "postgres");
	c = url ? PQconnectdb(url) : NULL;
	free(url);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pgd_err(c, NULL, conn, "cannot connect to the database server", err);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, pgd_quiet, NULL);
	return c;
}

static int admin_exec(PGconn *c, const char *conn, const char *what, struct ferry_error *err,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int admin_exec(PGconn *c, const char *conn, const char *what, struct ferry_error *err,
		      const char *fmt, ...)
{
	char sql[512];
	PGresult *r;
	va_list ap;
	int rc = 0;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pgd_err(c, r, conn, what, err);
	PQclear(r);
	return rc;
}

/* Database names go into SQL as quoted identifiers: allow only what needs no quoting. */
static int name_ok(const char *db)
{
	size_t i, n = strlen(db);

	if (n == 0 || n > PG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((db[i] >= 'a' && db[i] <= 'z') || (db[i] >= '0' && db[i] <= '9') ||
		      db[i] == '_' || db[i] == '-'))
			return 0;
	return 1;
}

static int conn_db(const char *conn, char *db, struct ferry_error *err)
{
	if (url_dbname(conn, db, PG_NAME_MAX + 1) || !name_ok(db))
		return ferry_error_set(err, FERRY_EINVAL,
			"database URL must name a database of lower-case letters, digits, '_' or '-' (at most %d): %s",
			PG_NAME_MAX, conn);
	return 0;
}

static int pgd_claims(const char *conn)
{
	return ferry_store_is_pg(conn);
}

/* 1 when the server has database db (through an admin connection). */
static int db_exists(PGconn *admin, const char *db)
{
	const char *vals[1] = { db };
	PGresult *r = PQexecParams(admin, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
				   vals, NULL, NULL, 0);
	int yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;

	PQclear(r);
	return yes;
}

static int pgd_exists(const char *conn)
{
	char db[PG_NAME_MAX + 1];
	PGconn *c;
	int yes;

	if (conn_db(conn, db, NULL) || !(c = admin_connect(conn, NULL)))
		return 0;
	yes = db_exists(c, db);
	PQfinish(c);
	return yes;
}

static int pgd_create(const char *conn, struct ferry_error *err)
{
	char db[PG_NAME_MAX + 1];
	PGconn *c;
	int rc;

	if ((rc = conn_db(conn, db, err)))
		return rc;
	if (!(c = admin_connect(conn, err)))
		return err ? err->code : FERRY_EFAILED;
	rc = admin_exec(c, conn, "cannot create database", err,
			"CREATE DATABASE \"%s\" TEMPLATE template0", db);
	PQfinish(c);
	return rc;
}

static int pgd_drop(const char *conn, struct ferry_error *err)
{
	char db[PG_NAME_MAX + 1];
	PGconn *c;
	int rc;

	if ((rc = conn_db(conn, db, err)))
		return rc;
	if (!(c = admin_connect(conn, err)))
		return err ? err->code : FERRY_EFAILED;
	rc = admin_exec(c, conn, "cannot drop database", err,
			"DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db);
	PQfinish(c);
	return rc;
}

static int64_t pgd_size(const char *conn)
{
	const char *vals[1];
	char db[PG_NAME_MAX + 1];
	int64_t n = -1;
	PGconn *c;
	PGresult *r;

	if (conn_db(conn, db, NULL) || !(c = admin_connect(conn, NULL)))
		return -1;
	vals[0] = db;
	r = PQexecParams(c, "SELECT pg_database_size($1::name)", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return n;
}

/* ---- copies: restore points, restores, refreshes ---- */

/* How this thread's last copy was built (ferry_envdb_copy_method()). */
static _Thread_local char last_method[32];

static const char *pgd_last_method(void)
{
	return last_method[0] ? last_method : NULL;
}

/* Fill tmp (empty) from src by pg_dump | pg_restore through a temporary file, in the
 * snapshot snap of src: src keeps serving. Passwords go by PGPASSWORD, never argv. */
static int dump_restore(const char *src, const char *snap, const char *tmp_conn,
			struct ferry_error *err)
{
	char file[] = "/tmp/ferry-envdb-XXXXXX", snapopt[96];
	struct tool_conn s = { 0 }, d = { 0 };
	int fd = -1, rc;

	snprintf(snapopt, sizeof(snapopt), "--snapshot=%s", snap);
	if ((rc = pgd_tool_init(&s, src, err)) || (rc = pgd_tool_init(&d, tmp_conn, err)))
		goto out;
	if ((fd = mkstemp(file)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary file");
		goto out;
	}
	{
		char *dump[] = { "pg_dump", "-Fc", "--no-owner", "--no-privileges", snapopt,
				 "-d", s.conninfo, NULL };
		char *restore[] = { "pg_restore", "--no-owner", "--no-privileges",
				    "--exit-on-error", "-d", d.conninfo, file, NULL };
		rc = pgd_run_tool(dump, fd, s.password, err);
		if (!rc)
			rc = pgd_run_tool(restore, -1, d.password, err);
	}
	close(fd);
	unlink(file);
out:
	pgd_tool_release(&s);
	pgd_tool_release(&d);
	return rc;
}

static int count_of(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

static int sessions_on(PGconn *admin, const char *db)
{
	const char *vals[1] = { db };
	PGresult *r = PQexecParams(admin, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
				   1, NULL, vals, NULL, NULL, 0);
	int n = PQresultStatus(r) == PGRES_TUPLES_OK ? count_of(PQgetvalue(r, 0, 0)) : 1;

	PQclear(r);
	return n;
}

/* Build tmp as a copy of src. A template copy when src is idle (fast, file level):
 * consistent by construction (PostgreSQL holds off every new session of the source
 * while it copies, and refuses to start while one is there), so no checksum is taken.
 * Otherwise pg_dump | pg_restore in an exported snapshot, proved by the canonical dump
 * checksum of the copy against the source's taken in that snapshot. A missing source is
 * FERRY_ENOTFOUND with nothing built (ferry_envdb_ops.copy_reports_missing). */
static int build_copy(PGconn *admin, const char *src_conn, const char *src, const char *tmp_conn,
		      const char *tmp, const char *dst_conn, int replacing, struct ferry_error *err)
{
	/* PostgreSQL 15's default strategy, WAL_LOG, writes the copy to the WAL and leaves
	 * its pages dirty for the checkpointer: cheap when nothing follows. A copy that
	 * replaces a database is followed by DROP DATABASE, whose forced checkpoint writes
	 * those pages at once: FILE_COPY (copy the files, no WAL, no dirty buffers) then
	 * writes each byte once (docs/SCALE.md: 0.62x the time here, 0.87x with fsync on). */
	const int file_copy = replacing && PQserverVersion(admin) >= 150000;
	unsigned char want[32], have[32];
	struct ferry_error terr = { 0 };
	PGconn *snapc = NULL;
	char snap[64];
	int rc;

	/* a template copy needs the source idle (and waits 5 s before saying it is not) */
	if (!sessions_on(admin, src)) {
		rc = admin_exec(admin, dst_conn, "copying by template", &terr,
				"CREATE DATABASE \"%s\" TEMPLATE \"%s\"%s", tmp, src,
				file_copy ? " STRATEGY FILE_COPY" : "");
		if (!rc) {
			snprintf(last_method, sizeof(last_method), "template%s",
				 file_copy ? ", file copy" : "");
			return 0;
		}
		if (rc == FERRY_ENOTFOUND)   /* 3D000: no source (callers probe only then) */
			return ferry_error_set(err, FERRY_ENOTFOUND, "no database %s", src);
	}
	/* 55006: the source is in use; a template copy needs it idle */
	if ((rc = admin_exec(admin, dst_conn, "cannot create database", err,
			     "CREATE DATABASE \"%s\" TEMPLATE template0", tmp)))
		return rc;
	if (!(snapc = pgd_snapshot_connect(src_conn, snap, err)))
		return err ? err->code : FERRY_EFAILED;
	rc = dump_restore(src_conn, snap, tmp_conn, err);
	if (!rc)
		rc = pgd_checksum(src_conn, snapc, snap, want, err);
	PQfinish(snapc);
	snprintf(last_method, sizeof(last_method), "dump/restore, verified");
	if (!rc)
		rc = pgd_checksum(tmp_conn, NULL, NULL, have, err);
	if (!rc && memcmp(want, have, sizeof(want)))
		rc = ferry_error_set(err, FERRY_EVERIFY,
			"the copy of database %s does not match its source (canonical dump checksum): "
			"was it written to during the copy? Stop its application and retry", src);
	return rc;
}

/* Close every session on db (the rename needs it to itself). */
static void disconnect_all(PGconn *admin, const char *db)
{
	const char *vals[1] = { db };

	PQclear(PQexecParams(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
			     "WHERE datname = $1 AND pid <> pg_backend_pid()", 1, NULL, vals, NULL, NULL, 0));
}

static int rename_db(PGconn *admin, const char *conn, const char *from, const char *to,
		     struct ferry_error *err)
{
	int tries, rc = 0;

	/* a client may reconnect between the terminate and the rename: try again */
	for (tries = 0; tries < 20; tries++) {
		disconnect_all(admin, from);
		ferry_error_clear(err);
		if (!(rc = admin_exec(admin, conn, "cannot rename database", err,
				      "ALTER DATABASE \"%s\" RENAME TO \"%s\"", from, to)))
			return 0;
		if (!err || !strstr(err->msg, "accessed by other users"))
			break;
		usleep(50 * 1000);
	}
	return rc;
}

/* Put tmp in dst's place without a moment where dst is missing or half-built: the old
 * dst is renamed away, tmp renamed in, then the old one dropped. */
static int swap_in(PGconn *admin, const char *conn, const char *tmp, const char *dst, int had,
		   struct ferry_error *err)
{
	char old[PG_NAME_MAX + 1];
	int rc;

	snprintf(old, sizeof(old), "%.48s__old%d", dst, (int)getpid() % 100000);
	if (had) {
		admin_exec(admin, conn, "dropping a stale copy", NULL,
			   "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", old);
		if ((rc = rename_db(admin, conn, dst, old, err)))
			return rc;
	}
	if ((rc = rename_db(admin, conn, tmp, dst, err))) {
		if (had)
			rename_db(admin, conn, old, dst, NULL);
		return rc;
	}
	if (had)
		admin_exec(admin, conn, "dropping the replaced database", NULL,
			   "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", old);
	return 0;
}

/* Replace dst with a verified copy of src, built under a temporary name. */
static int pgd_copy(const char *src_conn, const char *dst_conn, struct ferry_error *err)
{
	char src[PG_NAME_MAX + 1], dst[PG_NAME_MAX + 1], tmp[PG_NAME_MAX + 1];
	char *tmp_conn = NULL;
	PGconn *c;
	int rc, had;

	last_method[0] = '\0';
	if ((rc = conn_db(src_conn, src, err)) || (rc = conn_db(dst_conn, dst, err)))
		return rc;
	snprintf(tmp, sizeof(tmp), "%.50s__tmp%d", dst, (int)getpid() % 100000);
	if (!(tmp_conn = url_with_db(dst_conn, tmp)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!(c = admin_connect(dst_conn, err))) {
		free(tmp_conn);
		return err ? err->code : FERRY_EFAILED;
	}
	admin_exec(c, dst_conn, "dropping a stale copy", NULL,
		   "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", tmp);
	had = db_exists(c, dst);
	if ((rc = build_copy(c, src_conn, src, tmp_conn, tmp, dst_conn, had, err)) ||
	    (rc = swap_in(c, dst_conn, tmp, dst, had, err))) {
		admin_exec(c, dst_conn, "dropping the copy", NULL,
			   "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", tmp);
		goto out;
	}
	/* when it was made, for restore point listings */
	admin_exec(c, dst_conn, "noting the copy's time", NULL,
		   "COMMENT ON DATABASE \"%s\" IS 'ferry copy %lld'", dst, (long long)ferry_now_ms());
out:
	free(tmp_conn);
	PQfinish(c);
	return rc;
}

/* ---- SQL scripts (package steps) ---- */

static int pgd_exec(const char *conn, const char *sql, const char *mark, int *already,
		    struct ferry_error *err)
{
	const char *vals[1] = { mark };
	PGconn *c;
	PGresult *r = NULL;
	int rc = 0;

	if (already)
		*already = 0;
	if ((rc = ferry_pq_load(err)))
		return rc;
	c = PQconnectdb(conn);
	if (PQstatus(c) != CONNECTION_OK) {
		rc = pgd_err(c, NULL, conn, "cannot connect", err);
		goto out;
	}
	PQsetNoticeProcessor(c, pgd_quiet, NULL);
	r = PQexec(c, "BEGIN");
	PQclear(r);
	if (mark) {
		r = PQexec(c, "CREATE TABLE IF NOT EXISTS " FERRY_ENVDB_MARKS " (mark TEXT PRIMARY KEY)");
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pgd_err(c, r, conn, "step marks", err);
			goto out;
		}
		PQclear(r);
		r = PQexecParams(c, "INSERT INTO " FERRY_ENVDB_MARKS " VALUES ($1) ON CONFLICT DO NOTHING",
				 1, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pgd_err(c, r, conn, "step marks", err);
			goto out;
		}
		if (!strcmp(PQcmdTuples(r), "0")) {
			*already = 1;  /* this step committed before */
			goto out;
		}
		PQclear(r);
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pgd_err(c, r, conn, "SQL failed, rolled back", err);
		goto out;
	}
	PQclear(r);
	r = PQexec(c, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pgd_err(c, r, conn, "cannot commit", err);
out:
	PQclear(r);
	if (c && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c);
	return rc;
}

/* Restore point databases: "<db>__rp_<name>", or, when that is longer than
 * PostgreSQL allows, "<db prefix>__rp_<hash of both>". */
static char *pgd_rp_conn(const char *conn, const char *name)
{
	char db[PG_NAME_MAX + 1], rp[2 * PG_NAME_MAX + 8];
	unsigned char h[crypto_hash_sha256_BYTES];
	int i, n;

	if (conn_db(conn, db, NULL))
		return NULL;
	n = snprintf(rp, sizeof(rp), "%s" RP_INFIX "%s", db, name);
	if (n > PG_NAME_MAX || !name_ok(rp)) {
		crypto_hash_sha256(h, (const unsigned char *)rp, (unsigned long long)n);
		n = snprintf(rp, sizeof(rp), "%.30s" RP_INFIX "h", db);
		for (i = 0; i < 12; i++)
			n += snprintf(rp + n, sizeof(rp) - (size_t)n, "%02x", h[i]);
	}
	return url_with_db(conn, rp);
}

static int pgd_rp_list(const char *conn, json_t **out, struct ferry_error *err)
{
	char db[PG_NAME_MAX + 1], pat[2 * PG_NAME_MAX + 16], when[32], plen[16];
	const char *vals[2] = { pat, plen };
	PGconn *c;
	PGresult *r;
	int rc, i;

	*out = NULL;
	if ((rc = conn_db(conn, db, err)))
		return rc;
	/* '_' is a LIKE wildcard: escape it */
	{
		size_t o = 0, k;
		for (k = 0; db[k] && o + 3 < sizeof(pat); k++) {
			if (db[k] == '_')
				pat[o++] = '\\';
			pat[o++] = db[k];
		}
		snprintf(pat + o, sizeof(pat) - o, "\\_\\_rp\\_%%");
	}
	if (!(c = admin_connect(conn, err)))
		return err ? err->code : FERRY_EFAILED;
	snprintf(plen, sizeof(plen), "%zu", strlen(db) + strlen(RP_INFIX) + 1);
	r = PQexecParams(c, "SELECT substr(datname, $2::int), pg_database_size(oid), "
			 "COALESCE(substring(shobj_description(oid, 'pg_database') from '^ferry copy ([0-9]+)$'), '0') "
			 "FROM pg_database WHERE datname LIKE $1 ORDER BY 3::bigint DESC, 1",
			 2, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pgd_err(c, r, conn, "cannot list restore points", err);
	} else {
		*out = json_array();
		for (i = 0; i < PQntuples(r); i++) {
			int64_t ms = strtoll(PQgetvalue(r, i, 2), NULL, 10);
			ferry_time_iso(ms, when);
			json_array_append_new(*out, json_pack("{s:s, s:I, s:s, s:I}",
				"name", PQgetvalue(r, i, 0),
				"size", (json_int_t)strtoll(PQgetvalue(r, i, 1), NULL, 10),
				"created", when, "mtime", (json_int_t)(ms / 1000)));
		}
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}

static int pgd_marks_clear(const char *conn, const char *prefix, struct ferry_error *err)
{
	char len[24];   /* a size_t in decimal */
	const char *vals[2] = { len, prefix };
	PGconn *c;
	PGresult *r = NULL;
	int rc = 0;

	if ((rc = ferry_pq_load(err)))
		return rc;
	c = PQconnectdb(conn);
	snprintf(len, sizeof(len), "%zu", strlen(prefix));
	if (PQstatus(c) != CONNECTION_OK) {
		rc = pgd_err(c, NULL, conn, "cannot connect", err);
		goto out;
	}
	PQsetNoticeProcessor(c, pgd_quiet, NULL);
	r = PQexec(c, "BEGIN; CREATE TABLE IF NOT EXISTS " FERRY_ENVDB_MARKS " (mark TEXT PRIMARY KEY)");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = pgd_err(c, r, conn, "step marks", err);
		goto out;
	}
	PQclear(r);
	r = PQexecParams(c, "DELETE FROM " FERRY_ENVDB_MARKS " WHERE substr(mark, 1, $1::int) = $2",
			 2, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = pgd_err(c, r, conn, "step marks", err);
		goto out;
	}
	PQclear(r);
	r = PQexec(c, "SELECT count(*) FROM " FERRY_ENVDB_MARKS);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "0")) {
		PQclear(r);
		r = PQexec(c, "DROP TABLE " FERRY_ENVDB_MARKS);
	}
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pgd_err(c, r, conn, "step marks", err);
		goto out;
	}
	PQclear(r);
	r = PQexec(c, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pgd_err(c, r, conn, "cannot commit", err);
out:
	PQclear(r);
	if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c);
	return rc;
}

int ferry_envdb_pg_url(const char *base, const char *name, char **out, struct ferry_error *err)
{
	char prefix[PG_NAME_MAX + 1], db[2 * PG_NAME_MAX + 4];
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t i, n;

	*out = NULL;
	if (!ferry_store_is_pg(base))
		return ferry_error_set(err, FERRY_EINVAL, "not a postgresql:// URL: %s", base);
	if (url_dbname(base, prefix, sizeof(prefix)) || !strcmp(prefix, "postgres"))
		snprintf(prefix, sizeof(prefix), "ferry");
	if (!name_ok(prefix))
		return ferry_error_set(err, FERRY_EINVAL,
			"database prefix '%s' must be lower-case letters, digits, '_' or '-'", prefix);
	n = (size_t)snprintf(db, sizeof(db), "%s_%s", prefix, name);
	for (i = 0; i < n; i++)
		db[i] = db[i] >= 'A' && db[i] <= 'Z' ? (char)(db[i] + 32) : db[i] == '.' ? '_' : db[i];
	if (n > PG_NAME_MAX - 12) {  /* room for restore point and copy suffixes' hashes */
		crypto_hash_sha256(h, (const unsigned char *)db, (unsigned long long)n);
		n = 36;
		for (i = 0; i < 6; i++)
			n += (size_t)snprintf(db + n, sizeof(db) - n, "%02x", h[i]);
	}
	if (!name_ok(db))
		return ferry_error_set(err, FERRY_EINVAL, "cannot name a database after '%s'", name);
	if (!(*out = url_with_db(base, db)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

const struct ferry_envdb_ops ferry_envdb_postgresql = {
	.name = "postgresql",
	.claims = pgd_claims,
	.create = pgd_create,
	.exists = pgd_exists,
	.drop = pgd_drop,
	.copy = pgd_copy,
	.copy_reports_missing = 1,
	.copy_method = pgd_last_method,
	.rp_conn = pgd_rp_conn,
	.size = pgd_size,
	.dump = pgd_dump,
	.rp_list = pgd_rp_list,
	.exec = pgd_exec,
	.marks_clear = pgd_marks_clear,
};
