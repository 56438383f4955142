/* SPDX-License-Identifier: MIT */
/* api_meta.c: /api/health, /api/whoami and /api/audit. */
#include "ferryd.h"

#include "ferry/store/audit.h"
#include "ferry/base/util.h"
#include "ferry/base/version.h"

enum MHD_Result api_health(struct api_req *r)
{
	return api_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "version", FERRY_VERSION));
}

enum MHD_Result api_whoami(struct api_req *r)
{
	return api_json(r, 200, ferry_token_to_json(&r->tok));
}

static int query_int(struct api_req *r, const char *key, long long min, long long max,
		     long long *out)
{
	const char *v = api_query(r, key);

	if (!v)
		return 0;
	if (ferry_parse_int(v, min, max, out))
		return api_error(r, 400, "invalid", "query '%s' takes %lld to %lld, not '%s'",
				 key, min, max, v), -1;
	return 0;
}

enum MHD_Result api_audit_list(struct api_req *r)
{
	struct ferry_audit_query q = { 0 };
	struct ferry_error err;
	long long limit = 0, before = 0;
	json_t *arr;

	q.project = api_query(r, "project");
	q.actor = api_query(r, "actor");
	if (query_int(r, "limit", 1, 1000, &limit) || query_int(r, "before", 1, INT64_MAX, &before))
		return r->ret;
	q.limit = (int)limit;
	q.before_id = before;
	if (r->tok.project[0]) {
		if (q.project && auth_allow(r, FERRY_TOKEN_VIEWER, q.project))
			return r->ret;
		q.project = r->tok.project;
	}
	ferry_error_clear(&err);
	if (ferry_audit_list(r->ctx, &q, &arr, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, arr);
}
