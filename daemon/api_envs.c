/* SPDX-License-Identifier: MIT */
/* api_envs.c: /api/environments. */
#include "ferryd.h"

#include "ferry/lifecycle/env_view.h"
#include "ferry/project/env.h"
#include "ferry/runtime/host.h"
#include "ferry/runtime/runtime.h"
#include "ferry/lifecycle/upgrade.h"

#include <stdio.h>
#include <string.h>

/* The list is written straight from the store rows (no tree) and kept in the answer
 * cache until the store changes; ETag / If-None-Match spare the transfer. */
enum MHD_Result api_envs_list(struct api_req *r)
{
	const char *project = api_query(r, "project"), *all = api_query(r, "all");
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;
	int64_t version;
	char key[160], etag[24], *text = NULL;
	size_t len = 0;
	int deleted = all && !strcmp(all, "true");

	if (r->tok.project[0]) {
		if (project && auth_allow(r, FERRY_TOKEN_VIEWER, project))
			return r->ret;
		project = r->tok.project;
	}
	version = snprintf(key, sizeof(key), "envs|%d|%s", deleted, project ? project : "") <
		  (int)sizeof(key) ? resp_cache_version(r->d->cache) : -1;
	if (resp_cache_get(r->d->cache, key, version, &text, &len, etag))
		return api_json_text(r, text, len, etag);
	ferry_error_clear(&err);
	b.limit = (size_t)1 << 31;
	if (ferry_env_list_write(r->ctx, project, deleted, 0, &b, &err)) {
		ferry_buf_release(&b);
		return api_ferror(r, &err);
	}
	len = b.len;
	text = ferry_buf_detach(&b);
	resp_cache_etag(text, len, etag);
	resp_cache_put(r->d->cache, key, version, text, len, etag);
	return api_json_text(r, text, len, etag);
}

static enum MHD_Result env_reply(struct api_req *r, unsigned status, const char *name)
{
	struct ferry_error err;
	struct ferry_env e;

	ferry_error_clear(&err);
	if (ferry_env_get(r->ctx, name, &e, &err))
		return api_ferror(r, &err);
	return api_json(r, status, ferry_env_to_json(&e));
}

enum MHD_Result api_envs_create(struct api_req *r)
{
	struct ferry_env_spec spec = { 0 };
	struct ferry_error err;
	const char *host = NULL;
	json_t *b = api_body(r);

	if (!b || api_member_str(r, b, "name", 1, &spec.name) ||
	    api_member_str(r, b, "project", 1, &spec.project) ||
	    api_member_str(r, b, "role", 1, &spec.role) ||
	    api_member_str(r, b, "product", 0, &spec.product) ||
	    api_member_str(r, b, "app_release", 1, &spec.app_release) ||
	    api_member_str(r, b, "platform", 1, &spec.platform) ||
	    api_member_str(r, b, "host", 0, &host))
		return r->ret;
	snprintf(r->target, sizeof(r->target), "%s", spec.name);
	if (auth_allow(r, FERRY_TOKEN_OPERATOR, spec.project))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_host_env_create(r->ctx, &spec, host, &err))
		return api_ferror(r, &err);
	return env_reply(r, 201, spec.name);
}

int api_env_access(struct api_req *r, enum ferry_token_role need, struct ferry_env *e)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_env_get(r->ctx, r->params[0], e, &err))
		return api_ferror(r, &err), -1;
	return auth_allow(r, need, e->project);
}

/* ?view=original adds the upgrade in progress ({phase, to_release, to_platform});
 * ?view=upgrade is the upgrade-in-progress environment: the view `ferry env show`
 * prints (ferry_env_view). */
enum MHD_Result api_envs_get(struct api_req *r)
{
	const char *view = api_query(r, "view");
	struct ferry_error err;
	struct ferry_env e;
	json_t *o;

	if (view && strcmp(view, FERRY_VIEW_ORIGINAL) && strcmp(view, FERRY_VIEW_UPGRADE))
		return api_error(r, 400, "invalid", "query 'view' takes 'original' or 'upgrade', not '%s'", view);
	if (api_env_access(r, FERRY_TOKEN_VIEWER, &e))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_env_view(r->ctx, e.name, view, &o, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, o);
}

enum MHD_Result api_envs_delete(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_env e;

	if (api_env_access(r, FERRY_TOKEN_ADMIN, &e))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_runtime_env_remove(r->ctx, r->params[0], &err))
		return api_ferror(r, &err);
	return api_no_content(r);
}
