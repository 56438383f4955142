/* SPDX-License-Identifier: MIT */
/* api_read.c: the one shape of ferryd's read handlers: check the caller may see the
 * thing the path or query names (an environment, a project, or a list scoped to the
 * caller's project), call the library function that builds its JSON view, reply 200
 * with it or map the library's error. The handlers of api_*.c that only read are one
 * line each over these. */
#include "ferryd.h"

#include "ferry/project/env.h"

enum MHD_Result api_reply_read(struct api_req *r, api_read_fn fn, const char *name)
{
	struct ferry_error err;
	json_t *out = NULL;

	ferry_error_clear(&err);
	if (fn(r->ctx, name, &out, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, out);
}

enum MHD_Result api_env_read(struct api_req *r, api_read_fn fn)
{
	struct ferry_env e;

	if (api_env_access(r, FERRY_TOKEN_VIEWER, &e))
		return r->ret;
	return api_reply_read(r, fn, e.name);
}

enum MHD_Result api_project_read(struct api_req *r, api_read_fn fn)
{
	if (auth_allow(r, FERRY_TOKEN_VIEWER, r->params[0]))
		return r->ret;
	return api_reply_read(r, fn, r->params[0]);
}

enum MHD_Result api_scoped_read(struct api_req *r, api_read_fn fn)
{
	const char *project = api_query(r, "project");

	if (r->tok.project[0] && !project)
		project = r->tok.project;
	if (project && auth_allow(r, FERRY_TOKEN_VIEWER, project))
		return r->ret;
	return api_reply_read(r, fn, project);
}
