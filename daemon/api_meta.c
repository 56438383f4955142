/* SPDX-License-Identifier: MIT */
/* api_meta.c: /api/health, /api/live, /api/whoami and /api/audit. */
#include "ferryd.h"

#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"
#include "ferry/base/version.h"

/* Readiness, for load balancers: 200 when a pooled store connection answers a query,
 * else 503 (every other route would answer 503 too). A connection that failed is
 * dropped, not pooled again, so health recovers with the store. */
enum MHD_Result api_health(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_stmt *st = NULL;
	struct ferry_ctx *ctx;
	const char *backend = "unknown";
	int rc;

	ferry_error_clear(&err);
	if ((ctx = ctx_pool_get(r->d->pool, &err))) {
		backend = ferry_store_backend(ctx->store);
		rc = ferry_store_query(ctx->store, &st, &err, "SELECT 1", "");
		if (!rc && (rc = ferry_stmt_step(st, &err)) == 1)
			rc = 0;
		else if (!rc)
			rc = ferry_error_set(&err, FERRY_ESTORE, "the state store returned no row");
		ferry_stmt_free(st);
		if (rc) {
			ferry_ctx_free(ctx);
			ctx = NULL;
		} else {
			ctx_pool_put(r->d->pool, ctx);
		}
	}
	if (!ctx) {
		snprintf(r->err_msg, sizeof(r->err_msg), "%s", err.msg);
		r->err_code = FERRY_ESTORE;
		return api_json(r, 503, json_pack("{s:s, s:s, s:{s:s, s:b, s:s}}", "status", "unavailable",
			"version", FERRY_VERSION, "store", "backend", backend, "ok", 0,
			"error", err.msg[0] ? err.msg : "unreachable"));
	}
	return api_json(r, 200, json_pack("{s:s, s:s, s:{s:s, s:b}}", "status", "ok",
		"version", FERRY_VERSION, "store", "backend", backend, "ok", 1));
}

/* Liveness: the process answers; nothing else is checked. */
enum MHD_Result api_live(struct api_req *r)
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
