/* SPDX-License-Identifier: MIT */
/* driver_ssh_db.c: databases of runtimes on a host: a SQLite file there is reached
 * through the agent (every envdb operation runs on the host, copies between hosts
 * stream a snapshot through ferry without storing it), a PostgreSQL server from
 * ferry's machine as always. */
#include "runtime/driver_ssh.h"
#include "runtime/envdb_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *req(const char *what, const char *conn)
{
	return json_pack("{s:s, s:s, s:s}", "op", "db", "what", what, "conn", conn);
}

static int r_create(void *arg, const char *conn, struct ferry_error *err)
{
	return ssh_link_call(arg, req("create", conn), NULL, NULL, NULL, err);
}

/* -1 when the host cannot be asked: taken as "exists", so the operation that follows
 * is tried and fails naming the host, instead of "no database" misleading. */
static int r_exists(void *arg, const char *conn)
{
	json_t *ans = NULL;
	int yes = -1;

	if (!ssh_link_call(arg, req("exists", conn), NULL, NULL, &ans, NULL))
		yes = json_is_true(json_object_get(ans, "yes"));
	json_decref(ans);
	return yes;
}

static int r_drop(void *arg, const char *conn, struct ferry_error *err)
{
	return ssh_link_call(arg, req("drop", conn), NULL, NULL, NULL, err);
}

static int r_copy(void *arg, const char *src, const char *dst, struct ferry_error *err)
{
	json_t *r = req("copy", src);

	json_object_set_new(r, "dst", json_string(dst));
	return ssh_link_call(arg, r, NULL, NULL, NULL, err);
}

static int64_t r_size(void *arg, const char *conn)
{
	json_t *ans = NULL;
	int64_t n = -1;

	if (!ssh_link_call(arg, req("size", conn), NULL, NULL, &ans, NULL))
		n = json_integer_value(json_object_get(ans, "size"));
	json_decref(ans);
	return n;
}

static int file_write(void *f, const void *data, size_t len, struct ferry_error *err)
{
	if (len && fwrite(data, 1, len, f) != len)
		return ferry_error_set(err, FERRY_EIO, "cannot write the dump");
	return 0;
}

static int r_dump(void *arg, const char *conn, FILE *out, struct ferry_error *err)
{
	struct host_sink sink = { file_write, out };

	return ssh_link_call(arg, req("dump", conn), NULL, &sink, NULL, err);
}

static int r_rp_list(void *arg, const char *conn, json_t **out, struct ferry_error *err)
{
	json_t *ans = NULL;
	int rc = ssh_link_call(arg, req("rp_list", conn), NULL, NULL, &ans, err);

	if (!rc)
		*out = json_incref(json_object_get(ans, "list"));
	json_decref(ans);
	return rc;
}

static int r_exec(void *arg, const char *conn, const char *sql, const char *mark, int *already,
		  struct ferry_error *err)
{
	json_t *r = req("exec", conn), *ans = NULL;
	int rc;

	json_object_set_new(r, "sql", json_string(sql));
	if (mark)
		json_object_set_new(r, "mark", json_string(mark));
	if (!(rc = ssh_link_call(arg, r, NULL, NULL, &ans, err)))
		*already = json_is_true(json_object_get(ans, "already"));
	json_decref(ans);
	return rc;
}

static int r_marks_clear(void *arg, const char *conn, const char *prefix, struct ferry_error *err)
{
	json_t *r = req("marks_clear", conn);

	json_object_set_new(r, "prefix", json_string(prefix));
	return ssh_link_call(arg, r, NULL, NULL, NULL, err);
}

static int r_snapshot(void *arg, const char *conn, struct host_src *out, struct ferry_error *err)
{
	struct hsess *s;
	int rc;

	if ((rc = ssh_link_session(arg, &s, err)) || (rc = hsess_send(s, req("snapshot", conn), err)))
		return rc;
	hsess_answer_src(s, out);
	return 0;
}

static int r_receive(void *arg, const char *conn, const struct host_src *in, struct ferry_error *err)
{
	return ssh_link_call(arg, req("receive", conn), in, NULL, NULL, err);
}

static int push_json(void *arg, const struct host_sink *sink, struct ferry_error *err)
{
	char *text = json_dumps(arg, JSON_COMPACT);
	int rc = text ? sink->write(sink->arg, text, strlen(text), err)
		      : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(text);
	return rc;
}

/* in on the request's stream, *out from the answer's (no frame limit either way). */
static int r_writes(void *arg, const char *conn, const char *what, const json_t *in, json_t **out,
		    struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct host_sink sink = { ssh_buf_write, &b };
	json_error_t je;
	struct hsess *s;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = ssh_link_session(arg, &s, err)) ||
	    (rc = hsess_call_push(s, req(what, conn), push_json, (void *)in, &sink, NULL, err)))
		goto out;
	if (out && b.len && !(*out = json_loadb(b.data, b.len, 0, &je)))
		rc = ferry_error_set(err, FERRY_EIO, "the host's answer is not JSON: %s", je.text);
out:
	ferry_buf_release(&b);
	return rc;
}

static int r_same_place(void *a, void *b)
{
	return ((struct ssh_link *)a)->h.id == ((struct ssh_link *)b)->h.id;
}

static void r_release(void *arg)
{
	ssh_link_unref(arg);
}

static const struct envdb_remote ssh_envdb = {
	.create = r_create,
	.exists = r_exists,
	.drop = r_drop,
	.copy = r_copy,
	.size = r_size,
	.dump = r_dump,
	.rp_list = r_rp_list,
	.exec = r_exec,
	.marks_clear = r_marks_clear,
	.snapshot = r_snapshot,
	.receive = r_receive,
	.writes = r_writes,
	.same_place = r_same_place,
	.release = r_release,
};

int ssh_db_open(struct ssh_link *l, const char *conn, struct ferry_envdb **out,
		struct ferry_error *err)
{
	if (ferry_store_is_pg(conn))
		return ferry_envdb_open(conn, out, err);
	return envdb_open_remote(conn, &ssh_envdb, ssh_link_ref(l), out, err);
}
