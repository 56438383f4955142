/* SPDX-License-Identifier: MIT */
/* env_advice.c: the upgrade advisor asked about a recorded environment: its product's
 * catalog, release and platform stand in for --from/--from-platform. */
#include "ferry/catalog/advisor.h"
#include "ferry/catalog/catalog.h"
#include "ferry/base/error.h"
#include "ferry/project/env.h"

#include <stdio.h>

int ferry_advisor_check_env(struct ferry_ctx *ctx, const char *env,
			    const struct ferry_advice_request *req, struct ferry_advice **out,
			    struct ferry_error *err)
{
	struct ferry_advice_request r = *req;
	struct ferry_catalog *cat;
	struct ferry_env e;
	int rc;

	*out = NULL;
	if (req->from || req->from_platform)
		return ferry_error_set(err, FERRY_EINVAL,
			"give either an environment or --from/--from-platform, not both");
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if ((rc = ferry_catalog_open(ctx, e.product, &cat, err)))
		return ferry_error_prefix(err, "environment '%s'", env);
	r.from = e.app_release;
	r.from_platform = e.platform;
	rc = ferry_advisor_check(cat, &r, out, err);
	if (!*out) {
		ferry_catalog_free(cat);
		return ferry_error_prefix(err, "environment '%s' (%s on %s)", env, e.app_release, e.platform);
	}
	(*out)->owned_cat = cat;
	snprintf((*out)->env_name, sizeof((*out)->env_name), "%s", e.name);
	(*out)->env = (*out)->env_name;
	return rc;
}
