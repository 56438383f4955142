/* SPDX-License-Identifier: MIT */
/* envdb_pg_dump.c: the PostgreSQL environment database driver's client tools (pg_dump,
 * pg_restore run with argv, the password by PGPASSWORD) and its canonical dump (schema,
 * then every row in text order, in one exported snapshot) and checksum of it. */
#include "runtime/envdb_pg_int.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <sodium.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void pgd_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;  /* library code never prints */
}

int pgd_err(PGconn *c, PGresult *r, const char *conn, const char *what,
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

/* ---- client tools: pg_dump, pg_restore ---- */

void pgd_tool_release(struct tool_conn *t)
{
	free(t->conninfo);
	if (t->password)
		sodium_memzero(t->password, strlen(t->password));
	free(t->password);
}

int pgd_tool_init(struct tool_conn *t, const char *conn, struct ferry_error *err)
{
	PQconninfoOption *opts, *o;
	struct ferry_buf b = FERRY_BUF_INIT;
	const char *v;

	t->conninfo = t->password = NULL;
	if (ferry_pq_load(err))
		return err ? err->code : FERRY_EIO;
	if (!(opts = PQconninfoParse(conn, NULL)))
		return ferry_error_set(err, FERRY_EINVAL, "cannot parse the database URL");
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "password")) {
			t->password = strdup(o->val);
			continue;
		}
		ferry_buf_addf(&b, "%s%s='", b.len ? " " : "", o->keyword);
		for (v = o->val; *v; v++)
			ferry_buf_adds(&b, *v == '\'' ? "\\'" : *v == '\\' ? "\\\\" : (char[]){ *v, 0 });
		ferry_buf_adds(&b, "'");
	}
	PQconninfoFree(opts);
	if (!(t->conninfo = ferry_buf_detach(&b)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

/* Run argv (a PostgreSQL client tool); 0 when it exits 0. stdout goes to fd_out when
 * >= 0; the password (or NULL) reaches it as PGPASSWORD. No shell is involved. */
int pgd_run_tool(char *const argv[], int fd_out, const char *password, struct ferry_error *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot start %s", argv[0]);
	if (pid == 0) {
		if (fd_out >= 0 && dup2(fd_out, 1) < 0)
			_exit(127);
		if (password && setenv("PGPASSWORD", password, 1) < 0)
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

/* ---- canonical dump ---- */

/* A connection in a read-only repeatable-read transaction whose snapshot is exported
 * (snap, for pg_dump --snapshot): everything read through it, and by pg_dump with that
 * snapshot, is one consistent state of the database. */
PGconn *pgd_snapshot_connect(const char *conn, char snap[64], struct ferry_error *err)
{
	PGconn *c;
	PGresult *r = NULL;

	if (ferry_pq_load(err))
		return NULL;
	c = PQconnectdb(conn);
	if (PQstatus(c) != CONNECTION_OK) {
		pgd_err(c, NULL, conn, "cannot connect", err);
		goto fail;
	}
	PQsetNoticeProcessor(c, pgd_quiet, NULL);
	r = PQexec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pgd_err(c, r, conn, "cannot start a snapshot", err);
		goto fail;
	}
	PQclear(r);
	r = PQexec(c, "SELECT pg_export_snapshot()");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		pgd_err(c, r, conn, "cannot export a snapshot", err);
		goto fail;
	}
	snprintf(snap, 64, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return c;
fail:
	PQclear(r);
	PQfinish(c);
	return NULL;
}

/* The schema by pg_dump (in the snapshot), without its per-run \restrict lines. */
static int schema_dump(const char *conn, const char *snap, FILE *out, struct ferry_error *err)
{
	char tmpl[] = "/tmp/ferry-envdb-XXXXXX", line[8192], snapopt[96];
	struct tool_conn tc;
	int fd, rc;
	FILE *f;

	if ((rc = pgd_tool_init(&tc, conn, err)))
		return rc;
	snprintf(snapopt, sizeof(snapopt), "--snapshot=%s", snap);
	{
		char *argv[] = { "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
				 snapopt, "-d", tc.conninfo, NULL };
		if ((fd = mkstemp(tmpl)) < 0) {
			pgd_tool_release(&tc);
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary file");
		}
		unlink(tmpl);
		rc = pgd_run_tool(argv, fd, tc.password, err);
	}
	pgd_tool_release(&tc);
	if (rc || !(f = fdopen(fd, "r"))) {
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

/* Every table's rows by COPY (streamed, any size), ordered by the primary key (text
 * in byte order), or by the whole row where there is none. */
static const char tables_sql[] =
	"SELECT (quote_ident(n.nspname) || '.' || quote_ident(c.relname)) COLLATE \"C\","
	" (SELECT string_agg(quote_ident(a.attname) || CASE WHEN t.typcollation <> 0"
	"   THEN ' COLLATE \"C\"' ELSE '' END, ', ' ORDER BY k.n)"
	"   FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)"
	"   JOIN pg_attribute a ON a.attnum = k.attnum JOIN pg_type t ON t.oid = a.atttypid"
	"   WHERE i.indrelid = c.oid AND i.indisprimary AND a.attrelid = c.oid)"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1";

static int rows_dump(PGconn *c, const char *conn, FILE *out, struct ferry_error *err)
{
	struct ferry_buf q = FERRY_BUF_INIT;
	PGresult *tables, *r;
	int rc = 0, i, n;
	char *row;

	tables = PQexec(c, tables_sql);
	if (PQresultStatus(tables) != PGRES_TUPLES_OK)
		rc = pgd_err(c, tables, conn, "cannot list tables", err);
	for (i = 0; !rc && i < PQntuples(tables); i++) {
		const char *t = PQgetvalue(tables, i, 0);
		ferry_buf_reset(&q);
		if (!PQgetisnull(tables, i, 1))
			ferry_buf_addf(&q, "COPY (SELECT * FROM %s ORDER BY %s) TO STDOUT", t,
				       PQgetvalue(tables, i, 1));
		else
			ferry_buf_addf(&q, "COPY (SELECT * FROM %s r ORDER BY r::text COLLATE \"C\") TO STDOUT", t);
		fprintf(out, "-- rows of %s\n", t);
		r = PQexec(c, q.data);
		if (PQresultStatus(r) != PGRES_COPY_OUT) {
			rc = pgd_err(c, r, conn, "cannot read a table", err);
			PQclear(r);
			break;
		}
		PQclear(r);
		while ((n = PQgetCopyData(c, &row, 0)) > 0) {
			fwrite(row, 1, (size_t)n, out);
			PQfreemem(row);
		}
		r = PQgetResult(c);
		if (n == -2 || PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pgd_err(c, r, conn, "cannot read a table", err);
		PQclear(r);
		while ((r = PQgetResult(c)))
			PQclear(r);
	}
	PQclear(tables);
	ferry_buf_release(&q);
	return rc;
}

static int dump_in(PGconn *c, const char *conn, const char *snap, FILE *out, struct ferry_error *err)
{
	int rc = schema_dump(conn, snap, out, err);

	return rc ? rc : rows_dump(c, conn, out, err);
}

int pgd_dump(const char *conn, FILE *out, struct ferry_error *err)
{
	char snap[64];
	PGconn *c = pgd_snapshot_connect(conn, snap, err);
	int rc;

	if (!c)
		return err ? err->code : FERRY_EFAILED;
	rc = dump_in(c, conn, snap, out, err);
	PQfinish(c);
	return rc;
}

/* SHA-256 of what is written to a FILE. */
static ssize_t hash_write(void *cookie, const char *buf, size_t size)
{
	crypto_hash_sha256_update(cookie, (const unsigned char *)buf, size);
	return (ssize_t)size;
}

static FILE *hash_open(crypto_hash_sha256_state *st)
{
	static const cookie_io_functions_t io = { NULL, hash_write, NULL, NULL };

	crypto_hash_sha256_init(st);
	return fopencookie(st, "w", io);
}

static void hash_close(FILE *f, crypto_hash_sha256_state *st, unsigned char h[32])
{
	fclose(f);
	crypto_hash_sha256_final(st, h);
}

/* The checksum of conn's canonical dump (in c's snapshot when c is given). */
int pgd_checksum(const char *conn, PGconn *c, const char *snap, unsigned char h[32],
		 struct ferry_error *err)
{
	crypto_hash_sha256_state st;
	FILE *f = hash_open(&st);
	int rc;

	if (!f)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = c ? dump_in(c, conn, snap, f, err) : pgd_dump(conn, f, err);
	hash_close(f, &st, h);
	return rc;
}
