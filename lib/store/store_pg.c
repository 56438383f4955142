/* SPDX-License-Identifier: MIT */
/* store_pg.c: the PostgreSQL state store backend (libpq): connect, transactions
 * serialized by an advisory lock, statements with SQLite's failure semantics. */
#include "store/store_impl.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"

#include "store/pq_sym.h"
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG_INT8OID 20
#define PG_TEXTOID 25
/* Waits for locks give up like SQLite's busy timeout (settings.store_busy_ms). */
#define PG_SESSION_SETUP "SET lock_timeout = %d; SET client_min_messages = warning"

struct pg_store {
	struct ferry_store base;
	PGconn *conn;
	char *url;         /* the URL as given, password included: never printed */
	int savepoint;     /* the transaction has a savepoint ferry_stmt */
	char setup[96];    /* PG_SESSION_SETUP with the busy timeout */
};

struct pg_stmt {
	struct ferry_stmt base;
	PGresult *res;
	int row, nrows;
};

static PGconn *conn_of(struct ferry_store *s)
{
	return ((struct pg_store *)s)->conn;
}

/* libpq's messages end in newlines and indent hints with tabs: make one line. */
static void one_line(char *out, size_t len, const char *msg)
{
	size_t o = 0;

	for (; msg && *msg && o + 1 < len; msg++) {
		char c = (*msg == '\n' || *msg == '\t') ? ' ' : *msg;
		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static int is_state(const char *state, const char *want)
{
	return state && !strncmp(state, want, strlen(want));
}

/* Map a failed result (or connection) to a ferry code and message. */
static int pg_fail(struct ferry_store *s, PGresult *res, const char *what, const char *sql,
		   struct ferry_error *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char msg[512];

	one_line(msg, sizeof(msg), res && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
		 ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(conn_of(s)));
	if (PQstatus(conn_of(s)) == CONNECTION_BAD)
		return ferry_error_set(err, FERRY_ESTORE,
			"lost the connection to state store %s (%s): check that PostgreSQL is up and try again",
			s->where, msg);
	if (is_state(state, "23"))
		return ferry_error_set(err, FERRY_EEXIST, "%s: %s%s%s", what, msg,
				       detail ? " " : "", detail ? detail : "");
	if (is_state(state, "40001") || is_state(state, "40P01") || is_state(state, "55P03") ||
	    is_state(state, "57014"))
		return ferry_error_set(err, FERRY_ESTORE,
			"state store %s is busy (another ferry holds it too long: %s); try again",
			s->where, msg);
	if (is_state(state, "42") && sql)
		return ferry_error_set(err, FERRY_ESTORE, "state store %s: %s: %s (SQL: %s)",
				       s->where, what, msg, sql);
	return ferry_error_set(err, FERRY_ESTORE, "state store %s: %s: %s", s->where, what, msg);
}

static int result_ok(PGresult *res)
{
	ExecStatusType t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

/* Run SQL without arguments as given (no translation). */
static int run_raw(struct ferry_store *s, const char *sql, const char *what,
		   struct ferry_error *err)
{
	PGresult *res = PQexec(conn_of(s), sql);
	int rc = 0;

	if (!result_ok(res))
		rc = pg_fail(s, res, what, sql, err);
	PQclear(res);
	return rc;
}

/* A connection the server closed while it sat idle (a restart, a failover, an idle
 * timeout, pg_terminate_backend) looks fine to libpq until it is used. An idle
 * connection has nothing to read: when its socket is readable the server sent a
 * goodbye (or closed it), so it is dropped before anything is sent on it. */
static int conn_stale(PGconn *c)
{
	struct pollfd p = { PQsocket(c), POLLIN, 0 };

	if (PQstatus(c) != CONNECTION_OK || p.fd < 0)
		return 1;
	if (PQtransactionStatus(c) != PQTRANS_IDLE)
		return 0;
	return poll(&p, 1, 0) > 0;
}

static int reconnect(struct ferry_store *s, struct ferry_error *err)
{
	PGconn *c = conn_of(s);

	PQreset(c);
	if (PQstatus(c) != CONNECTION_OK)
		return pg_fail(s, NULL, "reconnecting", NULL, err);
	return run_raw(s, ((struct pg_store *)s)->setup, "setting up the session", err);
}

/* A daemon outlives server restarts: between transactions, a connection found broken
 * or stale is opened again before it is used. */
static int ensure_conn(struct ferry_store *s, struct ferry_error *err)
{
	if (s->in_tx) {
		if (PQstatus(conn_of(s)) == CONNECTION_OK)
			return 0;
		return pg_fail(s, NULL, "in a transaction", NULL, err);
	}
	if (!conn_stale(conn_of(s)))
		return 0;
	return reconnect(s, err);
}

/* A statement outside a transaction, or a BEGIN, that failed because the connection
 * broke may run once more on a new connection: nothing of it took effect. */
static int conn_lost(struct ferry_store *s)
{
	return !s->in_tx && PQstatus(conn_of(s)) == CONNECTION_BAD;
}

static void ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;  /* library code never prints */
}

static void pg_close(struct ferry_store *s)
{
	struct pg_store *p = (struct pg_store *)s;

	PQfinish(p->conn);
	free(p->url);
	free(s->where);
	free(p);
}

static int has_schema(struct ferry_store *s, struct ferry_error *err)
{
	PGresult *res = PQexec(conn_of(s), "SELECT to_regclass('schema_versions') IS NOT NULL");
	int rc = 0;

	if (!result_ok(res))
		rc = pg_fail(s, res, "looking for the schema", NULL, err);
	else if (strcmp(PQgetvalue(res, 0, 0), "t"))
		rc = ferry_error_set(err, FERRY_ESTORE,
			"state store %s holds no ferry schema: run 'ferry init' with the same --store or FERRY_STORE",
			s->where);
	PQclear(res);
	return rc;
}

static int pg_open(const char *url, int create, const struct ferry_settings *settings,
		   struct ferry_store **out, struct ferry_error *err)
{
	const char *keys[] = { "connect_timeout", "fallback_application_name", "dbname", NULL };
	const char *vals[] = { NULL, "ferry", url, NULL };
	struct pg_store *p = calloc(1, sizeof(*p));
	char msg[512], timeout[16];
	int rc;

	if ((rc = ferry_pq_load(err))) {
		free(p);
		return rc;
	}

	snprintf(timeout, sizeof(timeout), "%d", settings->store_connect_s);
	vals[0] = timeout;
	if (p)
		snprintf(p->setup, sizeof(p->setup), PG_SESSION_SETUP, settings->store_busy_ms);

	if (!p || !(p->url = strdup(url)) || !(p->base.where = ferry_store_redact(url))) {
		if (p)
			pg_close(&p->base);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	p->base.ops = &ferry_store_pg_ops;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
		one_line(msg, sizeof(msg), p->conn ? PQerrorMessage(p->conn) : "out of memory");
		rc = ferry_error_set(err, FERRY_ESTORE,
			"cannot connect to state store %s: %s: check the URL (--store, FERRY_STORE), that PostgreSQL is up and that the database exists",
			p->base.where, msg);
		pg_close(&p->base);
		return rc;
	}
	PQsetNoticeProcessor(p->conn, ignore_notice, NULL);
	if ((rc = run_raw(&p->base, p->setup, "setting up the session", err)) ||
	    (!create && (rc = has_schema(&p->base, err)))) {
		pg_close(&p->base);
		return rc;
	}
	*out = &p->base;
	return 0;
}

static int pg_exec(struct ferry_store *s, const char *sql, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int n, rc;

	if ((rc = ensure_conn(s, err)))
		return rc;
	if (ferry_store_sql_pg(sql, &b, &n)) {
		ferry_buf_release(&b);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	rc = run_raw(s, b.data, "running a script", err);
	ferry_buf_release(&b);
	return rc;
}

/* BEGIN, then the store-wide advisory lock (released at commit or rollback): writers
 * queue like SQLite's BEGIN IMMEDIATE, so read-check-write code stays correct. */
static int pg_begin(struct ferry_store *s, int rowlocks, struct ferry_error *err)
{
	char sql[96];
	int rc;

	if ((rc = ensure_conn(s, err)))
		return rc;
	((struct pg_store *)s)->savepoint = 0;
	if (rowlocks)
		snprintf(sql, sizeof(sql), "BEGIN");
	else
		snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
			 (long long)FERRY_STORE_PG_LOCK);
	rc = run_raw(s, sql, "beginning a transaction", err);
	if (rc && conn_lost(s) && !reconnect(s, NULL))  /* retried once on a new connection */
		rc = run_raw(s, sql, "beginning a transaction", err);
	if (rc && PQstatus(conn_of(s)) == CONNECTION_OK)
		PQclear(PQexec(conn_of(s), "ROLLBACK"));
	return rc;
}

static int pg_commit(struct ferry_store *s, struct ferry_error *err)
{
	PGresult *res = PQexec(conn_of(s), "COMMIT");
	int rc = 0;

	if (!result_ok(res))
		rc = pg_fail(s, res, "committing", NULL, err);
	else if (strcmp(PQcmdStatus(res), "COMMIT"))
		rc = ferry_error_set(err, FERRY_ESTORE,
			"state store %s rolled the transaction back instead of committing", s->where);
	PQclear(res);
	return rc;
}

static void pg_rollback(struct ferry_store *s)
{
	PQclear(PQexec(conn_of(s), "ROLLBACK"));
}

/* A synchronous commit waits for the WAL flush up to its own record, so it makes every
 * asynchronous commit before it durable too. Back on: the server's own setting again. */
static int pg_sync_commits(struct ferry_store *s, int on, struct ferry_error *err)
{
	int rc;

	if ((rc = ensure_conn(s, err)))
		return rc;
	return run_raw(s, on ? "RESET synchronous_commit" : "SET synchronous_commit TO off",
		       "setting synchronous_commit", err);
}

static void pg_stmt_free(struct ferry_stmt *st)
{
	PQclear(((struct pg_stmt *)st)->res);
	free(st);
}

/* Execute with text parameters; integers are typed int8 so arithmetic on them
 * never falls back to int4; text is left for the server to infer (a '?' bound to an
 * integer column works as on SQLite) unless `text_oid` asks for type text. */
static PGresult *exec_params(struct ferry_store *s, const char *sql,
			     const struct store_arg *args, int nargs, Oid text_oid, Oid int_oid)
{
	char ints[64][24];
	const char *vals[64];
	Oid types[64];
	int i;

	for (i = 0; i < nargs && i < 64; i++) {
		if (args[i].type == 't') {
			vals[i] = args[i].t;
			types[i] = text_oid;
		} else {
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64, args[i].i);
			vals[i] = ints[i];
			types[i] = int_oid;
		}
	}
	return PQexecParams(conn_of(s), sql, nargs, types, vals, NULL, NULL, 0);
}

/* Mark the transaction's state before a statement: one round trip that drops the
 * previous statement's savepoint (it succeeded, or was rolled back to) and sets a
 * new one. Commit and rollback drop the last one. */
static int savepoint(struct ferry_store *s, struct ferry_error *err)
{
	struct pg_store *p = (struct pg_store *)s;
	int rc = run_raw(s, p->savepoint ? "RELEASE SAVEPOINT ferry_stmt; SAVEPOINT ferry_stmt"
					 : "SAVEPOINT ferry_stmt", "setting a savepoint", err);

	p->savepoint = rc == 0;
	return rc;
}

/* Run under a savepoint inside a transaction. A '?' whose type the server cannot
 * infer ("? IS NULL") fails with 42P18: run it again with text typed as text. An
 * int8 argument that matches no function (substr(x, 1, ?) wants int4) fails with
 * 42883: run it again with integers left for the server to infer. */
static int exec_stmt(struct ferry_store *s, struct pg_stmt *st, const char *pgsql,
		     const char *sql, const struct store_arg *args, int nargs,
		     struct ferry_error *err)
{
	Oid text_oid = 0, int_oid = PG_INT8OID;
	const char *state;
	int attempt, rc;

	for (attempt = 0; attempt < 3; attempt++) {
		if (s->in_tx && (rc = savepoint(s, err)))
			return rc;
		PQclear(st->res);
		st->res = exec_params(s, pgsql, args, nargs, text_oid, int_oid);
		if (result_ok(st->res))
			return 0;
		if (s->in_tx)
			PQclear(PQexec(conn_of(s), "ROLLBACK TO SAVEPOINT ferry_stmt"));
		state = PQresultErrorField(st->res, PG_DIAG_SQLSTATE);
		if (is_state(state, "42P18") && !text_oid)
			text_oid = PG_TEXTOID;
		else if (is_state(state, "42883") && int_oid)
			int_oid = 0;  /* substr(text, int, bigint): let the server infer ints */
		else
			break;
	}
	return pg_fail(s, st->res, "running query", sql, err);
}

/* A query that only reads (may run again after a lost connection). */
static int is_read(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t')
		sql++;
	return !strncasecmp(sql, "SELECT", 6);
}

/* A failed statement aborts a whole PostgreSQL transaction; SQLite only undoes the
 * statement. Inside a transaction each statement runs under a savepoint so a caller
 * may recover from, say, a unique violation exactly as on SQLite. */
static int pg_query(struct ferry_store *s, struct ferry_stmt **out, const char *sql,
		    const struct store_arg *args, int nargs, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct pg_stmt *st = NULL;
	int n, rc;

	if ((rc = ensure_conn(s, err)))
		return rc;
	if (ferry_store_sql_pg(sql, &b, &n) || !(st = calloc(1, sizeof(*st)))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (n != nargs || nargs > 64) {
		rc = ferry_error_set(err, FERRY_EINTERNAL, "bad bind of %d arguments for: %s",
				     nargs, sql);
		goto out;
	}
	st->base.s = s;
	st->row = -1;
	rc = exec_stmt(s, st, b.data, sql, args, nargs, err);
	if (rc && conn_lost(s) && is_read(sql) && !reconnect(s, NULL))
		rc = exec_stmt(s, st, b.data, sql, args, nargs, err);  /* a read: once more */
	if (rc)
		goto out;
	st->nrows = PQntuples(st->res);
	*out = &st->base;
	st = NULL;
out:
	ferry_buf_release(&b);
	if (st)
		pg_stmt_free(&st->base);
	return rc;
}

static int pg_step(struct ferry_stmt *base, struct ferry_error *err)
{
	struct pg_stmt *st = (struct pg_stmt *)base;

	(void)err;
	if (st->row < st->nrows)
		st->row++;
	return st->row < st->nrows;
}

static const char *pg_text(struct ferry_stmt *base, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)base;

	if (st->row >= st->nrows || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
		return NULL;
	return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_int(struct ferry_stmt *base, int col)
{
	const char *v = pg_text(base, col);

	if (!v)
		return 0;
	if (!strcmp(v, "t"))
		return 1;  /* booleans read as SQLite's 1/0 */
	if (!strcmp(v, "f"))
		return 0;
	return strtoll(v, NULL, 10);
}

static int pg_is_null(struct ferry_stmt *base, int col)
{
	return pg_text(base, col) == NULL;
}

static int64_t pg_changes(struct ferry_stmt *base)
{
	const char *n = PQcmdTuples(((struct pg_stmt *)base)->res);

	return n && *n ? strtoll(n, NULL, 10) : 0;
}

const struct store_ops ferry_store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.sync_commits = pg_sync_commits,
	.query = pg_query,
	.step = pg_step,
	.text = pg_text,
	.int64 = pg_int,
	.is_null = pg_is_null,
	.changes = pg_changes,
	.stmt_free = pg_stmt_free,
};
