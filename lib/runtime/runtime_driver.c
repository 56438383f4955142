/* SPDX-License-Identifier: MIT */
/* runtime_driver.c: the dispatch: the public ferry_runtime_* calls for release
 * trees, the service, commands, the log and the database, each through rt->drv
 * (the runtime opened with its driver by runtime_open.c).
 * What is the same on every driver (the manifest's service, readiness settings,
 * argv expansion, config.json before a start) is decided here once. */
#include "runtime/driver.h"
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- release trees ---- */

int ferry_runtime_release_install(struct ferry_runtime *rt, const char *src_dir,
				  char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	return rt->drv->release_install(rt, src_dir, out_id, err);
}

int ferry_runtime_release_overlay(struct ferry_runtime *rt, const char *pkg_dir,
				  char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	return rt->drv->release_overlay(rt, pkg_dir, out_id, err);
}

int ferry_runtime_release_switch(struct ferry_runtime *rt, const char *id, struct ferry_error *err)
{
	return rt->drv->release_switch(rt, id, err);
}

int ferry_runtime_release_current(struct ferry_runtime *rt, char out[FERRY_RELEASE_ID_MAX])
{
	return rt->drv->release_current(rt, out);
}

int ferry_runtime_release_list(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	return rt->drv->release_list(rt, out, err);
}

int ferry_runtime_release_prune(struct ferry_runtime *rt, int keep, struct ferry_error *err)
{
	return rt->drv->release_prune(rt, keep, err);
}

int ferry_runtime_release_manifest(struct ferry_runtime *rt, const char *id, json_t **out,
				   struct ferry_error *err)
{
	return rt->drv->release_manifest(rt, id, out, err);
}

int ferry_runtime_release_local(struct ferry_runtime *rt, const char *id, char **dir, int *copy,
				struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX], rel[FERRY_RELEASE_ID_MAX + 16];

	*dir = NULL;
	*copy = 0;
	if (rt->drv->release_fetch) {
		int rc = rt->drv->release_fetch(rt, id, dir, err);
		*copy = rc == 0;
		return rc;
	}
	if (!id) {
		if (rt->drv->release_current(rt, cur))
			return ferry_error_set(err, FERRY_ENOTFOUND, "nothing deployed on environment "
					       "'%s' (%s)", rt->env.name, rt->slot);
		id = cur;
	}
	snprintf(rel, sizeof(rel), "releases/%s", id);
	if (!(*dir = ferry_runtime_path(rt, rel)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

int ferry_runtime_file_read(struct ferry_runtime *rt, const char *rel, struct ferry_buf *out,
			    struct ferry_error *err)
{
	return rt->drv->file_read(rt, rel, out, err);
}

int ferry_runtime_same_host(const struct ferry_runtime *a, const struct ferry_runtime *b)
{
	return !strcmp(a->host, b->host);
}

/* ---- the service ---- */

int ferry_runtime_status(struct ferry_runtime *rt, int probe, struct ferry_runtime_status *st)
{
	memset(st, 0, sizeof(*st));
	st->healthy = -1;
	rt->drv->release_current(rt, st->release);
	rt->drv->status(rt, st);
	if (st->running && probe) {
		json_t *man = NULL;
		char url[512], why[256];
		rt->drv->release_manifest(rt, NULL, &man, NULL);
		rt_health_url(rt, man, url);
		st->healthy = rt->drv->probe(rt, url, rt_health_timeout_ms(man), why) == 0;
		json_decref(man);
	}
	return 0;
}

int rt_require_stopped(struct ferry_runtime *rt, const char *what, struct ferry_error *err)
{
	struct ferry_runtime_status st;

	ferry_runtime_status(rt, 0, &st);
	if (st.running)
		return ferry_error_set(err, FERRY_ESTATE,
			"cannot %s: environment '%s' (%s) is running (pid %ld): stop it first",
			what, rt->env.name, rt->slot, st.pid);
	return 0;
}

static int ready_timeout(const json_t *svc, int timeout_s)
{
	if (timeout_s <= 0)
		timeout_s = (int)json_integer_value(json_object_get(svc, "ready_timeout_s"));
	return timeout_s > 0 ? timeout_s : FERRY_READY_TIMEOUT_S;
}

/* With the lock held: adopt or stop what runs unrecorded, then start the current
 * release unless its service runs and was seen ready. */
static int start_locked(struct ferry_runtime *rt, int timeout_s, int *already,
			struct ferry_error *err)
{
	struct ferry_runtime_status st;
	char rel[FERRY_RELEASE_ID_MAX], url[512], **argv = NULL;
	struct rt_sandbox sb;
	struct rt_launch l;
	struct rt_vars v;
	json_t *man = NULL, *svc;
	int rc;

	memset(&sb, 0, sizeof(sb));
	if ((rc = rt->drv->reconcile(rt, &st, err)))
		return rc;
	if (st.running && st.ready) {
		if (already)
			*already = 1;
		return 0;
	}
	if (rt->drv->release_current(rt, rel))
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"nothing deployed on environment '%s' (%s): run 'ferry env deploy %s' first",
			rt->env.name, rt->slot, rt->env.name);
	if ((rc = rt->drv->release_manifest(rt, rel, &man, err)))
		return rc;
	svc = json_object_get(man, "service");
	rt_health_url(rt, man, url);
	rt_vars_fill(rt, rel, 1, &v);
	memset(&l, 0, sizeof(l));
	l.release = rel;
	l.vars = &v;
	l.cwd = v.release_dir;
	l.health_url = url;
	l.timeout_s = ready_timeout(svc, timeout_s);
	l.health_timeout_ms = rt_health_timeout_ms(man);
	if (st.running) {
		/* started by a ferry that was killed before it saw it ready */
		if (!(rc = rt->drv->await(rt, &l, err)) && already)
			*already = 1;
		goto out;
	}
	if ((rc = ferry_runtime_config_write(rt, err)) ||
	    (rc = rt_argv_expand(json_object_get(svc, "exec"), &v, &argv, err))) {
		ferry_error_prefix(err, "release '%s': service.exec", rel);
		goto out;
	}
	if ((rc = rt_sandbox_build(rt, &v, l.cwd, 0, &sb, err)))
		goto out;
	l.argv = argv;
	l.sb = &sb;
	rc = rt->drv->start(rt, &l, err);
out:
	json_decref(man);
	ferry_runtime_argv_free(argv);
	rt_sandbox_release(&sb);
	return rc;
}

int ferry_runtime_start(struct ferry_runtime *rt, int timeout_s, int *already,
			struct ferry_error *err)
{
	int rc;

	if (already)
		*already = 0;
	if ((rc = rt_lock(rt, err)))
		return rc;
	rc = start_locked(rt, timeout_s, already, err);
	rt_unlock(rt);
	return rc;
}

int ferry_runtime_stop(struct ferry_runtime *rt, int grace_s, int *killed,
		       struct ferry_error *err)
{
	int rc;

	if (killed)
		*killed = 0;
	if ((rc = rt_lock(rt, err)))
		return rc;
	rc = rt->drv->stop(rt, grace_s, killed, err);
	rt_unlock(rt);
	return rc;
}

/* The sandbox its service is given (what a start applies now), and what the running
 * service has in force ("process"); {"error": ...} when none could be given. */
static json_t *sandbox_json(struct ferry_runtime *rt, const struct ferry_runtime_status *st)
{
	struct ferry_error e;
	struct rt_sandbox sb;
	struct rt_vars v;
	json_t *o, *live;

	if (st->unreachable)
		return json_pack("{s:s}", "error", "its host is unreachable: the sandbox is decided when "
				 "it can be asked what it offers");
	rt_vars_fill(rt, st->release, 1, &v);
	if (rt_sandbox_build(rt, &v, NULL, RT_SB_PEEK, &sb, &e))
		return json_pack("{s:s}", "error", e.msg);
	o = rt_sandbox_to_json(&sb);
	rt_sandbox_release(&sb);
	live = st->running ? rt->drv->sandbox_observe(rt, st->pid) : NULL;
	json_object_set_new(o, "process", live ? live : json_null());
	return o;
}

json_t *ferry_runtime_to_json(struct ferry_runtime *rt, const struct ferry_runtime_status *st)
{
	struct ferry_envdb *db = NULL;
	char *shown = ferry_store_redact(rt->db_conn);  /* never a password */
	char url[FERRY_RUNTIME_URL_MAX];
	json_t *o;

	ferry_runtime_url(rt, url);
	rt->drv->db_open(rt, rt->db_conn, &db, NULL);
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "slot", rt->slot,
		"driver", rt->driver, "host", rt->host, "dir", rt->dir,
		"port", rt->port, "url", url, "database", shown ? shown : "",
		"db_driver", db ? ferry_envdb_driver(db) : "unknown",
		"state", st->unreachable ? "unreachable" : st->running ? "running" : "stopped");
	free(shown);
	ferry_envdb_free(db);
	json_object_set_new(o, "release", st->release[0] ? json_string(st->release) : json_null());
	json_object_set_new(o, "pid", st->running ? json_integer(st->pid) : json_null());
	json_object_set_new(o, "healthy", st->healthy < 0 ? json_null() : json_boolean(st->healthy));
	if (st->stale)
		json_object_set_new(o, "stale_pid", json_integer(st->pid));
	json_object_set_new(o, "sandbox", sandbox_json(rt, st));
	return o;
}

int ferry_runtime_new_port(struct ferry_runtime *rt, struct ferry_error *err)
{
	struct ferry_runtime_status st;
	int rc, port;

	ferry_runtime_status(rt, 0, &st);
	if (st.running)
		return ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' is running on port %d: stop it first", rt->env.name, rt->port);
	if ((rc = ferry_store_begin(rt->ctx->store, err)))
		return rc;
	if ((rc = rt_port_alloc(rt, &port, err)) ||
	    (rc = ferry_store_run(rt->ctx->store, err,
			"UPDATE runtimes SET port = ?, updated_ms = ? WHERE id = ?", "dii",
			port, ferry_now_ms(), rt->id))) {
		ferry_store_rollback(rt->ctx->store);
		return rc;
	}
	if ((rc = ferry_store_commit(rt->ctx->store, err)))
		return rc;
	rt->port = port;
	return 0;
}

int ferry_runtime_log_tail(struct ferry_runtime *rt, long lines, struct ferry_buf *out,
			   struct ferry_error *err)
{
	return rt->drv->log_tail(rt, lines, out, err);
}

/* ---- commands ---- */

int ferry_runtime_argv(struct ferry_runtime *rt, const json_t *argv, char ***out,
		       struct ferry_error *err)
{
	char rel[FERRY_RELEASE_ID_MAX];
	struct rt_vars v;

	rt->drv->release_current(rt, rel);
	rt_vars_fill(rt, rel, 0, &v);
	return rt_argv_expand(argv, &v, out, err);
}

int ferry_runtime_exec(struct ferry_runtime *rt, const json_t *argv, int timeout_s,
		       struct ferry_buf *out, struct ferry_error *err)
{
	return ferry_runtime_exec_in(rt, argv, NULL, timeout_s, out, err);
}

int ferry_runtime_exec_in(struct ferry_runtime *rt, const json_t *argv, const char *cwd,
			  int timeout_s, struct ferry_buf *out, struct ferry_error *err)
{
	const char *a0 = json_string_value(json_array_get(argv, 0));
	char rel[FERRY_RELEASE_ID_MAX], **a = NULL;
	struct rt_sandbox sb;
	struct rt_vars v;
	int rc;

	memset(&sb, 0, sizeof(sb));
	rt->drv->release_current(rt, rel);
	rt_vars_fill(rt, rel, 0, &v);
	if ((rc = rt_argv_expand(argv, &v, &a, err)))
		return rc;
	/* "bin/x" of a command run elsewhere is relative to that directory */
	if (cwd && a0 && a0[0] != '/' && strchr(a0, '/')) {
		char *abs = ferry_path_join(cwd, a0);
		if (!abs) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			goto out;
		}
		free(a[0]);
		a[0] = abs;
	}
	if (!(rc = rt_sandbox_build(rt, &v, cwd, 0, &sb, err)))
		rc = rt->drv->exec(rt, a, &sb, timeout_s, out, err);
out:
	rt_sandbox_release(&sb);
	ferry_runtime_argv_free(a);
	return rc;
}

/* ---- the database ---- */

int ferry_runtime_db(struct ferry_runtime *rt, struct ferry_envdb **out, struct ferry_error *err)
{
	return rt->drv->db_open(rt, rt->db_conn, out, err);
}

int ferry_runtime_db_at(struct ferry_runtime *rt, const char *conn, struct ferry_envdb **out,
			struct ferry_error *err)
{
	return rt->drv->db_open(rt, conn, out, err);
}

int ferry_runtime_db_restore_point(struct ferry_runtime *rt, const char *name,
				   struct ferry_error *err)
{
	return rt->drv->restore_point(rt, name, err);
}

int ferry_runtime_db_restore(struct ferry_runtime *rt, const char *name, struct ferry_error *err)
{
	int rc = 0;

	/* A missing restore point is reported first: it is what the operator must fix (the
	 * restore says so, touching nothing). Probed only then: a probe of a PostgreSQL
	 * restore point is a connection of its own. */
	rc = rt_require_stopped(rt, "restore the database", err);
	if (rc && !rt->drv->rp_exists(rt, name)) {
		ferry_error_clear(err);
		rc = 0;
	}
	if (!rc)
		rc = rt->drv->restore(rt, name, err);
	if (!rc)
		rt_log(rt, "database restored from restore point '%s'", name);
	return rc;
}
