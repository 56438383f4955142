/* SPDX-License-Identifier: MIT */
/* api_tokens.c: /api/tokens (admin, not project-scoped). The secret appears once, in
 * the reply to its creation; lists and logs never carry it. */
#include "ferryd.h"

#include "ferry/base/util.h"

#include <stdio.h>

static int tokens_list(struct ferry_ctx *ctx, const char *unused, json_t **out,
		       struct ferry_error *err)
{
	return ferry_token_list(ctx, out, err);
}

enum MHD_Result api_tokens_list(struct api_req *r)
{
	return api_reply_read(r, tokens_list, NULL);
}

enum MHD_Result api_tokens_create(struct api_req *r)
{
	struct ferry_token_spec spec = { 0 };
	const char *expires;
	struct ferry_error err;
	char *secret = NULL;
	json_t *b = api_body(r), *info;

	if (!b || api_member_str(r, b, "name", 1, &spec.name) ||
	    api_member_str(r, b, "role", 1, &spec.role) ||
	    api_member_str(r, b, "project", 0, &spec.project) ||
	    api_member_str(r, b, "expires", 0, &expires))
		return r->ret;
	snprintf(r->target, sizeof(r->target), "%s", spec.name);
	if (spec.project)
		snprintf(r->project, sizeof(r->project), "%s", spec.project);
	ferry_error_clear(&err);
	if (expires && ferry_token_expiry_parse(expires, ferry_now_ms(), &spec.expires_ms, &err))
		return api_ferror(r, &err);
	if (ferry_token_create(r->ctx, &spec, &secret, &info, &err))
		return api_ferror(r, &err);
	json_object_set_new(info, "token", json_string(secret));
	ferry_token_secret_free(secret);
	return api_json(r, 201, info);
}

enum MHD_Result api_tokens_delete(struct api_req *r)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_token_revoke(r->ctx, r->params[0], &err))
		return api_ferror(r, &err);
	return api_no_content(r);
}
