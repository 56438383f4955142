/* SPDX-License-Identifier: MIT */
/* host_agent_ops.c: the agent's operations, one per entry of the runtime driver
 * (driver.h), each the local driver's code run on the host: directories, the lock,
 * release trees (received as package streams, driver_local_release.c installs
 * them), files and the log, the supervised service (driver_local_proc.c: pid files
 * written by the service itself, adoption of what runs unrecorded), one-shot
 * commands inside the sandbox ferry decided (checked and placed here), and what the
 * host offers the sandbox. Databases: host_agent_db.c; the check: host_agent_check.c. */
#include "runtime/host_agent.h"
#include "runtime/driver_local.h"
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FILE_MAX (16u << 20)

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *status_json(const struct ferry_runtime_status *st)
{
	return json_pack("{s:b, s:b, s:I, s:b}", "running", st->running, "stale", st->stale,
			 "pid", (json_int_t)st->pid, "ready", st->ready);
}

/* ---- where it runs ---- */

static int op_prepare(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	return a->rt.drv->prepare(&a->rt, err);
}

static int op_remove(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	int whole = json_is_true(json_object_get(req, "whole")), rc;
	char parent[PATH_MAX], *slash;

	if ((rc = a->rt.drv->remove(&a->rt, whole, err)) || !whole)
		return rc;
	/* an environment's directory that held only this runtime (another slot's host) */
	snprintf(parent, sizeof(parent), "%s", a->rt.dir);
	if ((slash = strrchr(parent, '/')) && (*slash = '\0', agent_under(a, parent, "environments")))
		rmdir(parent);
	return 0;
}

/* Can a service bind port on any address here? (a listener on one address blocks
 * the wildcard bind, unlike ferry_port_bindable's loopback test) */
static int op_port_free(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	int port = (int)json_integer_value(json_object_get(req, "port")), one = 1, fd, ok;
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = port > 0 && port < 65536 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	*ans = json_pack("{s:b}", "free", ok);
	return 0;
}

static int op_lock(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	return a->rt.drv->lock(&a->rt, err);
}

static int op_unlock(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	a->rt.drv->unlock(&a->rt);
	return 0;
}

/* ---- release trees ---- */

/* The intake limits ferry's settings give ("limits" of the request), else the defaults. */
static void limits_of(const struct agent *a, const json_t *req, struct ferry_intake_limits *l)
{
	const json_t *o = json_object_get(req, "limits");
	json_int_t e = json_integer_value(json_object_get(o, "max_entries"));
	json_int_t b = json_integer_value(json_object_get(o, "max_bytes"));
	json_int_t r = json_integer_value(json_object_get(o, "max_ratio"));

	*l = a->limits;
	if (e > 0)
		l->max_entries = (uint64_t)e;
	if (b > 0)
		l->max_bytes = (uint64_t)b;
	if (r > 0)
		l->max_ratio = (uint64_t)r;
}

/* The request's stream, a package stream, intake into a new directory (caller
 * removes it). */
static int receive_tree(struct agent *a, const json_t *req, char dest[PATH_MAX],
			struct ferry_error *err)
{
	struct ferry_intake_limits lim;
	char tmp[PATH_MAX];
	struct host_src src;

	limits_of(a, req, &lim);
	if (agent_tmp_path(a, "in", dest, err) ||
	    ferry_fmt(tmp, sizeof(tmp), err, "a temporary path", "%s.stream", dest))
		return FERRY_EINVAL;
	agent_in_src(a, &src);
	return host_ship_receive(&src, tmp, dest, &lim, err);
}

static int op_release_add(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	char dir[PATH_MAX], id[FERRY_RELEASE_ID_MAX];
	int overlay = json_is_true(json_object_get(req, "overlay")), rc;

	if ((rc = receive_tree(a, req, dir, err)))
		return rc;
	rc = overlay ? rt_local_release_overlay(&a->rt, dir, id, err)
		     : rt_local_release_install(&a->rt, dir, id, err);
	ferry_rm_rf(dir, NULL);
	if (!rc)
		*ans = json_pack("{s:s}", "id", id);
	return rc;
}

static int op_release_switch(struct agent *a, const json_t *req, json_t **ans,
			     struct ferry_error *err)
{
	const char *id = jstr(req, "id");

	if (!id || strchr(id, '/'))
		return ferry_error_set(err, FERRY_EINVAL, "a release id, please");
	return rt_local_release_switch(&a->rt, id, err);
}

static int op_release_current(struct agent *a, const json_t *req, json_t **ans,
			      struct ferry_error *err)
{
	char id[FERRY_RELEASE_ID_MAX];

	if (rt_local_release_current(&a->rt, id))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no current release");
	*ans = json_pack("{s:s}", "id", id);
	return 0;
}

static int op_release_list(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	json_t *l = NULL;
	int rc = rt_local_release_list(&a->rt, &l, err);

	if (!rc)
		*ans = json_pack("{s:o}", "list", l);
	return rc;
}

static int op_release_prune(struct agent *a, const json_t *req, json_t **ans,
			    struct ferry_error *err)
{
	return rt_local_release_prune(&a->rt, (int)json_integer_value(json_object_get(req, "keep")), err);
}

static int op_release_manifest(struct agent *a, const json_t *req, json_t **ans,
			       struct ferry_error *err)
{
	const char *id = jstr(req, "id");
	json_t *m = NULL;
	int rc;

	if (id && strchr(id, '/'))
		return ferry_error_set(err, FERRY_EINVAL, "a release id, please");
	if (!(rc = rt_local_release_manifest(&a->rt, id, &m, err)))
		*ans = json_pack("{s:o}", "manifest", m);
	return rc;
}

static int op_release_fetch(struct agent *a, const json_t *req, json_t **ans,
			    struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX], rel[FERRY_RELEASE_ID_MAX + 16], *dir;
	const char *id = jstr(req, "id");
	struct host_sink sink;
	int rc;

	if (!id) {
		if (rt_local_release_current(&a->rt, cur))
			return ferry_error_set(err, FERRY_ENOTFOUND, "no current release");
		id = cur;
	}
	if (strchr(id, '/') || !agent_rel_ok(id))
		return ferry_error_set(err, FERRY_EINVAL, "a release id, please");
	snprintf(rel, sizeof(rel), "releases/%s", id);
	if (!(dir = ferry_runtime_path(&a->rt, rel)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	agent_out_sink(a, &sink);
	rc = host_ship_write(dir, &sink, err);
	free(dir);
	if (!rc)
		*ans = json_pack("{s:s}", "id", id);
	return rc;
}

/* ---- files and the log ---- */

static int op_file_read(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	const char *rel = jstr(req, "rel");
	int rc;

	if (!agent_rel_ok(rel))
		return ferry_error_set(err, FERRY_EUNSAFE, "file '%s': not a path inside the runtime",
				       rel ? rel : "");
	if (!(rc = a->rt.drv->file_read(&a->rt, rel, &b, err)))
		rc = agent_send(a, b.data, b.len, err);
	ferry_buf_release(&b);
	return rc;
}

static int op_file_write(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	const char *rel = jstr(req, "rel");
	struct host_src src;
	char chunk[65536];
	size_t got;
	int rc;

	if (!agent_rel_ok(rel))
		return ferry_error_set(err, FERRY_EUNSAFE, "file '%s': not a path inside the runtime",
				       rel ? rel : "");
	agent_in_src(a, &src);
	while (!(rc = src.read(src.arg, chunk, sizeof(chunk), &got, err)) && got)
		if (b.len + got > FILE_MAX || ferry_buf_add(&b, chunk, got)) {
			rc = ferry_error_set(err, FERRY_EINVAL, "file %s: more than %u bytes", rel, FILE_MAX);
			break;
		}
	if (!rc)
		rc = a->rt.drv->file_write(&a->rt, rel, b.data ? b.data : "", b.len, err);
	ferry_buf_release(&b);
	return rc;
}

static int op_note(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	const char *line = jstr(req, "line");

	if (line)
		a->rt.drv->note(&a->rt, line);
	return 0;
}

static int op_log_tail(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc = a->rt.drv->log_tail(&a->rt, (long)json_integer_value(json_object_get(req, "lines")),
				     &b, err);

	if (!rc)
		rc = agent_send(a, b.data, b.len, err);
	ferry_buf_release(&b);
	return rc;
}

/* ---- the service ---- */

struct launch {
	struct rt_launch l;
	struct rt_vars v;
	struct rt_sandbox sb;
	char **argv;
	char release[FERRY_RELEASE_ID_MAX], cwd[PATH_MAX], url[512];
};

static int argv_of(const json_t *arr, char ***out, struct ferry_error *err)
{
	size_t i, n = json_array_size(arr);
	char **v;

	*out = NULL;
	if (!n || !(v = calloc(n + 1, sizeof(*v))))
		return ferry_error_set(err, n ? FERRY_ENOMEM : FERRY_EINVAL, "a command, please");
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(arr, i)) ||
		    !(v[i] = strdup(json_string_value(json_array_get(arr, i))))) {
			ferry_runtime_argv_free(v);
			return ferry_error_set(err, FERRY_EINVAL, "command argument %zu is not a string", i);
		}
	*out = v;
	return 0;
}

/* The sandbox ferry decided for the process (the request's "sandbox"), checked against
 * what this host offers and placed on this host's paths (caller releases sb). */
static int sandbox_of(struct agent *a, const json_t *req, const struct rt_vars *v, const char *cwd,
		      struct rt_sandbox *sb, struct ferry_error *err)
{
	struct rt_sb_host h;
	int rc;

	rt_sb_local_host(&h);
	if ((rc = rt_sandbox_policy_from_json(json_object_get(req, "sandbox"), &h, sb, err)) ||
	    (rc = rt_sandbox_place(&a->rt, v, cwd, sb, err)))
		ferry_error_prefix(err, "environment '%s' on this host", a->rt.env.name);
	return rc;
}

/* The service's variables are this runtime's on this host (rt_vars_fill), as the
 * local driver's. */
static int launch_of(struct agent *a, const json_t *req, struct launch *L, struct ferry_error *err)
{
	const json_t *o = json_object_get(req, "launch");
	int rc;

	memset(L, 0, sizeof(*L));
	snprintf(L->release, sizeof(L->release), "%s", jstr(o, "release") ? jstr(o, "release") : "");
	snprintf(L->url, sizeof(L->url), "%s", jstr(o, "health_url") ? jstr(o, "health_url") : "");
	if (!agent_rel_ok(L->release) || strchr(L->release, '/'))
		return ferry_error_set(err, FERRY_EINVAL, "a release id, please");
	rt_vars_fill(&a->rt, L->release, 1, &L->v);
	snprintf(L->cwd, sizeof(L->cwd), "%s", jstr(o, "cwd") ? jstr(o, "cwd") : L->v.release_dir);
	if (!agent_under(a, L->cwd, "environments"))
		return ferry_error_set(err, FERRY_EUNSAFE, "the service's directory %s is not its "
				       "runtime's on this host", L->cwd);
	if (json_object_get(o, "argv") && (rc = argv_of(json_object_get(o, "argv"), &L->argv, err)))
		return rc;
	L->l.release = L->release;
	L->l.argv = L->argv;
	L->l.vars = &L->v;
	L->l.cwd = L->cwd;
	L->l.health_url = L->url;
	L->l.timeout_s = (int)json_integer_value(json_object_get(o, "timeout_s"));
	return 0;
}

static int op_start(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct launch L;
	int rc = launch_of(a, req, &L, err);

	if (!rc && !L.argv)
		rc = ferry_error_set(err, FERRY_EINVAL, "start needs the service's argv");
	if (!rc && !(rc = sandbox_of(a, req, &L.v, L.cwd, &L.sb, err))) {
		L.l.sb = &L.sb;
		rc = rt_local_start(&a->rt, &L.l, err);
	}
	rt_sandbox_release(&L.sb);
	ferry_runtime_argv_free(L.argv);
	return rc;
}

static int op_await(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct launch L;
	int rc = launch_of(a, req, &L, err);

	if (!rc)
		rc = rt_local_await(&a->rt, &L.l, err);
	ferry_runtime_argv_free(L.argv);
	return rc;
}

static int op_stop(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	int killed = 0, rc;

	rc = rt_local_stop(&a->rt, (int)json_integer_value(json_object_get(req, "grace")), &killed, err);
	if (!rc)
		*ans = json_pack("{s:b}", "killed", killed);
	return rc;
}

static int op_status(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct ferry_runtime_status st;

	memset(&st, 0, sizeof(st));
	rt_local_status(&a->rt, &st);
	*ans = json_pack("{s:o}", "status", status_json(&st));
	return 0;
}

static int op_reconcile(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct ferry_runtime_status st;
	int rc = rt_local_reconcile(&a->rt, &st, err);

	if (!rc)
		*ans = json_pack("{s:o}", "status", status_json(&st));
	return rc;
}

static int op_probe(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	const char *url = jstr(req, "url");
	char why[256] = "";

	if (!url || strncmp(url, "http://", 7))
		return ferry_error_set(err, FERRY_EINVAL, "an http:// URL, please");
	if (rt_http_ok(url, (long)json_integer_value(json_object_get(req, "timeout_ms")), why))
		return ferry_error_set(err, FERRY_EFAILED, "%s", why);
	return 0;
}

/* "<local>/x" -> "<remote>/x" in each argument (a directory ferry shipped here). */
static int rebase(char **argv, const char *local, const char *remote, struct ferry_error *err)
{
	size_t n = strlen(local);

	for (; *argv; argv++)
		if (!strncmp(*argv, local, n) && ((*argv)[n] == '/' || !(*argv)[n])) {
			struct ferry_buf b = FERRY_BUF_INIT;
			ferry_buf_addf(&b, "%s%s", remote, *argv + n);
			if (!b.data)
				return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			free(*argv);
			*argv = ferry_buf_detach(&b);
		}
	return 0;
}

static int op_exec(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	struct ferry_buf out = FERRY_BUF_INIT;
	const char *cwd = jstr(req, "cwd"), *local = jstr(req, "local_cwd");
	char shipped[PATH_MAX] = "", rel[FERRY_RELEASE_ID_MAX], **argv = NULL;
	struct rt_sandbox sb;
	struct rt_vars v;
	int rc, status_rc;

	memset(&sb, 0, sizeof(sb));
	if (rt_local_release_current(&a->rt, rel))
		rel[0] = '\0';
	rt_vars_fill(&a->rt, rel, 0, &v);
	if ((rc = argv_of(json_object_get(req, "argv"), &argv, err)))
		goto out;
	if (local) {
		if ((rc = receive_tree(a, req, shipped, err)) || (rc = rebase(argv, local, shipped, err)))
			goto out;
		cwd = shipped;
	} else if (cwd && !agent_under(a, cwd, "environments")) {
		rc = ferry_error_set(err, FERRY_EUNSAFE, "directory %s is not a runtime's on this host", cwd);
		goto out;
	}
	if ((rc = sandbox_of(a, req, &v, cwd, &sb, err)))
		goto out;
	status_rc = rt_local_exec(&a->rt, argv, &sb, (int)json_integer_value(json_object_get(req, "timeout")),
				  &out, err);
	rc = agent_send(a, out.data, out.len, err);
	if (!rc)
		rc = status_rc;
out:
	if (shipped[0])
		ferry_rm_rf(shipped, NULL);
	rt_sandbox_release(&sb);
	ferry_runtime_argv_free(argv);
	ferry_buf_release(&out);
	return rc;
}

/* ---- the sandbox ---- */

static int op_sandbox_host(struct agent *a, const json_t *req, json_t **ans,
			   struct ferry_error *err)
{
	struct rt_sb_host h;

	rt_sb_local_host(&h);
	*ans = json_pack("{s:o}", "host", rt_sb_host_json(&h));
	return 0;
}

/* What the runtime's running service has in force (no other process's). */
static int op_sandbox_observe(struct agent *a, const json_t *req, json_t **ans,
			      struct ferry_error *err)
{
	long pid = (long)json_integer_value(json_object_get(req, "pid"));
	struct ferry_runtime_status st;
	json_t *o = NULL;

	memset(&st, 0, sizeof(st));
	rt_local_status(&a->rt, &st);
	if (st.running && st.pid == pid)
		o = rt_sb_local_observe(pid);
	*ans = json_pack("{s:o}", "process", o ? o : json_null());
	return 0;
}

const struct agent_op agent_ops[] = {
	{ "prepare", op_prepare, 1 },
	{ "remove", op_remove, 1 },
	{ "port_free", op_port_free, 0 },
	{ "lock", op_lock, 1 },
	{ "unlock", op_unlock, 1 },
	{ "release_add", op_release_add, 1 },
	{ "release_switch", op_release_switch, 1 },
	{ "release_current", op_release_current, 1 },
	{ "release_list", op_release_list, 1 },
	{ "release_prune", op_release_prune, 1 },
	{ "release_manifest", op_release_manifest, 1 },
	{ "release_fetch", op_release_fetch, 1 },
	{ "file_read", op_file_read, 1 },
	{ "file_write", op_file_write, 1 },
	{ "note", op_note, 1 },
	{ "log_tail", op_log_tail, 1 },
	{ "reconcile", op_reconcile, 1 },
	{ "start", op_start, 1 },
	{ "await", op_await, 1 },
	{ "stop", op_stop, 1 },
	{ "status", op_status, 1 },
	{ "probe", op_probe, 0 },
	{ "exec", op_exec, 1 },
	{ "sandbox_host", op_sandbox_host, 0 },
	{ "sandbox_observe", op_sandbox_observe, 1 },
	{ "db", agent_db, 0 },
	{ "check", agent_check, 0 },
	{ NULL, NULL, 0 }
};
