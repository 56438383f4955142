/* SPDX-License-Identifier: MIT */
/* driver_ssh.c: the SSH runtime driver: an environment's runtime on a recorded host,
 * under <host dir>/environments/<env>/, driven by `ferry host-agent` there (the local
 * driver's code on that machine: release trees, the supervised service, adoption of
 * what runs unrecorded, one-shot commands, SQLite databases). Each entry is one
 * request on the runtime's session; release trees and directories a command needs
 * travel as package streams (host_ship.c). docs/RUNTIME.md, "The SSH driver". */
#include "runtime/driver_ssh.h"
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/package/archive.h"
#include "ferry/runtime/envdb.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define L(rt) ((struct ssh_link *)(rt)->drv_data)

static json_t *rt_json(const struct ferry_runtime *rt)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:I}", "env", rt->env.name,
			 "project", rt->env.project, "slot", rt->slot, "dir", rt->dir ? rt->dir : "",
			 "port", rt->port, "db", rt->db_conn ? rt->db_conn : "", "addr", rt->addr,
			 "id", (json_int_t)rt->id);
}

/* A request about this runtime: {op, rt, ...more}. */
static json_t *rq(const struct ferry_runtime *rt, const char *op)
{
	json_t *r = json_pack("{s:s}", "op", op);

	json_object_set_new(r, "rt", rt_json(rt));
	return r;
}

static int call(struct ferry_runtime *rt, json_t *req, json_t **ans, struct ferry_error *err)
{
	return ssh_link_call(L(rt), req, NULL, NULL, ans, err);
}

/* The answer's data into out. */
static int call_data(struct ferry_runtime *rt, json_t *req, struct ferry_buf *out,
		     struct ferry_error *err)
{
	struct host_sink sink = { ssh_buf_write, out };

	return ssh_link_call(L(rt), req, NULL, &sink, NULL, err);
}

/* ---- where it runs ---- */

static int ssh_attach(struct ferry_runtime *rt, struct ferry_error *err)
{
	struct ssh_link *l;
	int rc;

	if ((rc = ssh_link_new(rt->ctx, rt->host, &l, err)))
		return ferry_error_prefix(err, "environment '%s' (%s) runs on host '%s'", rt->env.name,
					  rt->slot, rt->host);
	rt->drv_data = l;
	snprintf(rt->addr, sizeof(rt->addr), strchr(l->h.address, ':') ? "[%s]" : "%s",
		 l->h.address);
	return 0;
}

static void ssh_detach(struct ferry_runtime *rt)
{
	ssh_link_unref(L(rt));
	rt->drv_data = NULL;
}

static int ssh_reach(struct ferry_runtime *rt, struct ferry_error *err)
{
	struct hsess *s;

	return ssh_link_session(L(rt), &s, err);
}

static int ssh_locate(struct ferry_runtime *rt, char **dir, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	if (!strcmp(rt->slot, FERRY_SLOT_MAIN))
		ferry_buf_addf(&b, "%s/environments/%s", L(rt)->h.dir, rt->env.name);
	else
		ferry_buf_addf(&b, "%s/environments/%s/%s.%lld", L(rt)->h.dir, rt->env.name, rt->slot,
			       (long long)rt->id);
	if (!(*dir = ferry_buf_detach(&b)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

/* Opening a runtime prepares it: on a host that waits for the first request, so
 * reading records (env show, status) connects only when it must, and says
 * "unreachable" rather than failing to open. */
static int ssh_prepare(struct ferry_runtime *rt, struct ferry_error *err)
{
	if (L(rt)->s)
		return call(rt, rq(rt, "prepare"), NULL, err);
	json_decref(L(rt)->prepare);
	L(rt)->prepare = rq(rt, "prepare");
	return 0;
}

static int ssh_remove(struct ferry_runtime *rt, int whole, struct ferry_error *err)
{
	json_t *r = rq(rt, "remove");

	json_object_set_new(r, "whole", json_boolean(whole));
	return call(rt, r, NULL, err);
}

static int ssh_port_free(struct ferry_runtime *rt, int port)
{
	json_t *ans = NULL, *r = json_pack("{s:s, s:i}", "op", "port_free", "port", port);
	int rc = ssh_link_call(L(rt), r, NULL, NULL, &ans, NULL);

	rc = rc ? -1 : json_is_true(json_object_get(ans, "free"));
	json_decref(ans);
	return rc;
}

/* The agent takes state/lock on the host and holds it for the session's life: a
 * ferry that dies loses its channel and so the lock, as a local flock would. */
static int ssh_lock(struct ferry_runtime *rt, struct ferry_error *err)
{
	return call(rt, rq(rt, "lock"), NULL, err);
}

static void ssh_unlock(struct ferry_runtime *rt)
{
	if (L(rt)->s)
		call(rt, rq(rt, "unlock"), NULL, NULL);
}

/* ---- release trees ---- */

/* The intake limits of ferry's settings, for what the agent takes in for us. */
static json_t *limits_json(const struct ferry_runtime *rt)
{
	const struct ferry_settings *s = &rt->ctx->settings;

	return json_pack("{s:I, s:I, s:I}", "max_entries", (json_int_t)s->max_entries,
			 "max_bytes", (json_int_t)s->max_bytes, "max_ratio", (json_int_t)s->max_ratio);
}

static int ship(void *dir, const struct host_sink *sink, struct ferry_error *err)
{
	return host_ship_write(dir, sink, err);
}

static int release_add(struct ferry_runtime *rt, const char *dir, int overlay,
		       char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	json_t *r = rq(rt, "release_add"), *ans = NULL;
	struct hsess *s;
	int rc;

	json_object_set_new(r, "overlay", json_boolean(overlay));
	json_object_set_new(r, "limits", limits_json(rt));
	if ((rc = ssh_link_session(L(rt), &s, err))) {
		json_decref(r);
		return rc;
	}
	if (!(rc = hsess_call_push(s, r, ship, (void *)dir, NULL, &ans, err)))
		snprintf(out_id, FERRY_RELEASE_ID_MAX, "%s", json_string_value(json_object_get(ans, "id")) ?: "");
	json_decref(ans);
	return rc;
}

static int ssh_release_install(struct ferry_runtime *rt, const char *src_dir,
			       char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	return release_add(rt, src_dir, 0, out_id, err);
}

static int ssh_release_overlay(struct ferry_runtime *rt, const char *pkg_dir,
			       char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	return release_add(rt, pkg_dir, 1, out_id, err);
}

static int ssh_release_switch(struct ferry_runtime *rt, const char *id, struct ferry_error *err)
{
	json_t *r = rq(rt, "release_switch");

	json_object_set_new(r, "id", json_string(id));
	return call(rt, r, NULL, err);
}

static int ssh_release_current(struct ferry_runtime *rt, char out[FERRY_RELEASE_ID_MAX])
{
	json_t *ans = NULL;
	int rc = call(rt, rq(rt, "release_current"), &ans, NULL);

	out[0] = '\0';
	if (!rc)
		snprintf(out, FERRY_RELEASE_ID_MAX, "%s", json_string_value(json_object_get(ans, "id")) ?: "");
	json_decref(ans);
	return rc || !out[0] ? FERRY_ENOTFOUND : 0;
}

static int ssh_release_list(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	json_t *ans = NULL;
	int rc = call(rt, rq(rt, "release_list"), &ans, err);

	if (!rc)
		*out = json_incref(json_object_get(ans, "list"));
	json_decref(ans);
	return rc;
}

static int ssh_release_prune(struct ferry_runtime *rt, int keep, struct ferry_error *err)
{
	json_t *r = rq(rt, "release_prune");

	json_object_set_new(r, "keep", json_integer(keep));
	return call(rt, r, NULL, err);
}

static int ssh_release_manifest(struct ferry_runtime *rt, const char *id, json_t **out,
				struct ferry_error *err)
{
	json_t *r = rq(rt, "release_manifest"), *ans = NULL;
	int rc;

	*out = NULL;
	if (id)
		json_object_set_new(r, "id", json_string(id));
	if (!(rc = call(rt, r, &ans, err)))
		*out = json_incref(json_object_get(ans, "manifest"));
	json_decref(ans);
	return rc;
}

/* A copy of release id on ferry's machine, in a new directory under <home>/tmp: the
 * agent streams it as a package stream, taken in with the same intake as any. */
static int ssh_release_fetch(struct ferry_runtime *rt, const char *id, char **dir,
			     struct ferry_error *err)
{
	struct ferry_buf d = FERRY_BUF_INIT, t = FERRY_BUF_INIT;
	struct ferry_intake_limits lim;
	struct host_src src;
	struct hsess *s;
	char uuid[37], *base = ferry_ctx_path(rt->ctx, "tmp");
	json_t *r;
	int rc;

	*dir = NULL;
	ferry_uuid(uuid);
	if (!base)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	ferry_buf_addf(&d, "%s/fetch-%s", base, uuid);
	ferry_buf_addf(&t, "%s/fetch-%s.stream", base, uuid);
	rc = !d.data || !t.data ? ferry_error_set(err, FERRY_ENOMEM, "out of memory")
				: ferry_mkdir_p(base, 0700, err);
	free(base);
	if (rc || (rc = ssh_link_session(L(rt), &s, err)))
		goto out;
	ferry_intake_limits_init(&lim, &rt->ctx->settings);
	r = rq(rt, "release_fetch");
	if (id)
		json_object_set_new(r, "id", json_string(id));
	if ((rc = hsess_send(s, r, err)))
		goto out;
	hsess_answer_src(s, &src);
	rc = host_ship_receive(&src, t.data, d.data, &lim, err);
out:
	if (!rc)
		*dir = ferry_buf_detach(&d);
	ferry_buf_release(&d);
	ferry_buf_release(&t);
	if (rc)
		ferry_error_prefix(err, "fetching release %s of '%s' from host '%s'",
				   id ? id : "(current)", rt->env.name, rt->host);
	return rc;
}

/* ---- files and the log ---- */

static int ssh_file_read(struct ferry_runtime *rt, const char *rel, struct ferry_buf *out,
			 struct ferry_error *err)
{
	json_t *r = rq(rt, "file_read");

	json_object_set_new(r, "rel", json_string(rel));
	return call_data(rt, r, out, err);
}

struct bytes {
	const void *data;
	size_t len;
};

static int push_bytes(void *arg, const struct host_sink *sink, struct ferry_error *err)
{
	const struct bytes *b = arg;

	return b->len ? sink->write(sink->arg, b->data, b->len, err) : 0;
}

static int ssh_file_write(struct ferry_runtime *rt, const char *rel, const void *data, size_t len,
			  struct ferry_error *err)
{
	struct bytes b = { data, len };
	json_t *r = rq(rt, "file_write");
	struct hsess *s;
	int rc;

	json_object_set_new(r, "rel", json_string(rel));
	if ((rc = ssh_link_session(L(rt), &s, err))) {
		json_decref(r);
		return rc;
	}
	return hsess_call_push(s, r, push_bytes, &b, NULL, NULL, err);
}

static void ssh_note(struct ferry_runtime *rt, const char *line)
{
	json_t *r = rq(rt, "note");

	json_object_set_new(r, "line", json_string(line));
	call(rt, r, NULL, NULL);
}

static int ssh_log_tail(struct ferry_runtime *rt, long lines, struct ferry_buf *out,
			struct ferry_error *err)
{
	json_t *r = rq(rt, "log_tail");

	json_object_set_new(r, "lines", json_integer(lines));
	return call_data(rt, r, out, err);
}

/* ---- the service ---- */

static void status_from(const json_t *ans, struct ferry_runtime_status *st)
{
	const json_t *o = json_object_get(ans, "status");

	st->running = json_is_true(json_object_get(o, "running"));
	st->stale = json_is_true(json_object_get(o, "stale"));
	st->pid = (long)json_integer_value(json_object_get(o, "pid"));
	st->ready = json_is_true(json_object_get(o, "ready"));
}

static int ssh_reconcile(struct ferry_runtime *rt, struct ferry_runtime_status *st,
			 struct ferry_error *err)
{
	json_t *ans = NULL;
	int rc = call(rt, rq(rt, "reconcile"), &ans, err);

	memset(st, 0, sizeof(*st));
	st->healthy = -1;
	if (!rc)
		status_from(ans, st);
	json_decref(ans);
	return rc;
}

/* The service's launch; its variables are the runtime's on the host, which the agent
 * derives itself, and its sandbox is ferry's decided policy (sandbox_wire.c), which
 * the agent checks against the host and places on its paths. */
static json_t *launch_json(const struct rt_launch *l)
{
	json_t *argv = json_array();
	size_t i;

	for (i = 0; l->argv && l->argv[i]; i++)
		json_array_append_new(argv, json_string(l->argv[i]));
	return json_pack("{s:s, s:o, s:s, s:s, s:i}", "release", l->release, "argv", argv,
			 "cwd", l->cwd, "health_url", l->health_url, "timeout_s", l->timeout_s);
}

static int service(struct ferry_runtime *rt, const char *op, const struct rt_launch *l,
		   struct ferry_error *err)
{
	json_t *r = rq(rt, op);

	json_object_set_new(r, "launch", launch_json(l));
	if (l->sb)
		json_object_set_new(r, "sandbox", rt_sandbox_policy_json(l->sb));
	return call(rt, r, NULL, err);
}

static int ssh_start(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err)
{
	return service(rt, "start", l, err);
}

static int ssh_await(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err)
{
	return service(rt, "await", l, err);
}

static int ssh_stop(struct ferry_runtime *rt, int grace_s, int *killed, struct ferry_error *err)
{
	json_t *r = rq(rt, "stop"), *ans = NULL;
	int rc;

	json_object_set_new(r, "grace", json_integer(grace_s));
	if (!(rc = call(rt, r, &ans, err)) && killed)
		*killed = json_is_true(json_object_get(ans, "killed"));
	json_decref(ans);
	return rc;
}

static void ssh_status(struct ferry_runtime *rt, struct ferry_runtime_status *st)
{
	json_t *ans = NULL;

	if (!call(rt, rq(rt, "status"), &ans, NULL))
		status_from(ans, st);
	else
		st->unreachable = 1;
	json_decref(ans);
}

/* From ferry's machine, as the environment's clients reach it. */
static int ssh_probe(struct ferry_runtime *rt, const char *url, long timeout_ms, char why[256])
{
	(void)rt;
	return rt_http_ok(url, timeout_ms, why);
}

/* A command inside sb (decided here, placed by the agent on the host); a working
 * directory on ferry's machine (an extracted package) is shipped to the host for it
 * and removed after. */
static int ssh_exec(struct ferry_runtime *rt, char *const *argv, const struct rt_sandbox *sb,
		    int timeout_s, struct ferry_buf *out, struct ferry_error *err)
{
	struct host_sink sink = { ssh_buf_write, out };
	struct ferry_buf dummy = FERRY_BUF_INIT;
	json_t *r = rq(rt, "exec"), *a = json_array();
	const char *cwd = sb->cwd;
	struct hsess *s;
	struct stat st;
	size_t i;
	int rc, local = cwd && strncmp(cwd, rt->dir, strlen(rt->dir)) &&
			stat(cwd, &st) == 0 && S_ISDIR(st.st_mode);

	if (!out)
		sink.arg = &dummy;
	for (i = 0; argv[i]; i++)
		json_array_append_new(a, json_string(argv[i]));
	json_object_set_new(r, "argv", a);
	json_object_set_new(r, "timeout", json_integer(timeout_s));
	json_object_set_new(r, "sandbox", rt_sandbox_policy_json(sb));
	if (cwd && !local)
		json_object_set_new(r, "cwd", json_string(cwd));
	if (!local) {
		rc = ssh_link_call(L(rt), r, NULL, &sink, NULL, err);
	} else if ((rc = ssh_link_session(L(rt), &s, err))) {
		json_decref(r);
	} else {
		json_object_set_new(r, "local_cwd", json_string(cwd));
		json_object_set_new(r, "limits", limits_json(rt));
		rc = hsess_call_push(s, r, ship, (void *)cwd, &sink, NULL, err);
	}
	ferry_buf_release(&dummy);
	return rc;
}

/* ---- the sandbox: what the host offers, what the service has ---- */

/* Asked of the agent; an unreachable host is `unknown` (the policy's error says so). */
static void ssh_sandbox_host(struct ferry_runtime *rt, struct rt_sb_host *out)
{
	json_t *ans = NULL, *r = json_pack("{s:s}", "op", "sandbox_host");

	memset(out, 0, sizeof(*out));
	if (!ssh_link_call(L(rt), r, NULL, NULL, &ans, NULL))
		rt_sb_host_from_json(json_object_get(ans, "host"), out);
	else
		out->unknown = 1;
	json_decref(ans);
}

static json_t *ssh_sandbox_observe(struct ferry_runtime *rt, long pid)
{
	json_t *ans = NULL, *r = rq(rt, "sandbox_observe"), *o = NULL;

	json_object_set_new(r, "pid", json_integer(pid));
	if (!call(rt, r, &ans, NULL) && json_is_object(json_object_get(ans, "process")))
		o = json_incref(json_object_get(ans, "process"));
	json_decref(ans);
	return o;
}

/* ---- the database endpoint ---- */

static int ssh_db_default(struct ferry_runtime *rt, char **conn, struct ferry_error *err)
{
	if (!(*conn = ferry_runtime_path(rt, "db/app.db")))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

static int ssh_db_open_entry(struct ferry_runtime *rt, const char *conn, struct ferry_envdb **out,
			     struct ferry_error *err)
{
	return ssh_db_open(L(rt), conn, out, err);
}

static int ssh_rp_exists(struct ferry_runtime *rt, const char *name)
{
	struct ferry_envdb *db;
	int yes;

	if (ssh_db_open(L(rt), rt->db_conn, &db, NULL))
		return 0;
	yes = ferry_envdb_rp_exists(db, name);
	ferry_envdb_free(db);
	return yes;
}

static int ssh_restore_point(struct ferry_runtime *rt, const char *name, struct ferry_error *err)
{
	struct ferry_envdb *db;
	int rc;

	if ((rc = ssh_db_open(L(rt), rt->db_conn, &db, err)))
		return rc;
	rc = ferry_envdb_rp_create(db, name, err);
	ferry_envdb_free(db);
	return rc;
}

static int ssh_restore(struct ferry_runtime *rt, const char *name, struct ferry_error *err)
{
	struct ferry_envdb *db;
	int rc;

	if ((rc = ssh_db_open(L(rt), rt->db_conn, &db, err)))
		return rc;
	rc = ferry_envdb_rp_restore(db, name, err);
	ferry_envdb_free(db);
	return rc;
}

const struct ferry_runtime_driver rt_driver_ssh = {
	.name = "ssh",
	.remote = 1,
	.attach = ssh_attach,
	.detach = ssh_detach,
	.reach = ssh_reach,
	.locate = ssh_locate,
	.prepare = ssh_prepare,
	.remove = ssh_remove,
	.port_free = ssh_port_free,
	.lock = ssh_lock,
	.unlock = ssh_unlock,
	.release_install = ssh_release_install,
	.release_overlay = ssh_release_overlay,
	.release_switch = ssh_release_switch,
	.release_current = ssh_release_current,
	.release_list = ssh_release_list,
	.release_prune = ssh_release_prune,
	.release_manifest = ssh_release_manifest,
	.release_fetch = ssh_release_fetch,
	.file_read = ssh_file_read,
	.file_write = ssh_file_write,
	.note = ssh_note,
	.log_tail = ssh_log_tail,
	.reconcile = ssh_reconcile,
	.start = ssh_start,
	.await = ssh_await,
	.stop = ssh_stop,
	.status = ssh_status,
	.probe = ssh_probe,
	.exec = ssh_exec,
	.sandbox_host = ssh_sandbox_host,
	.sandbox_observe = ssh_sandbox_observe,
	.db_default = ssh_db_default,
	.db_open = ssh_db_open_entry,
	.rp_exists = ssh_rp_exists,
	.restore_point = ssh_restore_point,
	.restore = ssh_restore,
};
