/* SPDX-License-Identifier: MIT */
/* servicing_rollback.c: the "env.rollback" operation kind: the previous release
 * back, the database back to the apply's restore point, the service up. */
#include "lifecycle/servicing_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *param(const struct ferry_op *op, const char *key)
{
	return json_string_value(json_object_get(op->params, key));
}

static int st_stop(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc;

	if ((rc = svc_runtime(run, &rt, err)))
		return rc;
	if (!(rc = ferry_runtime_stop(rt, 0, NULL, err)))
		ferry_op_log(run, "service stopped");
	ferry_runtime_free(rt);
	return rc;
}

static int st_restore_release(struct ferry_op_run *run, struct ferry_error *err)
{
	const char *rel = param(run->op, "release");
	char cur[FERRY_RELEASE_ID_MAX];
	struct ferry_runtime *rt = NULL;
	int rc;

	if (!rel)
		return ferry_error_set(err, FERRY_EINTERNAL, "rollback without a previous release");
	if ((rc = svc_runtime(run, &rt, err)))
		return rc;
	if (ferry_runtime_release_current(rt, cur) || strcmp(cur, rel)) {
		if ((rc = ferry_runtime_release_switch(rt, rel, err)))
			goto out;
		ferry_op_log(run, "current release is '%s' again (was '%s')", rel, cur);
	} else {
		ferry_op_log(run, "current release already '%s'", rel);
	}
	if (svc_main_slot(run->op) && param(run->op, "app_release") && param(run->op, "platform"))
		rc = ferry_store_run(run->ctx->store, err,
			"UPDATE environments SET app_release = ?, platform = ?, updated_ms = ? WHERE id = ?",
			"ttii", param(run->op, "app_release"), param(run->op, "platform"), ferry_now_ms(),
			run->op->env_id);
out:
	ferry_runtime_free(rt);
	return rc;
}

static int st_restore_db(struct ferry_op_run *run, struct ferry_error *err)
{
	const char *rp = param(run->op, "restore_point");
	struct ferry_runtime *rt = NULL;
	int rc;

	if (!rp) {
		ferry_op_log(run, "the package deployment took no restore point: the database was not touched");
		return FERRY_OP_SKIP;
	}
	if ((rc = svc_runtime(run, &rt, err)))
		return rc;
	if (!(rc = ferry_runtime_db_restore(rt, rp, err)))
		ferry_op_log(run, "database restored from restore point '%s'", rp);
	ferry_runtime_free(rt);
	return rc;
}

static int st_start(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	char url[FERRY_RUNTIME_URL_MAX];
	int rc;

	if ((rc = svc_runtime(run, &rt, err)))
		return rc;
	rc = ferry_runtime_start(rt, 0, NULL, err);
	ferry_runtime_url(rt, url);
	if (!rc)
		ferry_op_log(run, "started and ready at %s", url);
	ferry_runtime_free(rt);
	return rc;
}

static int st_health(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	json_t *app = NULL;
	char url[FERRY_RUNTIME_URL_MAX], full[256], body[256];
	const char *vp;
	long status = 0;
	int rc;

	if ((rc = svc_runtime(run, &rt, err)) ||
	    (rc = ferry_runtime_release_manifest(rt, NULL, &app, err)))
		goto out;
	ferry_runtime_url(rt, url);
	vp = json_string_value(json_object_get(json_object_get(app, "service"), "version"));
	if ((rc = ferry_fmt(full, sizeof(full), err, "version URL", "%s%s", url, vp ? vp : "/version")) ||
	    (rc = svc_http_get(full, body, sizeof(body), &status, err)))
		goto out;
	body[strcspn(body, "\r\n")] = '\0';
	if (status != 200) {
		rc = ferry_error_set(err, FERRY_EFAILED, "GET %s answered HTTP %ld", full, status);
		goto out;
	}
	ferry_op_log(run, "GET %s: %s", full, body);
	ferry_op_result_set(run, json_pack("{s:s}", "version", body));
out:
	json_decref(app);
	ferry_runtime_free(rt);
	return rc;
}

/* The rolled-back release tree and the extracted package go; the restore point
 * stays (it is the state the environment is in now). */
static int st_cleanup(struct ferry_op_run *run, struct ferry_error *err)
{
	char *work = svc_work_dir(run->ctx, param(run->op, "apply") ? param(run->op, "apply") : "-");
	int rc;

	if (!work)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = ferry_rm_rf(work, err);
	if (!rc)
		ferry_op_log(run, "removed %s", work);
	free(work);
	return rc;
}

static int rollback_on_state(struct ferry_op_run *run, enum ferry_op_state to,
			     struct ferry_error *err)
{
	switch (to) {
	case FERRY_OP_RUNNING: return svc_env_state(run, FERRY_ENV_SERVICING, err);
	case FERRY_OP_FAILED:
	case FERRY_OP_INTERRUPTED: return svc_env_state(run, FERRY_ENV_FAILED, err);
	case FERRY_OP_SUCCEEDED: return svc_env_state(run, FERRY_ENV_DEPLOYED, err);
	default: return 0;
	}
}

static const struct ferry_op_step_def rollback_steps[] = {
	{ "stop", st_stop, 0, "stop the service" },
	{ "restore-release", st_restore_release, 0, "switch back to the previous release" },
	{ "restore-database", st_restore_db, 0, "database back to the restore point" },
	{ "start", st_start, 0, "start the service" },
	{ "health-check", st_health, 0, "health check and version" },
	{ "cleanup", st_cleanup, 0, "remove the extracted package" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_env_rollback = {
	FERRY_OP_ENV_ROLLBACK, "roll back the last package deployment", rollback_steps, NULL,
	rollback_on_state, NULL
};
