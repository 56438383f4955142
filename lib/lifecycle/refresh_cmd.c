/* SPDX-License-Identifier: MIT */
/* refresh_cmd.c: the commands `ferry db refresh|copy` and `ferry env data-upgrade`:
 * their rules (same project, never into production, same release for a refresh, no
 * upgrade in its data phase), then the operation created and run. The operations'
 * steps are refresh_ops.c; their records refresh_record.c. */
#include "lifecycle/upgrade_int.h"

#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int deployed(struct ferry_ctx *ctx, const char *env, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc = ferry_runtime_open(ctx, env, NULL, 0, &rt, err);

	ferry_runtime_free(rt);
	return rc;
}

/* Create the operation (one transaction) and run it. */
static int create_run(struct ferry_ctx *ctx, const char *kind, const char *env, json_t *params,
		      const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err)
{
	struct ferry_op_spec spec = { kind, env, NULL, params };
	struct ferry_op *op = NULL;
	char act[37];
	int rc;

	if ((rc = ferry_op_create(ctx, &spec, &op, err)))
		return rc;
	snprintf(act, sizeof(act), "%s", op->activity_id);
	ferry_op_free(op);
	if (activity)
		snprintf(activity, 37, "%s", act);
	return ferry_op_run(ctx, act, hooks, err);
}

static int copy_rules(struct ferry_ctx *ctx, const char *from, const char *to, int refresh,
		      struct ferry_env *s, struct ferry_env *t, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = ferry_env_get(ctx, from, s, err)) || (rc = ferry_env_get(ctx, to, t, err)))
		return rc;
	if (s->id == t->id)
		return ferry_error_set(err, FERRY_EINVAL, "cannot copy the database of '%s' onto itself", to);
	if (s->project_id != t->project_id)
		return ferry_error_set(err, FERRY_EREFUSED,
			"'%s' (project '%s') and '%s' (project '%s') belong to different projects: "
			"databases are copied within a project", from, s->project, to, t->project);
	if ((rc = ferry_upgrade_active(ctx, to, &u, err)) < 0)
		return rc;
	if (rc == 1)
		return ferry_error_set(err, FERRY_ESTATE,
			"'%s' has an upgrade in progress (phase '%s'): finish or cancel it first", to, u.phase);
	if (t->role == FERRY_ROLE_PRODUCTION)
		return ferry_error_set(err, FERRY_EREFUSED,
			"a database %s never writes into production: '%s' is the production environment "
			"of project '%s' (refresh sandboxes from production, not the other way)",
			refresh ? "refresh" : "copy", to, t->project);
	if (refresh && (strcmp(s->app_release, t->app_release) || strcmp(s->platform, t->platform)))
		return ferry_error_set(err, FERRY_EREFUSED,
			"'%s' runs %s/%s and '%s' runs %s/%s: a refresh copies between environments on "
			"the same release (redeploy '%s' on %s first, or copy into a development "
			"environment with 'ferry db copy')", from, s->app_release, s->platform, to,
			t->app_release, t->platform, to, s->app_release);
	if (!refresh && t->role != FERRY_ROLE_DEVELOPMENT)
		return ferry_error_set(err, FERRY_EREFUSED,
			"'ferry db copy' copies into a development environment, and '%s' is a %s: use "
			"'ferry db refresh --from %s --to %s' (same release)", to,
			ferry_env_role_name(t->role), from, to);
	if ((rc = ferry_upgrade_active(ctx, from, &u, err)) < 0)
		return rc;
	if (rc == 1 && strcmp(u.phase, FERRY_UP_PREPARING) && strcmp(u.phase, FERRY_UP_PREPARED))
		return ferry_error_set(err, FERRY_ESTATE,
			"'%s' is in the data upgrade phase of an upgrade ('%s'): copy its database once "
			"the upgrade is committed or rolled back", from, u.phase);
	if ((rc = deployed(ctx, from, err)) || (rc = deployed(ctx, to, err)))
		return rc;
	return 0;
}

static int copy_or_refresh(struct ferry_ctx *ctx, const char *from, const char *to, int refresh,
			   const struct ferry_op_hooks *hooks, char activity[37],
			   struct ferry_error *err)
{
	struct ferry_env s, t;
	json_t *params;
	int rc;

	if (activity)
		activity[0] = '\0';
	if ((rc = copy_rules(ctx, from, to, refresh, &s, &t, err)))
		return ferry_error_prefix(err, "cannot %s '%s' from '%s'", refresh ? "refresh" : "copy into",
					  to, from);
	params = json_pack("{s:s, s:s, s:s, s:s, s:b}", "source", from,
			   "source_role", ferry_env_role_name(s.role), "source_release", s.app_release,
			   "target_release", t.app_release,
			   "start", refresh || !strcmp(s.app_release, t.app_release));
	rc = create_run(ctx, refresh ? FERRY_OP_DB_REFRESH : FERRY_OP_DB_COPY, to, params, hooks,
			activity, err);
	json_decref(params);
	return rc;
}

int ferry_db_refresh(struct ferry_ctx *ctx, const char *from, const char *to,
		     const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err)
{
	return copy_or_refresh(ctx, from, to, 1, hooks, activity, err);
}

int ferry_db_copy(struct ferry_ctx *ctx, const char *from, const char *to,
		  const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err)
{
	return copy_or_refresh(ctx, from, to, 0, hooks, activity, err);
}

int ferry_env_data_upgrade(struct ferry_ctx *ctx, const char *env, const char *package,
			   const struct ferry_op_hooks *hooks, char activity[37],
			   struct ferry_error *err)
{
	struct ferry_asset a;
	struct ferry_env e;
	json_t *last = NULL, *params;
	char sha[65];
	const char *from;
	int rc;

	if (activity)
		activity[0] = '\0';
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if (e.role != FERRY_ROLE_DEVELOPMENT)
		return ferry_error_set(err, FERRY_EREFUSED,
			"a data upgrade rehearsal runs in a development environment; '%s' is a %s: "
			"upgrade it with 'ferry upgrade begin %s --to RELEASE'", env,
			ferry_env_role_name(e.role), env);
	if ((rc = deployed(ctx, env, err)))
		return rc;
	if ((rc = ferry_refresh_last(ctx, env, &last, err)) < 0)
		return rc;
	if (rc == 0)
		return ferry_error_set(err, FERRY_ESTATE,
			"no database was copied into '%s': copy production's first ('ferry db copy "
			"--from PROD --to %s')", env, env);
	from = json_string_value(json_object_get(last, "source_release"));
	if (package) {
		if ((rc = ferry_asset_resolve(ctx, e.project, package, &a, err)))
			goto out;
		if (strcmp(a.type, "data-upgrade")) {
			rc = ferry_error_set(err, FERRY_EINVAL, "package %s %s is of type '%s', not "
					     "'data-upgrade'", a.name, a.version, a.type);
			goto out;
		}
		snprintf(sha, sizeof(sha), "%s", a.sha256);
	} else if ((rc = ferry_preflight_find_asset(ctx, e.project_id, "data-upgrade", e.app_release,
						     from, sha, err)) <= 0) {
		if (rc == 0)
			rc = ferry_error_set(err, FERRY_ENOTFOUND,
				"no data-upgrade package for release %s (from %s) in the asset library of "
				"project '%s': upload it with 'ferry asset upload FILE --project %s'",
				e.app_release, from, e.project, e.project);
		goto out;
	}
	params = json_pack("{s:s, s:s, s:s}", "package", sha, "from_release", from,
			   "to_release", e.app_release);
	rc = create_run(ctx, FERRY_OP_ENV_DATA_UPGRADE, env, params, hooks, activity, err);
	json_decref(params);
out:
	json_decref(last);
	return rc;
}
