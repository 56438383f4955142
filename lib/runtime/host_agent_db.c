/* SPDX-License-Identifier: MIT */
/* host_agent_db.c: the agent's "db" operation: the SQLite databases of runtimes on
 * this host (create, copy, restore points' files, dumps, SQL steps, snapshots
 * streamed out and databases streamed in), and the writes a rollback keeps
 * (envdb_changes.h: the capture since a baseline, the carry and its plan), run here
 * with their inputs and outputs as JSON documents on the request's and the answer's
 * streams (no frame limit). */
#include "runtime/host_agent.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/runtime/envdb_changes.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t cookie_write(void *arg, const char *buf, size_t len)
{
	return agent_send(arg, buf, len, NULL) ? -1 : (ssize_t)len;
}

static int db_dump(struct agent *a, const char *conn, struct ferry_error *err)
{
	static const cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };
	FILE *f = fopencookie(a, "w", io);
	int rc;

	if (!f)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	rc = ferry_envdb_sqlite.dump(conn, f, err);
	if (fclose(f) && !rc)
		rc = ferry_error_set(err, FERRY_EIO, "the connection to ferry closed");
	return rc;
}

/* A consistent copy of conn, streamed (the file is removed after). */
static int db_snapshot(struct agent *a, const char *conn, struct ferry_error *err)
{
	char tmp[PATH_MAX];
	struct host_sink sink;
	int rc, fd;

	if (agent_tmp_path(a, "snap", tmp, err))
		return FERRY_EINVAL;
	if ((rc = ferry_envdb_sqlite.copy(conn, tmp, err)))
		return rc;
	agent_out_sink(a, &sink);
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", tmp);
	} else {
		char buf[1 << 16];
		size_t got;
		while (!(rc = host_fd_read(&fd, buf, sizeof(buf), &got, err)) && got &&
		       !(rc = sink.write(sink.arg, buf, got, err)))
			;
		close(fd);
	}
	unlink(tmp);
	return rc;
}

/* The stream is a database file: received whole, then copied into conn in one
 * transaction (the online backup API), so conn is replaced all or nothing. */
static int db_receive(struct agent *a, const char *conn, struct ferry_error *err)
{
	char tmp[PATH_MAX], buf[1 << 16];
	struct host_src src;
	size_t got;
	int rc = 0, fd;

	if (agent_tmp_path(a, "recv", tmp, err))
		return FERRY_EINVAL;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", tmp);
	agent_in_src(a, &src);
	while (!(rc = src.read(src.arg, buf, sizeof(buf), &got, err)) && got &&
	       !(rc = host_fd_write(&fd, buf, got, err)))
		;
	if (!rc && fsync(fd) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", tmp);
	close(fd);
	if (!rc)
		rc = ferry_envdb_sqlite.copy(tmp, conn, err);
	unlink(tmp);
	return rc;
}

/* ---- the writes a rollback keeps (envdb_changes.h) ---- */

/* The request's stream, a JSON document of at most the intake's byte limit. */
static int in_json(struct agent *a, json_t **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct host_src src;
	char chunk[65536];
	size_t got;
	int rc;

	*out = NULL;
	agent_in_src(a, &src);
	while (!(rc = src.read(src.arg, chunk, sizeof(chunk), &got, err)) && got)
		if (b.len + got > a->limits.max_bytes || ferry_buf_add(&b, chunk, got)) {
			rc = ferry_error_set(err, FERRY_EINVAL, "a request of more than %llu bytes",
					     (unsigned long long)a->limits.max_bytes);
			break;
		}
	if (!rc && !(*out = json_loadb(b.data ? b.data : "", b.len, 0, NULL)))
		rc = ferry_error_set(err, FERRY_EINVAL, "a request that is not JSON");
	ferry_buf_release(&b);
	return rc;
}

static int out_json(struct agent *a, json_t *o, struct ferry_error *err)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int rc = text ? agent_send(a, text, strlen(text), err)
		      : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(text);
	json_decref(o);
	return rc;
}

static json_t *b64(const struct ferry_buf *cs)
{
	size_t n = sodium_base64_ENCODED_LEN(cs->len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);
	json_t *o;

	if (!s)
		return NULL;
	sodium_bin2base64(s, n, (const unsigned char *)(cs->data ? cs->data : ""), cs->len,
			  sodium_base64_VARIANT_ORIGINAL);
	o = json_string(s);
	free(s);
	return o;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* changes {baseline} -> {writes, changeset (base64)}; carry {writes, mappings, mark}
 * -> {report, already}; carry_plan {rp, writes, mappings} -> {report}; carry_clear
 * {prefix} -> {}. */
static int db_writes(struct agent *a, const char *what, const char *conn, struct ferry_error *err)
{
	struct ferry_buf cs = FERRY_BUF_INIT;
	struct ferry_envdb *db = NULL;
	struct ferry_carry c;
	json_t *in = NULL, *w = NULL, *rep = NULL;
	int rc, already = 0;

	memset(&c, 0, sizeof(c));
	if ((rc = in_json(a, &in, err)) || (rc = ferry_envdb_open(conn, &db, err)))
		goto out;
	c.writes = json_object_get(in, "writes");
	c.mappings = json_is_array(json_object_get(in, "mappings")) ? json_object_get(in, "mappings") : NULL;
	c.mark = jstr(in, "mark");
	if (!strcmp(what, "changes")) {
		if (!jstr(in, "baseline"))
			rc = ferry_error_set(err, FERRY_EINVAL, "changes need a baseline");
		else if (!(rc = ferry_envdb_changes(db, jstr(in, "baseline"), &w, &cs, err)))
			rc = out_json(a, json_pack("{s:o, s:o}", "writes", w, "changeset", b64(&cs)), err);
	} else if (!strcmp(what, "carry")) {
		if (!(rc = ferry_envdb_carry(db, &c, &rep, &already, err)))
			rc = out_json(a, json_pack("{s:o, s:b}", "report", rep, "already", already), err);
	} else if (!strcmp(what, "carry_plan")) {
		if (!jstr(in, "rp"))
			rc = ferry_error_set(err, FERRY_EINVAL, "a plan needs its restore point");
		else if (!(rc = ferry_envdb_carry_plan(db, jstr(in, "rp"), &c, &rep, err)))
			rc = out_json(a, json_pack("{s:o}", "report", rep), err);
	} else {
		rc = ferry_envdb_carry_clear(db, jstr(in, "prefix") ? jstr(in, "prefix") : "", err);
	}
out:
	ferry_buf_release(&cs);
	ferry_envdb_free(db);
	json_decref(in);
	return rc;
}

int agent_db(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	const struct ferry_envdb_ops *o = &ferry_envdb_sqlite;
	const char *what = jstr(req, "what"), *conn = jstr(req, "conn"), *dst = jstr(req, "dst");
	int already = 0, rc;

	if (!what || !agent_conn_ok(a, conn) || (dst && !agent_conn_ok(a, dst)))
		return ferry_error_set(err, FERRY_EUNSAFE, "database %s is not a runtime's on this host",
				       conn ? conn : "?");
	if (!strcmp(what, "exists"))
		*ans = json_pack("{s:b}", "yes", o->exists(conn));
	else if (!strcmp(what, "size"))
		*ans = json_pack("{s:I}", "size", (json_int_t)o->size(conn));
	else if (!strcmp(what, "create"))
		return o->create(conn, err);
	else if (!strcmp(what, "drop"))
		return o->drop(conn, err);
	else if (!strcmp(what, "copy"))
		return dst ? o->copy(conn, dst, err) : ferry_error_set(err, FERRY_EINVAL, "copy needs dst");
	else if (!strcmp(what, "rp_list")) {
		json_t *l = NULL;
		if ((rc = o->rp_list(conn, &l, err)))
			return rc;
		*ans = json_pack("{s:o}", "list", l);
	} else if (!strcmp(what, "exec")) {
		if ((rc = o->exec(conn, jstr(req, "sql") ? jstr(req, "sql") : "", jstr(req, "mark"),
				  &already, err)))
			return rc;
		*ans = json_pack("{s:b}", "already", already);
	} else if (!strcmp(what, "marks_clear"))
		return o->marks_clear(conn, jstr(req, "prefix") ? jstr(req, "prefix") : "", err);
	else if (!strcmp(what, "dump"))
		return db_dump(a, conn, err);
	else if (!strcmp(what, "snapshot"))
		return db_snapshot(a, conn, err);
	else if (!strcmp(what, "receive"))
		return db_receive(a, conn, err);
	else if (!strcmp(what, "changes") || !strcmp(what, "carry") || !strcmp(what, "carry_plan") ||
		 !strcmp(what, "carry_clear"))
		return db_writes(a, what, conn, err);
	else
		return ferry_error_set(err, FERRY_EINVAL, "no database operation '%s'", what);
	return 0;
}
