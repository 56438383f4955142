/* SPDX-License-Identifier: MIT */
/* runtime_deploy.c: deploying an application package from the asset library onto an
 * environment: verify and extract (asset library), check it fits the environment, deploy
 * (runtime), and record that the environment references the package. */
#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The application package must provide the environment's release (or any, when it names
 * none) and apply to its platform. */
static int deploy_fits(const struct ferry_env *e, const struct ferry_manifest *m,
		       const char *ref, struct ferry_error *err)
{
	size_t i;
	int ok = m->applies_platforms.n == 0;

	if (m->type != FERRY_PKG_APPLICATION)
		return ferry_error_set(err, FERRY_EREFUSED,
			"package '%s' (%s@%s) is not an application package: deploy takes a whole "
			"release; apply updates with 'ferry env apply %s %s'", ref, m->name, m->version,
			e->name, ref);
	if (m->provides_release && strcmp(m->provides_release, e->app_release))
		return ferry_error_set(err, FERRY_EREFUSED,
			"package '%s' provides release %s but environment '%s' records release %s: "
			"deploy the %s application package, or upgrade with 'ferry upgrade begin'",
			ref, m->provides_release, e->name, e->app_release, e->app_release);
	for (i = 0; i < m->applies_platforms.n; i++)
		if (!strcmp(m->applies_platforms.v[i], "*") ||
		    !strcasecmp(m->applies_platforms.v[i], e->platform))
			ok = 1;
	if (!ok)
		return ferry_error_set(err, FERRY_EREFUSED,
			"package '%s' does not apply to platform %s of environment '%s'", ref,
			e->platform, e->name);
	return 0;
}

static int record_ref(struct ferry_ctx *ctx, int64_t asset_id, const char *env,
		      struct ferry_error *err)
{
	int rc = ferry_store_begin(ctx->store, err);

	if (rc)
		return rc;
	if ((rc = ferry_asset_ref_add(ctx, asset_id, "environment", env, err))) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	return ferry_store_commit(ctx->store, err);
}

int ferry_runtime_deploy_package(struct ferry_ctx *ctx, const char *env, const char *ref,
				 const struct ferry_deploy_opts *o,
				 char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	struct ferry_manifest *m = NULL;
	struct ferry_asset a;
	struct ferry_env e;
	char dir[PATH_MAX], id[37], *base = NULL;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)) ||
	    (rc = ferry_asset_resolve(ctx, e.project, ref, &a, err)))
		return rc;
	ferry_uuid(id);
	base = ferry_ctx_path(ctx, "tmp");
	if (!base)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	snprintf(dir, sizeof(dir), "%s/deploy-%s", base, id);
	if ((rc = ferry_mkdir_p(base, 0700, err)) ||
	    (rc = ferry_asset_extract(ctx, e.project, ref, dir, &m, err)))
		goto out;
	if ((rc = deploy_fits(&e, m, ref, err)) ||
	    (rc = ferry_runtime_deploy(ctx, env, dir, o, out_id, err)))
		goto out;
	rc = record_ref(ctx, a.id, env, err);
out:
	if (rc)
		ferry_error_prefix(err, "deploying package '%s' on '%s'", ref, env);
	ferry_manifest_free(m);
	ferry_rm_rf(dir, NULL);
	free(base);
	return rc;
}
