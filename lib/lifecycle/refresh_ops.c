/* SPDX-License-Identifier: MIT */
/* refresh_ops.c: the steps of the operation kinds db.refresh (a consistent online
 * snapshot of the source, scrubbed, into a stopped target on the same release),
 * db.copy (into a development environment across releases) and env.data-upgrade (the
 * data upgrade rehearsal there, its step timings recorded). The commands that start
 * them are refresh_cmd.c; the rows they write, refresh_record.c. */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/runtime/runtime.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *pstr(struct ferry_op_run *run, const char *key)
{
	return json_string_value(json_object_get(run->op->params, key));
}

static int release_manifest(struct ferry_runtime *rt, struct ferry_manifest **m,
			    struct ferry_error *err)
{
	json_t *j = NULL;
	char *text;
	int rc;

	*m = NULL;
	if ((rc = ferry_runtime_release_manifest(rt, NULL, &j, err)))
		return rc;
	text = json_dumps(j, 0);
	rc = text ? ferry_manifest_parse(text, strlen(text), m, err)
		  : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(text);
	json_decref(j);
	return rc;
}

/* The environment state follows the operation (on the target's main runtime). */
static int target_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt = NULL;
	int running = 0;

	switch (to) {
	case FERRY_OP_RUNNING:
		return ferry_env_set_state(run->ctx, run->op->env_id, FERRY_ENV_SERVICING, err);
	case FERRY_OP_FAILED:
	case FERRY_OP_INTERRUPTED:
		return ferry_env_set_state(run->ctx, run->op->env_id, FERRY_ENV_FAILED, err);
	case FERRY_OP_SUCCEEDED:
	case FERRY_OP_ABORTED:
		if (!ferry_runtime_open(run->ctx, run->op->env, NULL, 0, &rt, NULL)) {
			ferry_runtime_status(rt, 0, &st);
			running = st.running;
		}
		ferry_runtime_free(rt);
		return ferry_env_set_state(run->ctx, run->op->env_id,
					   running ? FERRY_ENV_DEPLOYED : FERRY_ENV_STOPPED, err);
	default:
		return 0;
	}
}

static int open_rt(struct ferry_op_run *run, const char *env, struct ferry_runtime **rt,
		   struct ferry_error *err)
{
	return ferry_runtime_open(run->ctx, env, NULL, 0, rt, err);
}

/* ---- db.refresh and db.copy ---- */

static int rf_check(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *src = NULL, *dst = NULL;
	int rc;

	if (!(rc = open_rt(run, pstr(run, "source"), &src, err)) &&
	    !(rc = open_rt(run, run->op->env, &dst, err)))
		ferry_op_log(run, "%s of '%s' (%s) into '%s' (%s)", run->op->kind, pstr(run, "source"),
			     ferry_runtime_database(src), run->op->env, ferry_runtime_database(dst));
	ferry_runtime_free(src);
	ferry_runtime_free(dst);
	return rc;
}

static int rf_stop_target(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *dst = NULL;
	int rc;

	if ((rc = open_rt(run, run->op->env, &dst, err)))
		return rc;
	if (!(rc = ferry_runtime_stop(dst, 0, NULL, err)))
		ferry_op_log(run, "'%s' is stopped for the copy", run->op->env);
	ferry_runtime_free(dst);
	return rc;
}

static int rf_copy(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *src = NULL, *dst = NULL;
	int64_t at = ferry_now_ms();
	int rc;

	if ((rc = open_rt(run, pstr(run, "source"), &src, err)) ||
	    (rc = open_rt(run, run->op->env, &dst, err)))
		goto out;
	ferry_op_progress(run, 0, 1);
	if ((rc = ferry_runtime_db_copy(src, dst, err)))
		goto out;
	ferry_op_result_set(run, json_pack("{s:I, s:I}", "snapshot_ms", (json_int_t)at,
					   "bytes", (json_int_t)up_db_bytes(dst)));
	ferry_op_log(run, "consistent snapshot of '%s' copied while it kept serving (%lld bytes)",
		     pstr(run, "source"), (long long)up_db_bytes(dst));
out:
	ferry_runtime_free(src);
	ferry_runtime_free(dst);
	return rc;
}

static int rf_scrub(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *src = NULL, *dst = NULL;
	struct ferry_manifest *m = NULL;
	char *rdir = NULL;
	int rc, copy = 0;

	if ((rc = open_rt(run, pstr(run, "source"), &src, err)) ||
	    (rc = open_rt(run, run->op->env, &dst, err)) || (rc = release_manifest(src, &m, err)))
		goto out;
	if (!m->scrub.n) {
		ferry_op_log(run, "application %s %s declares no scrub steps", m->name, m->version);
		goto out;
	}
	ferry_op_log(run, "scrubbing the copy with %zu steps of %s %s", m->scrub.n, m->name, m->version);
	/* The steps of the release the data comes from (here, or fetched from its host),
	 * run on the copy. */
	if (!(rc = ferry_runtime_release_local(src, NULL, &rdir, &copy, err)))
		rc = up_steps_run(run, dst, rdir, &m->scrub, "scrub", err);
out:
	if (copy)
		ferry_rm_rf(rdir, NULL);
	free(rdir);
	ferry_manifest_free(m);
	ferry_runtime_free(src);
	ferry_runtime_free(dst);
	return rc;
}

static int rf_start_target(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *dst = NULL;
	char url[FERRY_RUNTIME_URL_MAX];
	int rc, already = 0;

	if (!json_is_true(json_object_get(run->op->params, "start"))) {
		ferry_op_log(run, "'%s' stays stopped: its release (%s) differs from the data's (%s); "
			     "run 'ferry env data-upgrade %s'", run->op->env, pstr(run, "target_release"),
			     pstr(run, "source_release"), run->op->env);
		return FERRY_OP_SKIP;
	}
	if ((rc = open_rt(run, run->op->env, &dst, err)))
		return rc;
	if (!(rc = ferry_runtime_start(dst, 0, &already, err))) {
		ferry_runtime_url(dst, url);
		ferry_op_log(run, "'%s' serves the refreshed data on %s", run->op->env, url);
	}
	ferry_runtime_free(dst);
	return rc;
}

static int rf_record(struct ferry_op_run *run, struct ferry_error *err)
{
	json_t *copy = ferry_op_result_get(run, "copy");
	int64_t at = json_integer_value(json_object_get(copy, "snapshot_ms"));
	int rc;

	json_decref(copy);
	if (!(rc = up_refresh_record(run, at, err)))
		ferry_op_log(run, "recorded: '%s' holds data of '%s' (%s) as of its snapshot",
			     run->op->env, pstr(run, "source"), pstr(run, "source_release"));
	return rc;
}

static const struct ferry_op_step_def refresh_steps[] = {
	{ "check", rf_check, 0, "source and target" },
	{ "stop-target", rf_stop_target, 0, "stop the target" },
	{ "copy", rf_copy, 0, "online snapshot of the source into the target" },
	{ "scrub", rf_scrub, 0, "scrub the copy (users, batch jobs, secrets, mail)" },
	{ "start-target", rf_start_target, 0, "start the target" },
	{ "record", rf_record, 0, "record the refresh" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_db_refresh = {
	FERRY_OP_DB_REFRESH, "database refresh", refresh_steps, NULL, target_state, NULL
};

const struct ferry_op_kind ferry_op_kind_db_copy = {
	FERRY_OP_DB_COPY, "database copy into development", refresh_steps, NULL, target_state, NULL
};

/* ---- env.data-upgrade (the rehearsal) ---- */

static int du_check(struct ferry_op_run *run, struct ferry_error *err)
{
	ferry_op_log(run, "data upgrade rehearsal on '%s': data of %s, package %.12s for %s",
		     run->op->env, pstr(run, "from_release"), pstr(run, "package"),
		     pstr(run, "to_release"));
	return 0;
}

static int du_fetch(struct ferry_op_run *run, struct ferry_error *err)
{
	char *dir = up_work_dir(run->ctx, run->op->activity_id, "data-upgrade");
	int rc = dir ? up_fetch_asset(run, pstr(run, "package"), dir, err)
		     : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(dir);
	return rc;
}

static int du_stop(struct ferry_op_run *run, struct ferry_error *err)
{
	return rf_stop_target(run, err);
}

static int du_restore_point(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	struct ferry_envdb *db = NULL;
	char rp[64];
	int rc;

	snprintf(rp, sizeof(rp), "pre-data-upgrade-%lld", (long long)run->op->id);
	if ((rc = open_rt(run, run->op->env, &rt, err)) || (rc = ferry_runtime_db(rt, &db, err)))
		goto out;
	ferry_op_result_set(run, json_pack("{s:s, s:I}", "name", rp, "db_bytes",
					   (json_int_t)up_db_bytes(rt)));
	if (!(rc = ferry_envdb_rp_create(db, rp, err)))
		ferry_op_log(run, "restore point %s (%lld bytes, %s)", rp, (long long)up_db_bytes(rt),
			     ferry_envdb_copy_method(db) ? ferry_envdb_copy_method(db) : "copy");
out:
	ferry_envdb_free(db);
	ferry_runtime_free(rt);
	return rc;
}

static int du_data_upgrade(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	struct ferry_manifest *m = NULL;
	char *dir = up_work_dir(run->ctx, run->op->activity_id, "data-upgrade"), rp[64];
	int rc;

	if (!dir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	snprintf(rp, sizeof(rp), "pre-data-upgrade-%lld", (long long)run->op->id);
	if (!(rc = open_rt(run, run->op->env, &rt, err)) && !(rc = up_manifest(dir, &m, err)))
		rc = up_steps_run_rp(run, rt, dir, &m->data_upgrade, "data-upgrade", rp, err);
	ferry_manifest_free(m);
	ferry_runtime_free(rt);
	free(dir);
	return rc;
}

static int du_start(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc, already = 0;

	if ((rc = open_rt(run, run->op->env, &rt, err)))
		return rc;
	if (!(rc = ferry_runtime_start(rt, 0, &already, err)))
		ferry_op_log(run, "'%s' started on the upgraded data", run->op->env);
	ferry_runtime_free(rt);
	return rc;
}

static int du_dvt(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc;

	if (!(rc = open_rt(run, run->op->env, &rt, err)) && !(rc = up_health(run, rt, err)))
		rc = up_dvt(run, rt, err);
	ferry_runtime_free(rt);
	return rc;
}

static int du_record(struct ferry_op_run *run, struct ferry_error *err)
{
	json_t *steps = up_op_step_ms(run->ctx, run->op->id);
	json_t *data = up_steps_journal(run->ctx, run->op->id, "data-upgrade");
	json_t *rp = ferry_op_result_get(run, "restore-point");
	int64_t total = 0;
	const char *k;
	json_t *v;
	int rc;

	json_object_foreach(steps, k, v)
		total += json_integer_value(v);
	rc = up_rehearsal_record(run, json_integer_value(json_object_get(rp, "db_bytes")), total,
				 steps, data, err);
	if (!rc) {
		char *work = up_work_dir(run->ctx, run->op->activity_id, NULL);
		if (work)
			ferry_rm_rf(work, NULL);
		free(work);
		ferry_op_log(run, "rehearsal recorded: %s -> %s in %lld ms; it predicts the downtime of "
			     "the upgrades of project '%s'", pstr(run, "from_release"),
			     pstr(run, "to_release"), (long long)total, run->op->project);
	}
	json_decref(rp);
	json_decref(steps);
	json_decref(data);
	return rc;
}

static const struct ferry_op_step_def du_steps[] = {
	{ "check", du_check, 0, "the rehearsal's source and package" },
	{ "fetch", du_fetch, 0, "verify and extract the data-upgrade package" },
	{ "stop", du_stop, 0, "stop the environment" },
	{ "restore-point", du_restore_point, 0, "restore point of its database" },
	{ "data-upgrade", du_data_upgrade, 0, "run the data-upgrade package" },
	{ "start", du_start, 0, "start it on the upgraded data" },
	{ "dvt", du_dvt, 0, "health and DVT" },
	{ "record", du_record, 0, "record the rehearsal and its timings" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_env_data_upgrade = {
	FERRY_OP_ENV_DATA_UPGRADE, "data upgrade rehearsal", du_steps, NULL, target_state, NULL
};
