/* SPDX-License-Identifier: MIT */
/* upgrade_ops.c: the steps of the operation kinds upgrade.prepare (the
 * upgrade-in-progress environment on the target release with an empty database),
 * upgrade.commit (the original retired) and upgrade.cancel (the upgrade-in-progress
 * environment gone). Each step loads what it works on with up_step_load(); the data
 * upgrade and the rollback are upgrade_data_ops.c. */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/runtime/runtime.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE, "app", &s, err)))
		return rc;
	rc = up_fetch_asset(run, s.u.app_asset, s.work, err);
	up_step_release(&s);
	return rc;
}

static int pr_create_runtime(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	char url[FERRY_RUNTIME_URL_MAX];
	int rc;

	const char *host = json_string_value(json_object_get(run->op->params, "host"));

	if ((rc = ferry_runtime_open_on(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, host, &rt, err)))
		return rc;
	ferry_runtime_url(rt, url);
	ferry_op_log(run, "upgrade-in-progress environment on host %s in %s at %s, new empty "
		     "database %s", ferry_runtime_host(rt), ferry_runtime_dir(rt), url,
		     ferry_runtime_database(rt));
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
	char id[FERRY_RELEASE_ID_MAX];
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_NEED_SLOT, "app", &s, err)))
		return rc;
	if (runs_package(s.up, s.work))
		ferry_op_log(run, "the target release is already installed and current");
	else if (!(rc = ferry_runtime_deploy(run->ctx, run->op->env, s.work, &o, id, err)))
		ferry_op_log(run, "release %s installed on the upgrade-in-progress environment", id);
	up_step_release(&s);
	return rc;
}

static int pr_start(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc, already = 0;

	if ((rc = up_step_load(run, UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	if (!(rc = ferry_runtime_config_write(s.up, err)) &&
	    !(rc = ferry_runtime_start(s.up, 0, &already, err)))
		ferry_op_log(run, already ? "already running" : "started");
	up_step_release(&s);
	return rc;
}

static int pr_health(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	rc = up_health(run, s.up, err);
	up_step_release(&s);
	return rc;
}

static int pr_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	return up_phase_on_success(run, to, FERRY_UP_PREPARED, err);
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
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_SLOT, NULL, &s, err)))
		return rc;
	if (s.up && !(rc = ferry_runtime_stop(s.up, 0, NULL, err)))
		ferry_op_log(run, "upgrade-in-progress environment stopped");
	up_step_release(&s);
	return rc;
}

static int ca_remove(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	rc = up_step_remove_slot(run, &s, err);
	up_step_release(&s);
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
	char rel[160], *envdir;
	struct up_step s;
	size_t i;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN, NULL, &s, err)))
		return rc;
	snprintf(rel, sizeof(rel), "environments/%s", run->op->env);
	envdir = ferry_ctx_path(run->ctx, rel);
	for (i = 0; envdir && !rc && strcmp(envdir, ferry_runtime_dir(s.orig)) &&
		    i < sizeof(owned) / sizeof(owned[0]); i++) {
		char *p = ferry_path_join(envdir, owned[i]);
		rc = p ? ferry_rm_rf(p, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
	}
	free(envdir);
	up_step_release(&s);
	return rc;
}

static int co_retire(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc, slot;

	if ((rc = up_step_load(run, UPS_SLOT, NULL, &s, err)))
		return rc;
	slot = s.up != NULL;
	up_step_release(&s);
	if (slot) {
		if ((rc = ferry_runtime_promote(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, err)))
			return rc;
		/* a route to it (another host) is now the main runtime's own address */
		if ((rc = ferry_runtime_route(run->ctx, run->op->env, NULL, err)))
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
	struct ferry_envdb *db = NULL;
	char *staging;
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN, NULL, &s, err)))
		return rc;
	staging = ferry_runtime_path(s.orig, "db/app.db");
	if (staging && strcmp(staging, ferry_runtime_database(s.orig)) &&
	    !ferry_envdb_open(staging, &db, NULL) && ferry_envdb_exists(db)) {
		if (!(rc = ferry_envdb_drop(db, err)))
			ferry_op_log(run, "dropped the empty database the preparation created (%s)", staging);
	}
	ferry_envdb_free(db);
	free(staging);
	up_step_release(&s);
	return rc;
}

static int co_record(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_of_run(run, &u, err)) ||
	    (rc = up_env_release(run->ctx, u.env_id, u.to_release, u.to_platform, err)))
		return rc;
	up_baseline_drop(run, &u);   /* no rollback after a commit: nothing to compare */
	up_rm_work(run->ctx, &u);
	ferry_op_log(run, "'%s' runs %s/%s", u.env, u.to_release, u.to_platform);
	return 0;
}

static int co_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	return up_finish_on_success(run, to, FERRY_UP_COMMITTED, NULL, err);
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
