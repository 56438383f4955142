/* SPDX-License-Identifier: MIT */
/* servicing_apply.c: the "env.apply" operation kind: fetch, restore point, stop,
 * install, scripts, start, health check, DVT, sign-off. Every step is idempotent:
 * a step cut short runs again on resume and reaches the same end state. */
#include "lifecycle/servicing_int.h"

#include "ferry/package/asset.h"
#include "ferry/base/buf.h"
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

#define SCRIPT_TIMEOUT_S 600

static const char *pkg_str(const struct ferry_op *op, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(op->params, "package"), key));
	return s ? s : "";
}

/* "<work>/pkg": where the package is extracted (caller frees). */
static char *pkg_dir(struct ferry_op_run *run)
{
	char *work = svc_work_dir(run->ctx, run->op->activity_id), *p;

	p = work ? ferry_path_join(work, "pkg") : NULL;
	free(work);
	return p;
}

static int load_pkg_manifest(struct ferry_op_run *run, struct ferry_manifest **m,
			     struct ferry_error *err)
{
	char *dir = pkg_dir(run), *p = dir ? ferry_path_join(dir, "manifest.json") : NULL;
	int rc = p ? ferry_manifest_load(p, m, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(dir);
	free(p);
	return rc;
}

static void rp_name(const struct ferry_op *op, char out[64])
{
	snprintf(out, 64, "apply-%.8s", op->activity_id);
}

/* ---- fetch: the verified package, extracted once ------------------------- */

static int st_fetch(struct ferry_op_run *run, struct ferry_error *err)
{
	char *work = svc_work_dir(run->ctx, run->op->activity_id), *dir = pkg_dir(run), *man = NULL;
	int rc = 0;

	if (!work || !dir || !(man = ferry_path_join(dir, "manifest.json"))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (ferry_path_exists(man)) {
		ferry_op_log(run, "package already extracted in %s", dir);
		goto out;
	}
	if ((rc = ferry_rm_rf(dir, err)) || (rc = ferry_mkdir_p(work, 0700, err)))
		goto out;
	rc = ferry_asset_extract(run->ctx, run->op->project, pkg_str(run->op, "sha256"), dir, NULL, err);
	if (!rc)
		ferry_op_log(run, "verified and extracted %s %s (%s) into %s", pkg_str(run->op, "name"),
			     pkg_str(run->op, "version"), pkg_str(run->op, "sha256"), dir);
out:
	free(work);
	free(dir);
	free(man);
	return rc;
}

/* ---- restore point: the release and the database as they were ------------ */

static int st_restore_point(struct ferry_op_run *run, struct ferry_error *err)
{
	json_t *prev = ferry_op_result_get(run, "restore-point");
	struct ferry_runtime *rt = NULL;
	struct ferry_envdb *db = NULL;
	char cur[FERRY_RELEASE_ID_MAX], name[64];
	struct ferry_env e;
	int rc;

	if (prev) {  /* taken by an earlier attempt: never overwrite it with a changed database */
		ferry_op_log(run, "restore point '%s' of release '%s' already taken",
			     json_string_value(json_object_get(prev, "restore_point")),
			     json_string_value(json_object_get(prev, "release")));
		json_decref(prev);
		return 0;
	}
	if ((rc = ferry_env_get(run->ctx, run->op->env, &e, err)) || (rc = svc_runtime(run, &rt, err)))
		goto out;
	if (ferry_runtime_release_current(rt, cur)) {
		rc = ferry_error_set(err, FERRY_ESTATE, "environment '%s' has no current release",
				     run->op->env);
		goto out;
	}
	rp_name(run->op, name);
	if ((rc = ferry_runtime_db(rt, &db, err)) || (rc = ferry_envdb_rp_create(db, name, err)))
		goto out;
	ferry_op_log(run, "restore point '%s' of database %s; release '%s'", name,
		     ferry_envdb_conn(db), cur);
	ferry_op_result_set(run, json_pack("{s:s, s:s, s:s, s:s}", "release", cur,
		"restore_point", name, "app_release", e.app_release, "platform", e.platform));
out:
	ferry_envdb_free(db);
	ferry_runtime_free(rt);
	return rc;
}

static int st_stop(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc, killed = 0;

	if ((rc = svc_runtime(run, &rt, err)))
		return rc;
	rc = ferry_runtime_stop(rt, 0, &killed, err);
	if (!rc)
		ferry_op_log(run, "service stopped%s", killed ? " (SIGKILL after the grace period)" : "");
	ferry_runtime_free(rt);
	return rc;
}

/* ---- install: a new release tree, then the switch ------------------------ */

static int has_layer(const json_t *rel, const char *name, const char *version)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(rel, "packages"), i, l)
		if (!strcmp(json_string_value(json_object_get(l, "name")) ?: "", name) &&
		    !strcmp(json_string_value(json_object_get(l, "version")) ?: "", version))
			return 1;
	return 0;
}

/* A release an earlier attempt built from `base` with this package, or "". */
static int find_built(struct ferry_runtime *rt, const char *base, const char *name,
		      const char *version, int whole, char out[FERRY_RELEASE_ID_MAX],
		      struct ferry_error *err)
{
	json_t *list, *r;
	size_t i;
	int rc;

	out[0] = '\0';
	if ((rc = ferry_runtime_release_list(rt, &list, err)))
		return rc;
	json_array_foreach(list, i, r) {
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *b = json_string_value(json_object_get(r, "base"));
		if (!id || !strcmp(id, base) || !has_layer(r, name, version))
			continue;
		if (whole ? b == NULL : (b && !strcmp(b, base)))
			snprintf(out, FERRY_RELEASE_ID_MAX, "%s", id);
	}
	json_decref(list);
	return 0;
}

static int set_env_release(struct ferry_op_run *run, const struct ferry_manifest *m,
			   struct ferry_error *err)
{
	if (!svc_main_slot(run->op))
		return 0;
	if (m->provides_release && (m->type == FERRY_PKG_APPLICATION))
		return ferry_store_run(run->ctx->store, err,
			"UPDATE environments SET app_release = ?, platform = COALESCE(?, platform), "
			"updated_ms = ? WHERE id = ?", "ttii", m->provides_release, m->provides_platform,
			ferry_now_ms(), run->op->env_id);
	if (m->provides_platform)
		return ferry_store_run(run->ctx->store, err,
			"UPDATE environments SET platform = ?, updated_ms = ? WHERE id = ?", "tii",
			m->provides_platform, ferry_now_ms(), run->op->env_id);
	return 0;
}

static int st_install(struct ferry_op_run *run, struct ferry_error *err)
{
	json_t *rp = ferry_op_result_get(run, "restore-point");
	const char *base = json_string_value(json_object_get(rp, "release"));
	struct ferry_manifest *m = NULL;
	struct ferry_runtime *rt = NULL;
	char id[FERRY_RELEASE_ID_MAX], cur[FERRY_RELEASE_ID_MAX], *dir = pkg_dir(run);
	int rc, whole;

	if (!base || !dir) {
		rc = ferry_error_set(err, FERRY_EINTERNAL, "install: no restore point recorded");
		goto out;
	}
	if ((rc = load_pkg_manifest(run, &m, err)) || (rc = svc_runtime(run, &rt, err)))
		goto out;
	whole = m->type == FERRY_PKG_APPLICATION;
	if ((rc = find_built(rt, base, m->name, m->version, whole, id, err)))
		goto out;
	if (id[0]) {
		ferry_op_log(run, "release '%s' was already built by an earlier attempt", id);
	} else {
		rc = whole ? ferry_runtime_release_install(rt, dir, id, err)
			   : ferry_runtime_release_overlay(rt, dir, id, err);
		if (rc)
			goto out;
		ferry_op_log(run, "built release '%s' (%s %s %s release '%s')", id, m->name, m->version,
			     whole ? "replacing" : "laid over", base);
	}
	ferry_op_crashpoint(run, "built");
	if (ferry_runtime_release_current(rt, cur) || strcmp(cur, id)) {
		if ((rc = ferry_runtime_release_switch(rt, id, err)))
			goto out;
		ferry_op_log(run, "current release is now '%s'", id);
	}
	if ((rc = set_env_release(run, m, err)))
		goto out;
	ferry_op_result_set(run, json_pack("{s:s, s:s}", "release", id, "previous", base));
out:
	ferry_manifest_free(m);
	ferry_runtime_free(rt);
	json_decref(rp);
	free(dir);
	return rc;
}

/* ---- scripts: pre-install and post-install, against the restore point ---- */

static int run_script(struct ferry_op_run *run, struct ferry_runtime *rt, const char *dir,
		      const json_t *s, const char *phase, struct ferry_error *err)
{
	const char *name = json_string_value(json_object_get(s, "name"));
	const char *sql = json_string_value(json_object_get(s, "sql"));
	struct ferry_buf out = FERRY_BUF_INIT;
	int rc;

	if (sql) {
		char *p = ferry_path_join(dir, sql);
		rc = p ? svc_run_sql(rt, p, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
	} else {
		rc = ferry_runtime_exec(rt, json_object_get(s, "exec"), SCRIPT_TIMEOUT_S, &out, err);
		if (out.len) {
			char *line, *save = NULL;
			for (line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				ferry_op_log(run, "  %s", line);
		}
	}
	ferry_buf_release(&out);
	if (rc)
		return ferry_error_prefix(err, "%s script '%s'", phase, name ? name : "?");
	ferry_op_log(run, "%s script '%s' done", phase, name ? name : "?");
	return 0;
}

static int st_scripts(struct ferry_op_run *run, struct ferry_error *err)
{
	static const char *const phases[] = { "pre-install", "post-install", NULL };
	struct ferry_manifest *m = NULL;
	struct ferry_runtime *rt = NULL;
	json_t *rp = NULL, *scripts;
	char *dir = pkg_dir(run);
	size_t i, n = 0;
	int p, rc;

	if ((rc = load_pkg_manifest(run, &m, err)))
		goto out;
	scripts = json_object_get(m->root, "scripts");
	for (p = 0; phases[p]; p++)
		n += json_array_size(json_object_get(scripts, phases[p]));
	if (n == 0) {
		ferry_op_log(run, "the package has no install scripts");
		rc = FERRY_OP_SKIP;
		goto out;
	}
	if ((rc = svc_runtime(run, &rt, err)))
		goto out;
	if (run->attempt > 1) {
		/* an earlier attempt may have run some scripts: start again from the
		 * restore point, so every script runs exactly once on the result */
		rp = ferry_op_result_get(run, "restore-point");
		if ((rc = ferry_runtime_stop(rt, 0, NULL, err)) ||
		    (rc = ferry_runtime_db_restore(rt, json_string_value(json_object_get(rp, "restore_point")), err)))
			goto out;
		ferry_op_log(run, "database back at restore point '%s' before running the scripts again",
			     json_string_value(json_object_get(rp, "restore_point")));
	}
	for (p = 0; phases[p]; p++) {
		const json_t *s;
		json_array_foreach(json_object_get(scripts, phases[p]), i, s) {
			if ((rc = run_script(run, rt, dir, s, phases[p], err)))
				goto out;
			ferry_op_crashpoint(run, json_string_value(json_object_get(s, "name")));
		}
	}
out:
	json_decref(rp);
	ferry_runtime_free(rt);
	ferry_manifest_free(m);
	free(dir);
	return rc;
}

static int st_start(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc, already = 0;
	char url[FERRY_RUNTIME_URL_MAX];

	if ((rc = svc_runtime(run, &rt, err)))
		return rc;
	rc = ferry_runtime_start(rt, 0, &already, err);
	ferry_runtime_url(rt, url);
	if (!rc)
		ferry_op_log(run, "%s at %s", already ? "already running" : "started and ready", url);
	ferry_runtime_free(rt);
	return rc;
}

static int st_health(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	json_t *app = NULL;
	char url[FERRY_RUNTIME_URL_MAX], full[256], body[256];
	const char *hp, *vp;
	long status = 0;
	int rc;

	if ((rc = svc_runtime(run, &rt, err)) ||
	    (rc = ferry_runtime_release_manifest(rt, NULL, &app, err)))
		goto out;
	ferry_runtime_url(rt, url);
	hp = json_string_value(json_object_get(json_object_get(app, "service"), "health"));
	vp = json_string_value(json_object_get(json_object_get(app, "service"), "version"));
	if ((rc = ferry_fmt(full, sizeof(full), err, "health URL", "%s%s", url, hp ? hp : "/health")) ||
	    (rc = svc_http_get(full, body, sizeof(body), &status, err)))
		goto out;
	if (status != 200) {
		rc = ferry_error_set(err, FERRY_EFAILED, "health check %s answered HTTP %ld", full, status);
		goto out;
	}
	ferry_op_log(run, "GET %s: 200", full);
	if ((rc = ferry_fmt(full, sizeof(full), err, "version URL", "%s%s", url, vp ? vp : "/version")) ||
	    (rc = svc_http_get(full, body, sizeof(body), &status, err)))
		goto out;
	body[strcspn(body, "\r\n")] = '\0';
	ferry_op_log(run, "GET %s: %ld %s", full, status, body);
	ferry_op_result_set(run, json_pack("{s:s}", "version", body));
out:
	json_decref(app);
	ferry_runtime_free(rt);
	return rc;
}

/* ---- DVT: one test per service model, the application's and the package's -- */

static void add_dvt(json_t *by_model, const json_t *man)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(man, "dvt"), i, d) {
		const char *sm = json_string_value(json_object_get(d, "service_model"));
		if (sm)
			json_object_set(by_model, sm, (json_t *)d);
	}
}

static int st_dvt(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_manifest *m = NULL;
	struct ferry_runtime *rt = NULL;
	json_t *app = NULL, *by_model = json_object(), *d, *passed = json_array();
	const char *sm;
	int rc;

	if ((rc = svc_runtime(run, &rt, err)) ||
	    (rc = ferry_runtime_release_manifest(rt, NULL, &app, err)) ||
	    (rc = load_pkg_manifest(run, &m, err)))
		goto out;
	add_dvt(by_model, app);
	add_dvt(by_model, m->root);
	if (json_object_size(by_model) == 0) {
		ferry_op_log(run, "no deployment verification tests declared");
		rc = FERRY_OP_SKIP;
		goto out;
	}
	json_object_foreach(by_model, sm, d) {
		struct ferry_buf out = FERRY_BUF_INIT;
		rc = ferry_runtime_exec(rt, json_object_get(d, "exec"), ferry_manifest_dvt_timeout_s(d), &out, err);
		if (out.len) {
			char *line, *save = NULL;
			for (line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				ferry_op_log(run, "  %s: %s", sm, line);
		}
		ferry_buf_release(&out);
		if (rc) {
			ferry_error_prefix(err, "DVT script for service model '%s' failed", sm);
			goto out;
		}
		ferry_op_log(run, "DVT %s: passed", sm);
		json_array_append_new(passed, json_string(sm));
	}
	ferry_op_result_set(run, json_pack("{s:O}", "passed", passed));
out:
	json_decref(passed);
	json_decref(by_model);
	json_decref(app);
	ferry_manifest_free(m);
	ferry_runtime_free(rt);
	return rc;
}

/* The manual sign-off: the package stays on the environment. */
static int st_signoff(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_asset a;
	int rc;

	if ((rc = ferry_asset_resolve(run->ctx, run->op->project, pkg_str(run->op, "sha256"), &a, err)))
		return rc;
	if ((rc = ferry_asset_ref_add(run->ctx, a.id, "environment", run->op->env, err)))
		return rc;
	ferry_op_log(run, "%s %s signed off on '%s' by %s", a.name, a.version, run->op->env,
		     run->ctx->actor ? run->ctx->actor : "an operator");
	return 0;
}

/* ---- state changes and abort --------------------------------------------- */

static int apply_on_state(struct ferry_op_run *run, enum ferry_op_state to,
			  struct ferry_error *err)
{
	struct ferry_asset a;

	if (ferry_op_state_terminal(to) &&
	    !ferry_asset_resolve(run->ctx, run->op->project, pkg_str(run->op, "sha256"), &a, NULL) &&
	    ferry_asset_ref_drop(run->ctx, a.id, "operation", run->op->activity_id, err))
		return err ? err->code : FERRY_ESTORE;
	switch (to) {
	case FERRY_OP_RUNNING: return svc_env_state(run, FERRY_ENV_SERVICING, err);
	case FERRY_OP_AWAITING_SIGNOFF: return svc_env_state(run, FERRY_ENV_AWAITING_SIGNOFF, err);
	case FERRY_OP_FAILED:
	case FERRY_OP_INTERRUPTED: return svc_env_state(run, FERRY_ENV_FAILED, err);
	case FERRY_OP_SUCCEEDED:
	case FERRY_OP_ABORTED: return svc_env_state(run, FERRY_ENV_DEPLOYED, err);
	default: return 0;
	}
}

/* An apply that has not touched the environment yet (an invalid package, say)
 * can be dropped: its extracted package and restore point go. */
static int apply_abort(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	struct ferry_envdb *db = NULL;
	char name[64], *work;
	int rc;

	if (run->step && strcmp(run->step, "fetch") && strcmp(run->step, "restore-point"))
		return ferry_error_set(err, FERRY_EREFUSED,
			"the environment was already changed (the operation is at step '%s'): "
			"roll it back with 'ferry %s %s'", run->step,
			svc_main_slot(run->op) ? "env rollback" : "upgrade rollback-package", run->op->env);
	rp_name(run->op, name);
	if (!svc_runtime(run, &rt, NULL) && !ferry_runtime_db(rt, &db, NULL) &&
	    ferry_envdb_rp_exists(db, name) && (rc = ferry_envdb_rp_rm(db, name, err)))
		goto out;
	work = svc_work_dir(run->ctx, run->op->activity_id);
	rc = work ? ferry_rm_rf(work, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(work);
out:
	ferry_envdb_free(db);
	ferry_runtime_free(rt);
	return rc;
}

static const struct ferry_op_step_def apply_steps[] = {
	{ "fetch", st_fetch, 0, "verify and extract the package from the asset library" },
	{ "restore-point", st_restore_point, 0, "restore point of the release and the database" },
	{ "stop", st_stop, 0, "stop the service" },
	{ "install", st_install, 0, "build the new release and switch to it" },
	{ "scripts", st_scripts, 0, "run the package's install scripts" },
	{ "start", st_start, 0, "start the service" },
	{ "health-check", st_health, 0, "health check and version" },
	{ "dvt", st_dvt, 0, "deployment verification tests" },
	{ "signoff", st_signoff, FERRY_STEP_SIGNOFF, "sign-off: validate, then 'ferry env signoff'" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_env_apply = {
	FERRY_OP_ENV_APPLY, "apply a package to an environment", apply_steps, NULL,
	apply_on_state, apply_abort
};
