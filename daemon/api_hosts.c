/* SPDX-License-Identifier: MIT */
/* api_hosts.c: /api/hosts: the hosts environments run on over SSH, the same library
 * calls as `ferry host ...` (docs/RUNTIME.md, "The SSH driver"). Hosts belong to the
 * installation, not to a project: the routes are global. */
#include "ferryd.h"

#include "ferry/runtime/host.h"

#include <stdio.h>
#include <string.h>

static int hosts_list(struct ferry_ctx *ctx, const char *unused, json_t **out,
		      struct ferry_error *err)
{
	return ferry_host_list(ctx, out, err);
}

enum MHD_Result api_hosts_list(struct api_req *r)
{
	return api_reply_read(r, hosts_list, NULL);
}

enum MHD_Result api_hosts_get(struct api_req *r)
{
	return api_reply_read(r, ferry_host_show, r->params[0]);
}

static int flag(json_t *b, const char *key)
{
	return json_is_true(json_object_get(b, key));
}

enum MHD_Result api_hosts_create(struct api_req *r)
{
	struct ferry_host_spec spec = { 0 };
	struct ferry_error err;
	json_t *b = api_body(r), *o = NULL;

	if (!b || api_member_str(r, b, "name", 1, &spec.name) ||
	    api_member_str(r, b, "ssh", 1, &spec.ssh) ||
	    api_member_str(r, b, "identity", 0, &spec.identity) ||
	    api_member_str(r, b, "dir", 0, &spec.dir))
		return r->ret;
	spec.accept_host_key = flag(b, "accept_host_key");
	spec.no_install = flag(b, "no_install");
	snprintf(r->target, sizeof(r->target), "%s", spec.name);
	ferry_error_clear(&err);
	if (ferry_host_add(r->ctx, &spec, &o, &err)) {
		json_decref(o);
		return api_ferror(r, &err);
	}
	return api_json(r, 201, o);
}

/* A failed check is an answer: 200 with ok false and every check, as preflight. */
enum MHD_Result api_hosts_check(struct api_req *r)
{
	struct ferry_error err;
	json_t *rep = NULL;

	ferry_error_clear(&err);
	if (ferry_host_check(r->ctx, r->params[0], &rep, &err) && !rep)
		return api_ferror(r, &err);
	return api_json(r, 200, rep);
}

enum MHD_Result api_hosts_install(struct api_req *r)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_host_install(r->ctx, r->params[0], &err))
		return api_ferror(r, &err);
	return api_no_content(r);
}

enum MHD_Result api_hosts_delete(struct api_req *r)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_host_rm(r->ctx, r->params[0], &err))
		return api_ferror(r, &err);
	return api_no_content(r);
}
