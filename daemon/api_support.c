/* SPDX-License-Identifier: MIT */
/* api_support.c: outage reports over the API (the seed's "Report production outage"):
 * POST /api/environments/{env}/outage records the incident with its support bundle and
 * notifies the project (ferry_incident_report); GET .../incidents lists them. */
#include "ferryd.h"

#include "ferry/lifecycle/support.h"
#include "ferry/project/env.h"
#include "ferry/store/ctx.h"

#include <stdio.h>

enum MHD_Result api_env_outage(struct api_req *r)
{
	struct ferry_support_opts o = { 0 };
	struct ferry_error err;
	const char *msg;
	struct ferry_env e;
	json_t *b, *inc;

	if (api_env_access(r, FERRY_TOKEN_OPERATOR, &e))
		return r->ret;
	if (!(b = api_body(r)) || api_member_str(r, b, "message", 1, &msg))
		return r->ret;
	ferry_error_clear(&err);
	r->ctx->actor = r->actor;
	if (ferry_incident_report(r->ctx, e.name, msg, &o, &inc, &err))
		return api_ferror(r, &err);
	flog("warn", "outage reported", "env", e.name, "incident",
	     json_string_value(json_object_get(json_object_get(inc, "bundle"), "path")), "actor",
	     r->actor, NULL);
	return api_json(r, 201, inc);
}

enum MHD_Result api_env_incidents(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_env e;
	json_t *l;

	if (api_env_access(r, FERRY_TOKEN_VIEWER, &e))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_incident_list(r->ctx, NULL, e.name, &l, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, l);
}
