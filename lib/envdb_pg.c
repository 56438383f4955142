/* envdb_pg.c: the PostgreSQL environment database driver: one database per
 * environment on the operator's server; copies (restore points, restore, refresh)
 * by CREATE DATABASE ... TEMPLATE, or pg_dump | pg_restore while the source is in
 * use; a canonical dump (schema, then every row in text order) for checksums. */
#include "ferry/envdb.h"
#include "ferry/error.h"
#include "ferry/store.h"
#include "ferry/util.h"

#include <libpq-fe.h>
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

static int pg_err(PGconn *c, PGresult *r, const char *conn, const char *what,
		  struct ferry_error *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	char *where = ferry_store_redact(conn);
	char msg[512];
	size_t i;
	int rc;

	snprintf(msg, sizeof(msg), "%s", r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
						: PQerrorMessage(c));
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n' || msg[i] == '\t')
			msg[i] = ' ';
	rc = ferry_error_set(err, state && !strcmp(state, "42P04") ? FERRY_EEXIST :
			     state && !strcmp(state, "3D000") ? FERRY_ENOTFOUND : FERRY_EFAILED,
			     "%s (%s): %s", what, where ? where : "database", msg);
	free(where);
	return rc;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;  /* library code never prints */
}

/* A connection to the server's maintenance database, for CREATE/DROP DATABASE. */
static PGconn *admin_connect(const char *conn, struct ferry_error *err)
{
	char *url = url_with_db(conn, "postgres");
	PGconn *c = url ? PQconnectdb(url) : NULL;

	free(url);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_err(c, NULL, conn, "cannot connect to the database server", err);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
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
		rc = pg_err(c, r, conn, what, err);
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

static int pgd_exists(const char *conn)
{
	const char *vals[1];
	char db[PG_NAME_MAX + 1];
	PGconn *c;
	PGresult *r;
	int yes;

	if (conn_db(conn, db, NULL) || !(c = admin_connect(conn, NULL)))
		return 0;
	vals[0] = db;
	r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, vals,
			 NULL, NULL, 0);
	yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	PQclear(r);
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

/* Run argv (a PostgreSQL client tool); 0 when it exits 0. stdout goes to fd_out
 * when >= 0. No shell is involved. */
static int run_tool(char *const argv[], int fd_out, struct ferry_error *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot start %s", argv[0]);
	if (pid == 0) {
		if (fd_out >= 0 && dup2(fd_out, 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ferry_error_errno(err, FERRY_EIO, errno, "waiting for %s", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return ferry_error_set(err, FERRY_EFAILED, "%s failed (exit %d)%s", argv[0],
				       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				       WIFEXITED(status) && WEXITSTATUS(status) == 127
				       ? ": is postgresql-client installed?" : "");
	return 0;
}

/* Fill tmp (empty) from src by pg_dump | pg_restore through a temporary file: a
 * consistent snapshot (pg_dump's one transaction) while src keeps serving. */
static int dump_restore(const char *src, const char *tmp_conn, struct ferry_error *err)
{
	char file[] = "/tmp/ferry-envdb-XXXXXX";
	int fd = mkstemp(file), rc;

	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary file");
	{
		char *dump[] = { "pg_dump", "-Fc", "--no-owner", "--no-privileges", "-d",
				 (char *)src, NULL };
		char *restore[] = { "pg_restore", "--no-owner", "--no-privileges",
				    "--exit-on-error", "-d", (char *)tmp_conn, file, NULL };
		rc = run_tool(dump, fd, err);
		close(fd);
		if (!rc)
			rc = run_tool(restore, -1, err);
	}
	unlink(file);
	return rc;
}

/* Replace dst with a copy of src: build it under a temporary name (template copy,
 * or dump and restore when src is in use), then drop dst and rename into place. */
static int pgd_copy(const char *src_conn, const char *dst_conn, struct ferry_error *err)
{
	char src[PG_NAME_MAX + 1], dst[PG_NAME_MAX + 1], tmp[PG_NAME_MAX + 1];
	struct ferry_error tpl = { 0 };
	char *tmp_conn = NULL;
	PGconn *c;
	int rc;

	if ((rc = conn_db(src_conn, src, err)) || (rc = conn_db(dst_conn, dst, err)))
		return rc;
	snprintf(tmp, sizeof(tmp), "%.50s__tmp%d", dst, (int)getpid() % 100000);
	if (!(c = admin_connect(dst_conn, err)))
		return err ? err->code : FERRY_EFAILED;
	admin_exec(c, dst_conn, "dropping a stale copy", NULL,
		   "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", tmp);
	rc = admin_exec(c, dst_conn, "copying by template", &tpl,
			"CREATE DATABASE \"%s\" TEMPLATE \"%s\"", tmp, src);
	if (rc) {
		/* 55006: the source is in use; a template copy needs it idle. */
		if ((rc = admin_exec(c, dst_conn, "cannot create database", err,
				     "CREATE DATABASE \"%s\" TEMPLATE template0", tmp)))
			goto out;
		if (!(tmp_conn = url_with_db(dst_conn, tmp))) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			goto drop_tmp;
		}
		if ((rc = dump_restore(src_conn, tmp_conn, err)))
			goto drop_tmp;
	}
	if ((rc = admin_exec(c, dst_conn, "cannot drop the old database", err,
			     "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", dst)) ||
	    (rc = admin_exec(c, dst_conn, "cannot rename the copy into place", err,
			     "ALTER DATABASE \"%s\" RENAME TO \"%s\"", tmp, dst)))
		goto drop_tmp;
	/* when it was made, for restore point listings */
	admin_exec(c, dst_conn, "noting the copy's time", NULL,
		   "COMMENT ON DATABASE \"%s\" IS 'ferry copy %lld'", dst, (long long)ferry_now_ms());
	goto out;
drop_tmp:
	admin_exec(c, dst_conn, "dropping the copy", NULL,
		   "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", tmp);
out:
	free(tmp_conn);
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
		rc = pg_err(c, r, conn, "cannot list restore points", err);
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

/* Copy a tool's stdout into out, without pg_dump's per-run \restrict lines. */
static int schema_dump(const char *conn, FILE *out, struct ferry_error *err)
{
	char *argv[] = { "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
			 "-d", (char *)conn, NULL };
	char tmpl[] = "/tmp/ferry-envdb-XXXXXX", line[8192];
	int fd = mkstemp(tmpl), rc;
	FILE *f;

	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary file");
	unlink(tmpl);
	if ((rc = run_tool(argv, fd, err)) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return rc ? rc : ferry_error_errno(err, FERRY_EIO, errno, "reading pg_dump output");
	}
	rewind(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "\\restrict ", 10) && strncmp(line, "\\unrestrict ", 12))
			fputs(line, out);
	fclose(f);
	return 0;
}

static int pgd_dump(const char *conn, FILE *out, struct ferry_error *err)
{
	PGconn *c;
	PGresult *tables, *rows;
	char sql[512];
	int rc, i, j;

	if ((rc = schema_dump(conn, out, err)))
		return rc;
	c = PQconnectdb(conn);
	if (PQstatus(c) != CONNECTION_OK) {
		rc = pg_err(c, NULL, conn, "cannot connect", err);
		PQfinish(c);
		return rc;
	}
	PQclear(PQexec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
	tables = PQexec(c, "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
			"FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
			"ORDER BY schemaname, tablename");
	if (PQresultStatus(tables) != PGRES_TUPLES_OK)
		rc = pg_err(c, tables, conn, "cannot list tables", err);
	for (i = 0; !rc && i < PQntuples(tables); i++) {
		snprintf(sql, sizeof(sql), "SELECT t::text FROM %s t ORDER BY t::text COLLATE \"C\"",
			 PQgetvalue(tables, i, 0));
		rows = PQexec(c, sql);
		if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
			rc = pg_err(c, rows, conn, "cannot read a table", err);
		} else {
			fprintf(out, "-- rows of %s\n", PQgetvalue(tables, i, 0));
			for (j = 0; j < PQntuples(rows); j++)
				fprintf(out, "%s\n", PQgetvalue(rows, j, 0));
		}
		PQclear(rows);
	}
	PQclear(tables);
	PQfinish(c);
	return rc;
}

const struct ferry_envdb_ops ferry_envdb_postgresql = {
	.name = "postgresql",
	.claims = pgd_claims,
	.create = pgd_create,
	.exists = pgd_exists,
	.drop = pgd_drop,
	.copy = pgd_copy,
	.rp_conn = pgd_rp_conn,
	.size = pgd_size,
	.dump = pgd_dump,
	.rp_list = pgd_rp_list,
};
