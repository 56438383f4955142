/* SPDX-License-Identifier: MIT */
/* host_agent.c: `ferry host-agent`, the host side of the SSH driver (like git's
 * upload-pack): it reads requests (host_wire.c frames) from one ferry on stdin,
 * checks every path they name lies under the host's ferry directory, runs them with
 * the local runtime driver's code on this machine (host_agent_ops.c) and answers on
 * stdout, until EOF. One session serves one runtime: the runtime's lock, when taken,
 * is held by this process for the life of the channel, and a service it starts
 * inherits it until exec, exactly as on ferry's own machine. */
#include "runtime/host_agent.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/base/version.h"
#include "ferry/package/manifest.h"
#include "ferry/runtime/host.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the runtime a request names ---- */

static int str_into(char *dst, size_t cap, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && snprintf(dst, cap, "%s", s) < (int)cap ? 0 : -1;
}

static int bind_rt(struct agent *a, const json_t *r, struct ferry_error *err)
{
	struct ferry_runtime *rt = &a->rt;
	const char *dir = json_string_value(json_object_get(r, "dir"));
	const char *db = json_string_value(json_object_get(r, "db"));
	char *d2, *db2;

	if (!agent_under(a, dir, "environments") || (db && !agent_conn_ok(a, db) &&
						     strncmp(db, "postgresql://", 13) &&
						     strncmp(db, "postgres://", 11)))
		return ferry_error_set(err, FERRY_EUNSAFE, "runtime directory %s (database %s) is not "
				       "under %s/environments on this host", dir ? dir : "?",
				       db ? db : "?", a->dir);
	if (a->have_rt && strcmp(rt->dir, dir))
		return ferry_error_set(err, FERRY_EINVAL, "one session serves one runtime (%s, not %s)",
				       rt->dir, dir);
	if (str_into(rt->env.name, sizeof(rt->env.name), r, "env") ||
	    str_into(rt->slot, sizeof(rt->slot), r, "slot"))
		return ferry_error_set(err, FERRY_EINVAL, "a runtime needs its env and slot");
	str_into(rt->env.project, sizeof(rt->env.project), r, "project");
	str_into(rt->addr, sizeof(rt->addr), r, "addr");
	rt->port = (int)json_integer_value(json_object_get(r, "port"));
	rt->id = json_integer_value(json_object_get(r, "id"));
	if (!(d2 = strdup(dir)) || !(db2 = strdup(db ? db : ""))) {
		free(d2);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	free(rt->dir);
	free(rt->db_conn);
	rt->dir = d2;
	rt->db_conn = db2;
	if (!a->have_rt) {
		rt->ctx = &a->ctx;
		rt->drv = &rt_driver_local;
		snprintf(rt->driver, sizeof(rt->driver), "local");
		snprintf(rt->host, sizeof(rt->host), "local");
		if (rt->drv->attach(rt, err))
			return err ? err->code : FERRY_EINTERNAL;
		/* the local driver's address is its own: the one ferry reaches it at wins */
		str_into(rt->addr, sizeof(rt->addr), r, "addr");
		a->have_rt = 1;
	}
	return 0;
}

/* ---- the loop ---- */

static int hello(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	const char *dir = json_string_value(json_object_get(req, "dir"));
	char sub[PATH_MAX];
	int rc;

	if ((rc = host_dir_check(dir, err)))
		return rc;
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	free(a->ctx.home);
	if (!(a->ctx.home = strdup(dir)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	snprintf(sub, sizeof(sub), "%s/environments", dir);
	if ((rc = ferry_mkdir_p(sub, 0700, err)))
		return rc;
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	if ((rc = ferry_mkdir_p(sub, 0700, err)))
		return rc;
	*ans = json_pack("{s:i, s:s, s:I}", "proto", HOST_PROTO, "version", FERRY_VERSION,
			 "pid", (json_int_t)getpid());
	return 0;
}

static int dispatch(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	const json_t *r = json_object_get(req, "rt");
	const struct agent_op *o;
	int rc;

	if (!op)
		return ferry_error_set(err, FERRY_EINVAL, "a request without \"op\"");
	if (!strcmp(op, "hello"))
		return hello(a, req, ans, err);
	if (!a->dir[0])
		return ferry_error_set(err, FERRY_EINVAL, "hello first");
	for (o = agent_ops; o->name && strcmp(o->name, op); o++)
		;
	if (!o->name)
		return ferry_error_set(err, FERRY_EINVAL, "this agent has no operation '%s': "
				       "install this ferry on the host ('ferry host install')", op);
	if (o->needs_rt && (rc = bind_rt(a, r, err)))
		return rc;
	return o->fn(a, req, ans, err);
}

static void drain(struct agent *a)
{
	struct host_src src;
	char buf[4096];
	size_t got;

	agent_in_src(a, &src);
	while (!a->in_done && !src.read(src.arg, buf, sizeof(buf), &got, NULL) && got)
		;
}

static int serve_one(struct agent *a, const json_t *req)
{
	struct ferry_error err;
	json_t *ans = NULL;
	int rc, streams = json_is_true(json_object_get(req, "stream"));

	a->in_done = !streams;
	a->in_off = a->in.len = 0;
	ferry_error_clear(&err);
	rc = dispatch(a, req, &ans, &err);
	if (streams)
		drain(a);
	if (a->lost)
		return -1;
	if (rc) {
		json_decref(ans);
		ans = wire_error_json(&err);
	} else if (!ans) {
		ans = json_object();
	}
	json_object_set_new(ans, "ok", json_boolean(rc == 0));
	rc = wire_write_json(a->out_fd, ans);
	json_decref(ans);
	return rc;
}

int ferry_host_agent_main(int in_fd, int out_fd)
{
	struct ferry_buf frame = FERRY_BUF_INIT;
	struct agent a;
	char type;
	int status = 0;

	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.in_fd = in_fd;
	a.out_fd = out_fd;
	ferry_settings_init(&a.ctx.settings);
	ferry_intake_limits_init(&a.limits, NULL);
	if (write(out_fd, WIRE_MAGIC, strlen(WIRE_MAGIC)) != (ssize_t)strlen(WIRE_MAGIC))
		return 1;
	for (;;) {
		json_t *req;
		int r = wire_read(in_fd, &type, &frame);
		if (r == 0)
			break;
		if (r < 0 || type != WIRE_JSON) {
			status = 1;
			break;
		}
		req = json_loadb(frame.data ? frame.data : "", frame.len, 0, NULL);
		r = req ? serve_one(&a, req) : -1;
		json_decref(req);
		if (r) {
			status = 1;
			break;
		}
	}
	agent_release(&a);
	ferry_buf_release(&frame);
	return status;
}

void agent_release(struct agent *a)
{
	if (a->have_rt) {
		a->rt.drv->unlock(&a->rt);
		a->rt.drv->detach(&a->rt);
	}
	free(a->rt.dir);
	free(a->rt.db_conn);
	free(a->ctx.home);
	ferry_buf_release(&a->in);
	ferry_settings_release(&a->ctx.settings);
}
