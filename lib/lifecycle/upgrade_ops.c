/* upgrade_ops.c: the operation kinds upgrade.prepare (the upgrade-in-progress
 * environment on the target release with an empty database), upgrade.commit (the
 * original retired) and upgrade.cancel (the upgrade-in-progress environment gone). */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The upgrade slot's runtime: 1 (and *rt), 0 when there is none. */
static int up_rt(struct ferry_op_run *run, struct ferry_runtime **rt, struct ferry_error *err)
{
	int rc = ferry_runtime_open(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, 0, rt, err);

	if (rc == FERRY_ENOTFOUND) {
		ferry_error_clear(err);
		*rt = NULL;
		return 0;
	}
	return rc ? rc : 1;
}

/* ---- upgrade.prepare ---- */

static int pr_check(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_of_run(run, &u, err)))
		return rc;
	if (strcmp(u.phase, FERRY_UP_PREPARING))
		return ferry_error_set(err, FERRY_ESTATE, "the upgrade of '%s' is in phase '%s', not "
				       "preparing", u.env, u.phase);
	ferry_op_log(run, "preparing the upgrade of '%s' from %s/%s to %s/%s (application package "
		     "%.12s); the original keeps serving", u.env, u.from_release, u.from_platform,
		     u.to_release, u.to_platform, u.app_asset);
	return 0;
}

static int pr_fetch(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	char *dir = up_work_dir(run->ctx, run->op->activity_id, "app");
	int rc;

	if (!dir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!(rc = up_of_run(run, &u, err)))
		rc = up_fetch_asset(run, u.app_asset, dir, err);
	free(dir);
	return rc;
}

static int pr_create_runtime(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	char url[64];
	int rc;

	if ((rc = ferry_runtime_open(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, 1, &rt, err)))
		return rc;
	ferry_runtime_url(rt, url);
	ferry_op_log(run, "upgrade-in-progress environment in %s at %s, new empty database %s",
		     ferry_runtime_dir(rt), url, ferry_runtime_database(rt));
	ferry_op_result_set(run, json_pack("{s:s, s:i, s:s}", "dir", ferry_runtime_dir(rt),
					   "port", ferry_runtime_port(rt), "database",
					   ferry_runtime_database(rt)));
	ferry_runtime_free(rt);
	return 0;
}

/* Is the runtime's current release the package in dir (same name and version)? */
static int runs_package(struct ferry_runtime *rt, const char *dir)
{
	struct ferry_manifest *m = NULL;
	json_t *cur = NULL;
	int same = 0;

	if (!up_manifest(dir, &m, NULL) && !ferry_runtime_release_manifest(rt, NULL, &cur, NULL))
		same = !strcmp(m->name, json_string_value(json_object_get(cur, "name")) ?
			       json_string_value(json_object_get(cur, "name")) : "") &&
		       !strcmp(m->version, json_string_value(json_object_get(cur, "version")) ?
			       json_string_value(json_object_get(cur, "version")) : "");
	ferry_manifest_free(m);
	json_decref(cur);
	return same;
}

static int pr_deploy(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_deploy_opts o = { .slot = FERRY_SLOT_UPGRADE, .no_start = 1 };  /* database: beside the main one */
	struct ferry_runtime *rt = NULL;
	char id[FERRY_RELEASE_ID_MAX];
	char *dir = up_work_dir(run->ctx, run->op->activity_id, "app");
	int rc;

	if (!dir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_runtime_open(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, 0, &rt, err)))
		goto out;
	if (runs_package(rt, dir)) {
		ferry_op_log(run, "the target release is already installed and current");
		goto out;
	}
	if ((rc = ferry_runtime_deploy(run->ctx, run->op->env, dir, &o, id, err)))
		goto out;
	ferry_op_log(run, "release %s installed on the upgrade-in-progress environment", id);
out:
	ferry_runtime_free(rt);
	free(dir);
	return rc;
}

static int pr_start(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc, already = 0;

	if ((rc = ferry_runtime_open(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, 0, &rt, err)))
		return rc;
	if (!(rc = ferry_runtime_config_write(rt, err)) &&
	    !(rc = ferry_runtime_start(rt, 0, &already, err)))
		ferry_op_log(run, already ? "already running" : "started");
	ferry_runtime_free(rt);
	return rc;
}

static int pr_health(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc;

	if ((rc = ferry_runtime_open(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, 0, &rt, err)))
		return rc;
	rc = up_health(run, rt, err);
	ferry_runtime_free(rt);
	return rc;
}

static int pr_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if (to != FERRY_OP_SUCCEEDED)
		return 0;
	if ((rc = up_of_run(run, &u, err)))
		return rc;
	return up_set_phase(run->ctx, u.id, FERRY_UP_PREPARED, err);
}

int up_refuse_abort(struct ferry_op_run *run, struct ferry_error *err)
{
	return ferry_error_set(err, FERRY_EREFUSED,
		"an upgrade operation is not aborted on its own: resume it with 'ferry upgrade resume "
		"%s', or cancel (before the data upgrade) or roll back the upgrade", run->op->env);
}

static const struct ferry_op_step_def prepare_steps[] = {
	{ "check", pr_check, 0, "check the upgrade and its target" },
	{ "fetch", pr_fetch, 0, "verify and extract the target's application package" },
	{ "create-runtime", pr_create_runtime, 0, "upgrade-in-progress environment: port, new empty database" },
	{ "deploy", pr_deploy, 0, "install the target release" },
	{ "start", pr_start, 0, "start the upgrade-in-progress environment" },
	{ "health-check", pr_health, 0, "health check" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_upgrade_prepare = {
	FERRY_OP_UPGRADE_PREPARE, "prepare a self-service upgrade", prepare_steps, NULL,
	pr_on_state, up_refuse_abort
};

/* ---- upgrade.cancel ---- */

static int ca_stop(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc = up_rt(run, &rt, err);

	if (rc == 1 && !(rc = ferry_runtime_stop(rt, 0, NULL, err)))
		ferry_op_log(run, "upgrade-in-progress environment stopped");
	ferry_runtime_free(rt);
	return rc < 0 ? rc : 0;
}

static int ca_remove(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	char *dir = NULL;
	int rc = up_rt(run, &rt, err);

	if (rc <= 0) {
		if (!rc)
			ferry_op_log(run, "no upgrade-in-progress environment left");
		return rc;
	}
	if (!(dir = strdup(ferry_runtime_dir(rt)))) {
		ferry_runtime_free(rt);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	if (!(rc = ferry_runtime_destroy(rt, 1, err)) && !(rc = ferry_rm_rf(dir, err)))
		ferry_op_log(run, "removed the upgrade-in-progress environment (%s), its port and database", dir);
	free(dir);
	ferry_runtime_free(rt);
	return rc;
}

static int ca_remove_work(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_of_run(run, &u, err)))
		return rc;
	up_rm_work(run->ctx, &u);
	ferry_op_log(run, "work files of the upgrade removed");
	return 0;
}

static int ca_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	return up_finish_on_success(run, to, FERRY_UP_CANCELLED,
				    json_string_value(json_object_get(run->op->params, "reason")), err);
}

static const struct ferry_op_step_def cancel_steps[] = {
	{ "stop-upgrade", ca_stop, 0, "stop the upgrade-in-progress environment" },
	{ "remove-upgrade-runtime", ca_remove, 0, "remove it: release, port, database" },
	{ "remove-work", ca_remove_work, 0, "remove the upgrade's work files" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_upgrade_cancel = {
	FERRY_OP_UPGRADE_CANCEL, "cancel a self-service upgrade", cancel_steps, NULL,
	ca_on_state, up_refuse_abort
};

/* ---- upgrade.commit ---- */

static int co_check(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_of_run(run, &u, err)))
		return rc;
	ferry_op_log(run, "committing the upgrade of '%s' to %s/%s; the restore point %s is kept "
		     "for the retention period", u.env, u.to_release, u.to_platform, u.restore_point);
	return 0;
}

/* Files of a retired main runtime left in the environment's directory. */
static int rm_retired_files(struct ferry_op_run *run, struct ferry_error *err)
{
	static const char *const owned[] = { "releases", "current", "state", "config.json" };
	struct ferry_runtime *rt = NULL;
	char rel[160], *envdir;
	size_t i;
	int rc;

	if ((rc = ferry_runtime_open(run->ctx, run->op->env, NULL, 0, &rt, err)))
		return rc;
	snprintf(rel, sizeof(rel), "environments/%s", run->op->env);
	envdir = ferry_ctx_path(run->ctx, rel);
	for (i = 0; envdir && !rc && strcmp(envdir, ferry_runtime_dir(rt)) &&
		    i < sizeof(owned) / sizeof(owned[0]); i++) {
		char *p = ferry_path_join(envdir, owned[i]);
		rc = p ? ferry_rm_rf(p, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
	}
	free(envdir);
	ferry_runtime_free(rt);
	return rc;
}

static int co_retire(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc = up_rt(run, &rt, err);

	ferry_runtime_free(rt);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if ((rc = ferry_runtime_promote(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, err)))
			return rc;
		ferry_op_log(run, "the upgraded environment is now the environment; the original "
			     "runtime is retired");
	} else {
		ferry_op_log(run, "the original runtime was already retired");
	}
	return rm_retired_files(run, err);
}

static int co_drop_staging(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	struct ferry_envdb *db = NULL;
	char *staging = NULL;
	int rc;

	if ((rc = ferry_runtime_open(run->ctx, run->op->env, NULL, 0, &rt, err)))
		return rc;
	staging = ferry_runtime_path(rt, "db/app.db");
	if (staging && strcmp(staging, ferry_runtime_database(rt)) &&
	    !ferry_envdb_open(staging, &db, NULL) && ferry_envdb_exists(db)) {
		if (!(rc = ferry_envdb_drop(db, err)))
			ferry_op_log(run, "dropped the empty database the preparation created (%s)", staging);
	}
	ferry_envdb_free(db);
	free(staging);
	ferry_runtime_free(rt);
	return rc;
}

static int co_record(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_of_run(run, &u, err)) ||
	    (rc = up_env_release(run->ctx, u.env_id, u.to_release, u.to_platform, err)))
		return rc;
	up_rm_work(run->ctx, &u);
	ferry_op_log(run, "'%s' runs %s/%s", u.env, u.to_release, u.to_platform);
	return 0;
}

static int co_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	return up_finish_on_success(run, to, FERRY_UP_COMMITTED,
				    NULL, err);
}

static const struct ferry_op_step_def commit_steps[] = {
	{ "check", co_check, 0, "check the upgrade" },
	{ "retire-original", co_retire, 0, "the upgraded environment replaces the original" },
	{ "drop-staging-database", co_drop_staging, 0, "drop the preparation's empty database" },
	{ "record", co_record, 0, "record the environment's new release" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_upgrade_commit = {
	FERRY_OP_UPGRADE_COMMIT, "commit a self-service upgrade", commit_steps, NULL,
	co_on_state, up_refuse_abort
};
