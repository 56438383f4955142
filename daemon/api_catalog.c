/* SPDX-License-Identifier: MIT */
/* api_catalog.c: /api/catalogs (release catalogs) and /api/advisor (the upgrade advisor):
 * the same library calls as `ferry catalog` and `ferry upgrade check`. */
#include "ferryd.h"

#include "ferry/catalog/advisor.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"

#include <string.h>

static int catalogs_list(struct ferry_ctx *ctx, const char *unused, json_t **out,
			 struct ferry_error *err)
{
	return ferry_catalog_list(&ctx->settings, out, err);
}

enum MHD_Result api_catalogs_list(struct api_req *r)
{
	return api_reply_read(r, catalogs_list, NULL);
}

enum MHD_Result api_catalogs_get(struct api_req *r)
{
	const struct ferry_catalog_release *rel = NULL;
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;
	json_t *o;

	ferry_error_clear(&err);
	if (ferry_catalog_open(r->ctx, r->params[0], &cat, &err))
		return api_ferror(r, &err);
	if (r->params[1] && ferry_catalog_resolve_release(cat, r->params[1], &rel, &err)) {
		ferry_catalog_free(cat);
		if (err.code == FERRY_EINVAL)
			err.code = FERRY_ENOTFOUND;
		return api_ferror(r, &err);
	}
	o = rel ? ferry_catalog_release_to_json(cat, rel) : ferry_catalog_to_json(cat);
	ferry_catalog_free(cat);
	return api_json(r, 200, o);
}

/* An unsupported move is an answer, not an error: 200 with kind "unsupported", the
 * reason and the allowed targets. Unknown releases or platforms are 422. */
enum MHD_Result api_advisor(struct api_req *r)
{
	struct ferry_advice_request req = { 0 };
	const char *env = api_query(r, "env"), *product = api_query(r, "product");
	struct ferry_catalog *cat = NULL;
	struct ferry_advice *adv = NULL;
	struct ferry_error err;
	struct ferry_env e;
	json_t *o;
	int rc;

	req.from = api_query(r, "from");
	req.to = api_query(r, "to");
	req.from_platform = api_query(r, "from_platform");
	req.to_platform = api_query(r, "to_platform");
	if (!req.to)
		return api_error(r, 400, "invalid", "missing query 'to' (a release such as 8.1)");
	if (env && (req.from || req.from_platform || product))
		return api_error(r, 400, "invalid", "'env' gives the source: drop 'from', 'from_platform' and 'product'");
	if (!env && !req.from)
		return api_error(r, 400, "invalid", "missing query 'from' (or 'env')");
	ferry_error_clear(&err);
	if (env) {
		if (ferry_env_get(r->ctx, env, &e, &err))
			return api_ferror(r, &err);
		if (auth_allow(r, FERRY_TOKEN_VIEWER, e.project))
			return r->ret;
		rc = ferry_advisor_check_env(r->ctx, env, &req, &adv, &err);
	} else {
		if (ferry_catalog_open(r->ctx, product, &cat, &err))
			return api_ferror(r, &err);
		rc = ferry_advisor_check(cat, &req, &adv, &err);
	}
	if (rc && rc != FERRY_EREFUSED) {
		ferry_advice_free(adv);
		ferry_catalog_free(cat);
		return api_ferror(r, &err);
	}
	o = ferry_advice_to_json(adv);
	ferry_advice_free(adv);
	ferry_catalog_free(cat);
	return api_json(r, 200, o);
}
