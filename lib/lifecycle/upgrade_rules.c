/* SPDX-License-Identifier: MIT */
/* upgrade_rules.c: the rules an upgrade command checks before it records anything:
 * the targets the catalog allows from an environment (`upgrade targets`, and the
 * target an operator typed), the rules of `upgrade begin` (no other upgrade or
 * operation, production after a committed sandbox), and that an upgrade is in
 * progress. Reads records only; preflight.c checks the prerequisites. */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- targets ---- */

static int env_catalog(struct ferry_ctx *ctx, const char *env, struct ferry_env *e,
		       struct ferry_catalog **cat, struct ferry_error *err)
{
	int rc;

	if ((rc = ferry_env_get(ctx, env, e, err)))
		return rc;
	return ferry_catalog_open(ctx, e->product, cat, err);
}

int ferry_upgrade_targets(struct ferry_ctx *ctx, const char *env, json_t **out,
			  struct ferry_error *err)
{
	struct ferry_catalog_target *t = NULL;
	struct ferry_catalog *cat = NULL;
	struct ferry_env e;
	size_t n = 0, i;
	json_t *arr, *x;
	int rc;

	*out = NULL;
	if ((rc = env_catalog(ctx, env, &e, &cat, err)))
		return rc;
	if ((rc = ferry_catalog_targets(cat, e.app_release, e.platform, &t, &n, err)))
		goto out;
	arr = ferry_catalog_targets_to_json(cat, t, n);
	json_array_foreach(arr, i, x) {
		const struct ferry_catalog_release *r = t[i].release;
		const char *pu = r->platform && ferry_catalog_platform_cmp(r->platform, t[i].min_platform) > 0
			? r->platform->id : t[i].min_platform->id;
		char target[80];
		snprintf(target, sizeof(target), "%s/%s", r->id, pu);
		json_object_set_new(x, "platform", json_string(pu));
		json_object_set_new(x, "target", json_string(target));
		json_object_set_new(x, "self_service",
				    json_boolean(strcmp(t[i].kind, "platform-update") != 0));
	}
	*out = arr;
out:
	free(t);
	ferry_catalog_free(cat);
	return rc;
}

int ferry_upgrade_resolve_target(struct ferry_ctx *ctx, const char *env, const char *to,
				 char release[32], char platform[32], struct ferry_error *err)
{
	struct ferry_catalog_target *t = NULL;
	const struct ferry_catalog_target *hit = NULL;
	const struct ferry_catalog_platform *pu = NULL;
	struct ferry_catalog *cat = NULL;
	struct ferry_buf allowed = FERRY_BUF_INIT;
	char rel[64], *slash;
	struct ferry_env e;
	size_t n = 0, i;
	int rc;

	if (!to || !*to || snprintf(rel, sizeof(rel), "%s", to) >= (int)sizeof(rel))
		return ferry_error_set(err, FERRY_EINVAL, "invalid target '%s': want RELEASE or RELEASE/PUn",
				       to ? to : "");
	if ((slash = strchr(rel, '/')))
		*slash++ = '\0';
	if ((rc = env_catalog(ctx, env, &e, &cat, err)))
		return rc;
	if ((rc = ferry_catalog_targets(cat, e.app_release, e.platform, &t, &n, err)))
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(t[i].kind, "platform-update"))
			ferry_buf_addf(&allowed, "%s%s (from %s)", allowed.len ? ", " : "",
				       t[i].release->id, t[i].min_platform->id);
		if (!strcmp(t[i].release->id, rel))
			hit = &t[i];
	}
	if (!hit || !strcmp(hit->kind, "platform-update")) {
		rc = ferry_error_set(err, FERRY_EREFUSED,
			"the catalog does not allow an upgrade of '%s' from %s/%s to %s%s%s: allowed "
			"targets: %s (see 'ferry upgrade targets %s')", env, e.app_release, e.platform,
			rel, hit ? " (a platform-only move is applied in place as a platform package)" : "",
			"", allowed.len ? allowed.data : "none", env);
		goto out;
	}
	if (slash) {
		if ((rc = ferry_catalog_resolve_platform(cat, slash, &pu, err)))
			goto out;
		if ((rc = ferry_catalog_combination_check(cat, hit->release->id, pu->id, err)))
			goto out;
	} else {
		pu = hit->release->platform && ferry_catalog_platform_cmp(hit->release->platform,
									  hit->min_platform) > 0
			? hit->release->platform : hit->min_platform;
	}
	snprintf(release, 32, "%s", hit->release->id);
	snprintf(platform, 32, "%s", pu->id);
out:
	ferry_buf_release(&allowed);
	free(t);
	ferry_catalog_free(cat);
	return rc;
}

/* ---- begin, and an upgrade in progress ---- */

int up_begin_rules(struct ferry_ctx *ctx, const struct ferry_env *e, const char *rel,
		   const char *pu, struct ferry_error *err)
{
	struct ferry_upgrade u;
	struct ferry_op *op = NULL;
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_upgrade_active(ctx, e->name, &u, err)) < 0)
		return rc;
	if (rc == 1)
		return ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' already has an upgrade to %s/%s in phase '%s': see "
			"'ferry upgrade status %s'", e->name, u.to_release, u.to_platform, u.phase, e->name);
	if ((rc = ferry_op_active_for_env(ctx, e->id, &op, err)) < 0)
		return rc;
	if (rc == 1) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"another operation runs on environment '%s': %s %s is %s at step '%s'; finish "
			"it first (see 'ferry op show %.8s')", e->name, op->kind, op->activity_id,
			ferry_op_state_name(op->state), op->step, op->activity_id);
		ferry_op_free(op);
		return rc;
	}
	if (e->role != FERRY_ROLE_PRODUCTION)
		return 0;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT env FROM upgrades WHERE project_id = ? AND role = 'sandbox' AND "
			"phase = 'committed' AND to_release = ? AND to_platform = ?", "itt",
			e->project_id, rel, pu)))
		return rc;
	rc = ferry_stmt_step(st, err);
	ferry_stmt_free(st);
	if (rc == 0)
		return ferry_error_set(err, FERRY_EREFUSED,
			"production environment '%s' cannot begin an upgrade to %s/%s yet: a sandbox of "
			"project '%s' must first upgrade to %s/%s and commit it ('ferry upgrade begin "
			"SANDBOX --to %s/%s')", e->name, rel, pu, e->project, rel, pu, rel, pu);
	return rc < 0 ? rc : 0;
}

int up_need_active(struct ferry_ctx *ctx, const char *env, const char *what,
		   struct ferry_upgrade *u, struct ferry_error *err)
{
	int rc = ferry_upgrade_active(ctx, env, u, err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ferry_error_set(err, FERRY_ESTATE,
			"cannot %s: environment '%s' has no upgrade in progress (see 'ferry upgrade "
			"status %s'; begin one with 'ferry upgrade begin %s --to RELEASE')",
			what, env, env, env);
	return 0;
}
