/* SPDX-License-Identifier: MIT */
/* api_runtime.c: an environment's runtime (`ferry env start|stop|restart|status|logs|
 * config`): the same runtime calls, on the slot of ?view=original|upgrade. */
#include "ferryd.h"

#include "ferry/base/buf.h"
#include "ferry/lifecycle/env_view.h"
#include "ferry/project/env.h"
#include "ferry/runtime/runtime.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The environment in the path, the caller's right, and the slot of ?view. */
static int rt_access(struct api_req *r, enum ferry_token_role need, struct ferry_env *e,
		     const char **slot)
{
	if (api_view_slot(r, slot))
		return -1;
	return api_env_access(r, need, e);
}

/* What the CLI prints after start/restart: the runtime and its environment. */
static enum MHD_Result runtime_reply(struct api_req *r, const char *env, const char *slot, int probe)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt;
	struct ferry_error err;
	json_t *o;

	ferry_error_clear(&err);
	if (ferry_runtime_open(r->ctx, env, slot, 0, &rt, &err))
		return api_ferror(r, &err);
	ferry_runtime_status(rt, probe, &st);
	o = ferry_runtime_to_json(rt, &st);
	json_object_set_new(o, "environment", json_string(env));
	ferry_runtime_free(rt);
	return api_json(r, 200, o);
}

enum MHD_Result api_rt_status(struct api_req *r)
{
	struct ferry_env e;
	const char *slot;

	if (rt_access(r, FERRY_TOKEN_VIEWER, &e, &slot))
		return r->ret;
	if (!api_query(r, "view")) /* no view: the slot that serves */
		slot = ferry_env_serving_slot(r->ctx, e.name);
	return runtime_reply(r, e.name, slot, 1);
}

/* {timeout, grace: seconds 1..3600, new_port: bool} */
static int rt_opts(struct api_req *r, int *timeout_s, int *grace_s, int *new_port)
{
	long long t = 0, g = 0;
	json_t *b = api_body_opt(r);

	if (!b || api_member_int(r, b, "timeout", 1, 3600, &t) || api_member_int(r, b, "grace", 1, 3600, &g))
		return -1;
	*timeout_s = (int)t;
	*grace_s = (int)g;
	*new_port = json_is_true(json_object_get(b, "new_port"));
	return 0;
}

enum MHD_Result api_rt_start(struct api_req *r)
{
	int timeout_s, grace_s, new_port, already = 0;
	struct ferry_error err;
	struct ferry_env e;
	const char *slot;

	if (rt_access(r, FERRY_TOKEN_OPERATOR, &e, &slot) || rt_opts(r, &timeout_s, &grace_s, &new_port))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_runtime_env_start(r->ctx, e.name, slot, timeout_s, new_port, &already, &err))
		return api_ferror(r, &err);
	return runtime_reply(r, e.name, slot, 0);
}

enum MHD_Result api_rt_stop(struct api_req *r)
{
	int timeout_s, grace_s, new_port, killed = 0;
	struct ferry_error err;
	struct ferry_env e;
	const char *slot;

	if (rt_access(r, FERRY_TOKEN_OPERATOR, &e, &slot) || rt_opts(r, &timeout_s, &grace_s, &new_port))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_runtime_env_stop(r->ctx, e.name, slot, grace_s, &killed, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, json_pack("{s:s, s:b, s:s}", "environment", e.name, "killed", killed,
					  "state", "stopped"));
}

enum MHD_Result api_rt_restart(struct api_req *r)
{
	int timeout_s, grace_s, new_port;
	struct ferry_error err;
	struct ferry_env e;
	const char *slot;

	if (rt_access(r, FERRY_TOKEN_OPERATOR, &e, &slot) || rt_opts(r, &timeout_s, &grace_s, &new_port))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_runtime_env_stop(r->ctx, e.name, slot, grace_s, NULL, &err) ||
	    ferry_runtime_env_start(r->ctx, e.name, slot, timeout_s, 0, NULL, &err))
		return api_ferror(r, &err);
	return runtime_reply(r, e.name, slot, 0);
}

/* The last ?lines=N (50) lines of the application's log, as text. */
enum MHD_Result api_rt_logs(struct api_req *r)
{
	const char *q = api_query(r, "lines");
	long long lines = 50;
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_buf b;
	struct ferry_env e;
	const char *slot;

	if (q && ferry_parse_int(q, 1, 100000, &lines))
		return api_error(r, 400, "invalid", "query 'lines' takes 1 to 100000, not '%s'", q);
	if (rt_access(r, FERRY_TOKEN_VIEWER, &e, &slot))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_runtime_open(r->ctx, e.name, slot, 0, &rt, &err))
		return api_ferror(r, &err);
	/* through the runtime's driver: the log may be on another host */
	ferry_buf_init(&b);
	b.limit = 64 << 20;
	if (ferry_runtime_log_tail(rt, (long)lines, &b, &err)) {
		ferry_runtime_free(rt);
		ferry_buf_release(&b);
		return api_ferror(r, &err);
	}
	ferry_runtime_free(rt);
	api_text(r, 200, b.data ? b.data : "", b.len);
	ferry_buf_release(&b);
	return r->ret;
}

enum MHD_Result api_rt_config_get(struct api_req *r)
{
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_env e;
	const char *slot;
	json_t *cfg;

	if (rt_access(r, FERRY_TOKEN_VIEWER, &e, &slot))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_runtime_open(r->ctx, e.name, slot, 0, &rt, &err) ||
	    ferry_runtime_config_get(rt, &cfg, &err)) {
		ferry_runtime_free(rt);
		return api_ferror(r, &err);
	}
	ferry_runtime_free(rt);
	return api_json(r, 200, cfg);
}

/* {"set": {"KEY": "VALUE"...}, "unset": ["KEY"...]}: one write, all or none. */
enum MHD_Result api_rt_config_patch(struct api_req *r)
{
	const char *keys[64], *vals[64];
	struct ferry_runtime *rt = NULL;
	struct ferry_error err;
	struct ferry_env e;
	const char *slot, *k;
	json_t *b, *set, *unset, *v, *cfg;
	size_t i;
	int n = 0;

	if (rt_access(r, FERRY_TOKEN_OPERATOR, &e, &slot) || !(b = api_body(r)))
		return r->ret;
	set = json_object_get(b, "set");
	unset = json_object_get(b, "unset");
	if ((set && !json_is_object(set)) || (unset && !json_is_array(unset)))
		return api_error(r, 400, "invalid", "'set' must be an object of strings and 'unset' an array of keys");
	if (json_object_size(set) + json_array_size(unset) > 64)
		return api_error(r, 400, "invalid", "at most 64 changes at once");
	json_object_foreach(set, k, v) {
		if (!json_is_string(v))
			return api_error(r, 400, "invalid", "'set.%s' must be a string (JSON text is parsed)", k);
		keys[n] = k;
		vals[n++] = json_string_value(v);
	}
	json_array_foreach(unset, i, v) {
		if (!json_is_string(v))
			return api_error(r, 400, "invalid", "'unset' must list keys as strings");
		keys[n] = json_string_value(v);
		vals[n++] = NULL;
	}
	ferry_error_clear(&err);
	if (ferry_runtime_open(r->ctx, e.name, slot, 0, &rt, &err) ||
	    (n && ferry_runtime_config_edit(rt, keys, vals, n, &err)) ||
	    ferry_runtime_config_get(rt, &cfg, &err)) {
		ferry_runtime_free(rt);
		return api_ferror(r, &err);
	}
	ferry_runtime_free(rt);
	return api_json(r, 200, cfg);
}
