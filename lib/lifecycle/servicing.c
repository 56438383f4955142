/* SPDX-License-Identifier: MIT */
/* servicing.c: applying packages to running environments: the rules checked before
 * an apply, the apply / sign-off / rollback entry points, and their history.
 * The steps themselves are servicing_apply.c and servicing_rollback.c. */
#include "lifecycle/servicing_int.h"

#include "ferry/package/asset.h"
#include "ferry/base/buf.h"
#include "ferry/runtime/envdb.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/lifecycle/platform_update.h"
#include "ferry/runtime/runtime.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include "ferry/project/curl_sym.h"
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers shared by the steps ----------------------------------------- */

const char *svc_slot(const struct ferry_op *op)
{
	const char *s = json_string_value(json_object_get(op->params, "slot"));
	return s && *s ? s : FERRY_SLOT_MAIN;
}

int svc_main_slot(const struct ferry_op *op)
{
	return !strcmp(svc_slot(op), FERRY_SLOT_MAIN);
}

int svc_runtime(struct ferry_op_run *run, struct ferry_runtime **rt, struct ferry_error *err)
{
	return ferry_runtime_open(run->ctx, run->op->env, svc_slot(run->op), 0, rt, err);
}

char *svc_work_dir(struct ferry_ctx *ctx, const char *activity)
{
	char rel[96];

	snprintf(rel, sizeof(rel), "work/%s", activity);
	return ferry_ctx_path(ctx, rel);
}

int svc_env_state(struct ferry_op_run *run, int state, struct ferry_error *err)
{
	if (!svc_main_slot(run->op) || !run->op->env_id)
		return 0;
	return ferry_env_set_state(run->ctx, run->op->env_id, (enum ferry_env_state)state, err);
}

int svc_run_sql(struct ferry_runtime *rt, const char *path, struct ferry_error *err)
{
	struct ferry_buf sql = FERRY_BUF_INIT;
	struct ferry_envdb *db = NULL;
	int rc;

	/* one transaction on whichever engine the environment's database is (envdb.h) */
	if ((rc = ferry_buf_read_file(&sql, path)))
		return ferry_error_set(err, rc, "cannot read SQL script %s", path);
	if (!(rc = ferry_runtime_db(rt, &db, err)) &&
	    (rc = ferry_envdb_exec(db, sql.data ? sql.data : "", err)))
		ferry_error_prefix(err, "%s", path);
	ferry_envdb_free(db);
	ferry_buf_release(&sql);
	return rc;
}

struct body {
	char *buf;
	size_t len, cap;
};

static size_t body_write(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t want = size * n, room = b->cap - 1 - b->len;

	if (want < room)
		room = want;
	memcpy(b->buf + b->len, p, room);
	b->len += room;
	b->buf[b->len] = '\0';
	return want;
}

int svc_http_get(const char *url, char *out, size_t cap, long *status, struct ferry_error *err)
{
	struct body b = { out, 0, cap };
	CURL *c;
	CURLcode cr;

	out[0] = '\0';
	if (ferry_curl_load(err))
		return err ? err->code : FERRY_EIO;
	if (!(c = curl_easy_init()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	cr = curl_easy_perform(c);
	if (cr == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	if (cr != CURLE_OK)
		return ferry_error_set(err, FERRY_EIO, "GET %s: %s", url, curl_easy_strerror(cr));
	return 0;
}

/* ---- the rules checked before an apply ----------------------------------- */

struct plan {
	struct ferry_env env;
	struct ferry_asset asset;
	struct ferry_manifest *man;
	const char *slot;
	json_t *checks;      /* [{check, ok, message}] */
	int failed;
};

static void check(struct plan *p, const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void check(struct plan *p, const char *name, int ok, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(p->checks, json_pack("{s:s, s:b, s:s}", "check", name, "ok", ok,
						   "message", msg));
	if (!ok)
		p->failed++;
}

static json_t *installed_layers(struct ferry_runtime *rt)
{
	json_t *list = NULL, *r, *out = NULL;
	size_t i;

	if (ferry_runtime_release_list(rt, &list, NULL))
		return json_array();
	json_array_foreach(list, i, r)
		if (json_is_true(json_object_get(r, "current")))
			out = json_incref(json_object_get(r, "packages"));
	json_decref(list);
	return json_is_array(out) ? out : (json_decref(out), json_array());
}

static const char *layer_version(const json_t *layers, const char *name)
{
	const json_t *l;
	size_t i;

	json_array_foreach(layers, i, l)
		if (!strcmp(json_string_value(json_object_get(l, "name")) ?: "", name))
			return json_string_value(json_object_get(l, "version"));
	return NULL;
}

static void check_versions(struct plan *p, const json_t *layers, struct ferry_catalog *cat)
{
	const struct ferry_manifest *m = p->man;
	const char *have = layer_version(layers, m->name);
	size_t i;
	int ok = 1;

	for (i = 0; i < m->n_requires; i++) {
		const struct ferry_requirement *r = &m->requires[i];
		const char *v = layer_version(layers, r->name);
		if (!v) {
			check(p, "requirements", 0, "requires package '%s'%s%s, which is not installed on '%s'",
			      r->name, r->min_version ? " >= " : "", r->min_version ? r->min_version : "",
			      p->env.name);
			ok = 0;
		} else if (r->min_version && ferry_version_cmp(v, r->min_version) < 0) {
			check(p, "requirements", 0, "requires '%s' >= %s; '%s' has %s", r->name,
			      r->min_version, p->env.name, v);
			ok = 0;
		}
	}
	if (ok)
		check(p, "requirements", 1, "%zu requirement%s met", m->n_requires,
		      m->n_requires == 1 ? "" : "s");
	if (have && ferry_version_cmp(m->version, have) == 0)
		check(p, "version", 0, "%s %s is already installed on '%s': no reinstall of the same version",
		      m->name, m->version, p->env.name);
	else if (have && ferry_version_cmp(m->version, have) < 0)
		check(p, "version", 0, "%s %s would downgrade '%s' (it has %s): downgrades are refused",
		      m->name, m->version, p->env.name, have);
	else
		check(p, "version", 1, "%s %s%s%s", m->name, m->version, have ? " replaces " : " is new",
		      have ? have : "");
}

static void check_catalog(struct plan *p, struct ferry_catalog *cat)
{
	const struct ferry_manifest *m = p->man;
	const char *rel = p->env.app_release;
	char models[512] = "";
	size_t i, len = 0;

	if (m->type == FERRY_PKG_HOTFIX) {
		int ok = cat ? ferry_catalog_hotfixes_supported(cat, rel) : 1;
		check(p, "hotfix", ok == 1, ok == 1 ? "release %s supports individual hotfixes" :
		      "release %s no longer supports individual X++ hotfixes (from %s; deprecated %s): "
		      "take the release's cumulative update instead", rel,
		      cat && cat->hotfixes_unsupported_from ? cat->hotfixes_unsupported_from->id : "?",
		      cat && cat->hotfixes_deprecated ? cat->hotfixes_deprecated : "-");
	}
	for (i = 0; i < m->n_models; i++)
		if (m->models[i].overlayers.n > 0)
			len += (size_t)snprintf(models + len, len < sizeof(models) ? sizeof(models) - len : 0,
						"%s%s (overlayers %s)", len ? ", " : "", m->models[i].name,
						m->models[i].overlayers.v[0]);
	if (len) {
		int locked = cat ? ferry_catalog_vendor_overlayering_locked(cat, rel) : 0;
		check(p, "overlayering", locked != 1, locked == 1 ?
		      "release %s locks vendor models against overlayering (from %s): %s must be "
		      "refactored into extensions" : "release %s allows overlayering: %s", rel,
		      cat && cat->vendor_locked_from ? cat->vendor_locked_from->id : "?", models);
	}
}

static void check_application(struct plan *p, struct ferry_catalog *cat)
{
	const struct ferry_manifest *m = p->man;
	const struct ferry_catalog_release *from, *to;

	if (m->type != FERRY_PKG_APPLICATION || !m->provides_release ||
	    !strcmp(m->provides_release, p->env.app_release))
		return;
	from = cat ? ferry_catalog_release(cat, p->env.app_release) : NULL;
	to = cat ? ferry_catalog_release(cat, m->provides_release) : NULL;
	if (from && to && ferry_catalog_release_cmp(to, from) > 0 &&
	    !strcmp(ferry_catalog_move_kind(cat, from), "update"))
		check(p, "update", 1, "%s to %s is an update (binary package)", from->id, to->id);
	else
		check(p, "update", 0, "%s to %s is not an update by the catalog: moving before 8.0 is an "
		      "upgrade ('ferry upgrade begin %s --to %s'), and going back is refused",
		      p->env.app_release, m->provides_release, p->env.name, m->provides_release);
}

/* Production takes a package only after a sandbox of the project signed it off. */
static int check_candidate(struct ferry_ctx *ctx, struct plan *p, struct ferry_error *err)
{
	struct ferry_stmt *st;
	char like[96], where[256] = "", sandboxes[256] = "";
	size_t n = 0;
	int rc, found = 0;

	if (p->env.role != FERRY_ROLE_PRODUCTION)
		return 0;
	snprintf(like, sizeof(like), "%%\"sha256\":\"%s\"%%", p->asset.sha256);
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT o.state, o.activity_id, e.name FROM operations o "
		"JOIN environments e ON e.id = o.env_id WHERE o.kind = ? AND o.project_id = ? "
		"AND e.role = 'sandbox' AND o.params LIKE ? ORDER BY o.id DESC", "tit",
		FERRY_OP_ENV_APPLY, p->env.project_id, like);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		if (!strcmp(ferry_stmt_text(st, 0), "succeeded")) {
			found = 1;
			snprintf(where, sizeof(where), "signed off on sandbox '%s' (activity %s)",
				 ferry_stmt_text(st, 2), ferry_stmt_text(st, 1));
			break;
		}
		if (!where[0])
			snprintf(where, sizeof(where), "; on sandbox '%s' it is %s (activity %s), not signed off",
				 ferry_stmt_text(st, 2), ferry_stmt_text(st, 0), ferry_stmt_text(st, 1));
	}
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	if (found) {
		check(p, "release-candidate", 1, "release candidate: %s", where);
		return 0;
	}
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name FROM environments WHERE project_id = ? AND role = 'sandbox' "
		"AND state <> 'deleted' ORDER BY name", "i", p->env.project_id);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1 && n < sizeof(sandboxes) - 70)
		n += (size_t)snprintf(sandboxes + n, sizeof(sandboxes) - n, "%s'%s'", n ? ", " : "",
				      ferry_stmt_text(st, 0));
	ferry_stmt_free(st);
	check(p, "release-candidate", 0,
	      "%s %s was not applied and signed off on a sandbox of project '%s'%s: apply it on a "
	      "sandbox (%s) and sign it off first, then it is a release candidate for production",
	      p->asset.name, p->asset.version, p->env.project, where,
	      sandboxes[0] ? sandboxes : "the project has none");
	return rc < 0 ? rc : 0;
}

/* (upgrade) Another slot (the upgrade-in-progress environment) runs its own release:
 * the rules check the package against what that slot's application provides. */
static void slot_release(struct ferry_runtime *rt, struct ferry_env *e)
{
	json_t *man = NULL, *pv;

	if (ferry_runtime_release_manifest(rt, NULL, &man, NULL))
		return;
	pv = json_object_get(man, "provides");
	if (json_is_string(json_object_get(pv, "release")))
		snprintf(e->app_release, sizeof(e->app_release), "%s",
			 json_string_value(json_object_get(pv, "release")));
	if (json_is_string(json_object_get(pv, "platform")))
		snprintf(e->platform, sizeof(e->platform), "%s",
			 json_string_value(json_object_get(pv, "platform")));
	json_decref(man);
}

/* The original is frozen while a self-service upgrade is in progress (seed: the original
 * is left untouched); packages go to the upgrade-in-progress view. */
static int refuse_during_upgrade(struct ferry_ctx *ctx, const char *env, struct ferry_error *err)
{
	struct ferry_upgrade up;
	int rc = ferry_upgrade_active(ctx, env, &up, err);

	if (rc <= 0)
		return rc;
	return ferry_error_set(err, FERRY_ESTATE,
		"environment '%s' has a self-service upgrade in progress (phase %s): the original is "
		"left untouched; apply packages to the upgrade-in-progress view with "
		"'ferry upgrade apply %s PACKAGE', or cancel the upgrade first", env, up.phase, env);
}

static int plan_load(struct ferry_ctx *ctx, const struct ferry_apply_spec *spec, struct plan *p,
		     struct ferry_error *err)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_runtime *rt = NULL;
	json_t *shown = NULL, *layers = NULL;
	char *text = NULL;
	int rc;

	p->slot = spec->slot ? spec->slot : FERRY_SLOT_MAIN;
	if (!spec->env || !spec->package)
		return ferry_error_set(err, FERRY_EINVAL, "apply needs an environment and a package");
	if ((rc = ferry_env_get(ctx, spec->env, &p->env, err)))
		return rc;
	if ((rc = ferry_runtime_open(ctx, spec->env, p->slot, 0, &rt, err)))
		return ferry_error_prefix(err, "nothing to service on '%s' (deploy an application first: "
					  "'ferry env deploy %s --package REF')", spec->env, spec->env);
	if (strcmp(p->slot, FERRY_SLOT_MAIN))   /* (upgrade) the slot's release, not the original's */
		slot_release(rt, &p->env);
	else if ((rc = refuse_during_upgrade(ctx, spec->env, err)))
		goto out;
	if ((rc = ferry_asset_show(ctx, p->env.project, spec->package, &shown, err)) ||
	    (rc = ferry_asset_resolve(ctx, p->env.project, spec->package, &p->asset, err)))
		goto out;
	text = json_dumps(json_object_get(shown, "manifest"), JSON_COMPACT);
	if (!text || (rc = ferry_manifest_parse(text, strlen(text), &p->man, err))) {
		rc = text ? rc : ferry_error_set(err, FERRY_EINVAL, "asset %s has no manifest", spec->package);
		goto out;
	}
	if (ferry_catalog_open(ctx, p->env.product, &cat, NULL))
		cat = NULL;
	check(p, "type", p->man->type != FERRY_PKG_DATA_UPGRADE,
	      p->man->type == FERRY_PKG_DATA_UPGRADE ? "a data-upgrade package runs in an upgrade's "
	      "data phase ('ferry upgrade data'), not as an update" : "%s package",
	      ferry_pkg_type_name(p->man->type));
	check(p, "product", !strcmp(p->man->product, p->env.product), "package for %s, environment runs %s",
	      p->man->product, p->env.product);
	check(p, "applies-to", ferry_manifest_applies(p->man, p->env.app_release, p->env.platform),
	      "%s %s %s release %s with %s", p->man->name, p->man->version,
	      ferry_manifest_applies(p->man, p->env.app_release, p->env.platform) ? "applies to" :
	      "does not apply to", p->env.app_release, p->env.platform);
	layers = installed_layers(rt);
	if (p->man->type != FERRY_PKG_DATA_UPGRADE)
		check_versions(p, layers, cat);
	check_application(p, cat);
	check_catalog(p, cat);
	p->failed += ferry_platform_update_check(rt, cat, p->man->root, &p->env, p->checks);
	rc = check_candidate(ctx, p, err);
out:
	ferry_catalog_free(cat);
	ferry_runtime_free(rt);
	json_decref(shown);
	json_decref(layers);
	free(text);
	return rc;
}

static void plan_release(struct plan *p)
{
	ferry_manifest_free(p->man);
	json_decref(p->checks);
}

/* EREFUSED listing every failed check. */
static int plan_refusal(const struct plan *p, struct ferry_error *err)
{
	char msg[FERRY_ERROR_MSG_MAX];
	const json_t *c;
	size_t i, n;
	int first = 1;

	n = (size_t)snprintf(msg, sizeof(msg), "cannot apply %s %s to '%s' (%d rule%s):",
			     p->asset.name, p->asset.version, p->env.name, p->failed,
			     p->failed == 1 ? "" : "s");
	json_array_foreach(p->checks, i, c) {
		const char *check = json_string_value(json_object_get(c, "check"));
		const char *why = json_string_value(json_object_get(c, "message"));
		if (json_is_true(json_object_get(c, "ok")) || n >= sizeof(msg))
			continue;
		/* "; " between rules, none before the first; no empty fields */
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s %s%s%s", first ? "" : ";",
				      check && *check ? check : "check",
				      why && *why ? ": " : "", why && *why ? why : "");
		first = 0;
	}
	return ferry_error_set(err, FERRY_EREFUSED, "%s", msg);
}

int ferry_servicing_check(struct ferry_ctx *ctx, const struct ferry_apply_spec *spec,
			  json_t **report, struct ferry_error *err)
{
	struct plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.checks = json_array();
	rc = plan_load(ctx, spec, &p, err);
	if (!rc && report)
		*report = json_pack("{s:s, s:s, s:s, s:O, s:b}", "env", p.env.name, "package",
				    p.asset.name, "version", p.asset.version, "checks", p.checks,
				    "ok", p.failed == 0);
	if (!rc && p.failed)
		rc = plan_refusal(&p, err);
	plan_release(&p);
	return rc;
}

/* ---- apply, sign off, roll back ------------------------------------------ */

/* Refuse, with the seed's rule, while a package awaits sign-off on the env. */
static int refuse_pending(struct ferry_ctx *ctx, const struct ferry_env *e,
			  struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	json_t *pkg;
	int rc = ferry_op_active_for_env(ctx, e->id, &op, err);

	if (rc <= 0)
		return rc;
	rc = 0;
	pkg = json_object_get(op->params, "package");
	if (!strcmp(op->kind, FERRY_OP_ENV_APPLY))
		rc = ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' has package %s %s %s (activity %s): nothing else can be "
			"applied before it is signed off ('ferry %s %s') or rolled back "
			"('ferry %s %s')%s", e->name,
			json_string_value(json_object_get(pkg, "name")),
			json_string_value(json_object_get(pkg, "version")),
			op->state == FERRY_OP_AWAITING_SIGNOFF ? "awaiting sign-off" :
			ferry_op_state_name(op->state), op->activity_id,
			svc_main_slot(op) ? "env signoff" : "upgrade signoff", e->name,
			svc_main_slot(op) ? "env rollback" : "upgrade rollback-package", e->name,
			op->state == FERRY_OP_AWAITING_SIGNOFF ? "" : ", or resume it ('ferry op resume')");
	ferry_op_free(op);
	return rc; /* other kinds: ferry_op_create names them */
}

static int create_apply(struct ferry_ctx *ctx, const struct ferry_apply_spec *spec, struct plan *p,
			char id[37], struct ferry_error *err)
{
	struct ferry_op_spec os = { FERRY_OP_ENV_APPLY, spec->env, NULL, NULL };
	struct ferry_op *op = NULL;
	int rc;

	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_env_get(ctx, spec->env, &p->env, err)) ||
	    (rc = refuse_pending(ctx, &p->env, err)) || (rc = plan_load(ctx, spec, p, err)))
		goto fail;
	if (p->failed) {
		rc = plan_refusal(p, err);
		goto fail;
	}
	os.params = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "slot", p->slot, "package",
			      "sha256", p->asset.sha256, "name", p->asset.name,
			      "version", p->asset.version, "type", p->asset.type);
	rc = ferry_op_create(ctx, &os, &op, err);
	json_decref(os.params);
	if (rc || (rc = ferry_asset_ref_add(ctx, p->asset.id, "operation", op->activity_id, err)))
		goto fail;
	snprintf(id, 37, "%s", op->activity_id);
	ferry_op_free(op);
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_op_free(op);
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_servicing_apply(struct ferry_ctx *ctx, const struct ferry_apply_spec *spec,
			  const struct ferry_op_hooks *hooks, char activity[37],
			  struct ferry_error *err)
{
	struct plan p;
	char id[37] = "";
	int rc;

	memset(&p, 0, sizeof(p));
	p.checks = json_array();
	rc = create_apply(ctx, spec, &p, id, err);
	plan_release(&p);
	if (activity)
		snprintf(activity, 37, "%s", id);
	if (rc)
		return rc;
	return ferry_op_run(ctx, id, hooks, err);
}

/* The environment's operation that has not ended, which must be an apply. */
static int pending_apply(struct ferry_ctx *ctx, const char *env, const char *slot,
			 const char *what, struct ferry_op **out, struct ferry_error *err)
{
	struct ferry_op *op = NULL, *last = NULL;
	struct ferry_env e;
	int rc;

	*out = NULL;
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if ((rc = ferry_op_active_for_env(ctx, e.id, &op, err)) < 0)
		return rc;
	if (rc == 1 && !strcmp(op->kind, FERRY_OP_ENV_APPLY) &&
	    !strcmp(svc_slot(op), slot ? slot : FERRY_SLOT_MAIN)) {
		*out = op;
		return 0;
	}
	if (rc == 1) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"nothing to %s on '%s': its operation in progress is %s (activity %s, %s): "
			"finish it first ('ferry op show %.8s')", what, env, op->kind, op->activity_id,
			ferry_op_state_name(op->state), op->activity_id);
		ferry_op_free(op);
		return rc;
	}
	if (ferry_op_last_for_env(ctx, e.id, FERRY_OP_ENV_APPLY, &last, NULL) == 1) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"nothing to %s on '%s': the last package deployment (%s %s, activity %s) is %s%s",
			what, env, json_string_value(json_object_get(json_object_get(last->params, "package"), "name")),
			json_string_value(json_object_get(json_object_get(last->params, "package"), "version")),
			last->activity_id, last->state == FERRY_OP_SUCCEEDED ? "signed off" :
			ferry_op_state_name(last->state),
			last->state == FERRY_OP_SUCCEEDED && !strcmp(what, "roll back") ?
			": only a deployment that is not signed off can be rolled back" : "");
		ferry_op_free(last);
		return rc;
	}
	return ferry_error_set(err, FERRY_ESTATE, "nothing to %s on '%s': no package was applied to it",
			       what, env);
}

int ferry_servicing_signoff(struct ferry_ctx *ctx, const char *env, const char *slot,
			    const struct ferry_op_hooks *hooks, char activity[37],
			    struct ferry_error *err)
{
	struct ferry_op *op;
	char id[37];
	int rc;

	if ((rc = pending_apply(ctx, env, slot, "sign off", &op, err)))
		return rc;
	snprintf(id, sizeof(id), "%s", op->activity_id);
	if (activity)
		snprintf(activity, 37, "%s", id);
	if (op->state != FERRY_OP_AWAITING_SIGNOFF) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"the package deployment on '%s' (activity %s) is %s at step '%s', not awaiting "
			"sign-off: resume it ('ferry op resume %.8s') or roll it back ('ferry %s %s')",
			env, id, ferry_op_state_name(op->state), op->step, id,
			svc_main_slot(op) ? "env rollback" : "upgrade rollback-package", env);
		snprintf(err->activity_id, sizeof(err->activity_id), "%s", id);
		ferry_op_free(op);
		return rc;
	}
	ferry_op_free(op);
	return ferry_op_complete_step(ctx, id, "signoff", hooks, err);
}

static int create_rollback(struct ferry_ctx *ctx, const char *env, const char *slot, char id[37],
			   struct ferry_error *err)
{
	struct ferry_op_spec os = { FERRY_OP_ENV_ROLLBACK, env, NULL, NULL };
	struct ferry_op *apply = NULL, *op = NULL;
	struct ferry_runtime *rt = NULL;
	json_t *rp = NULL;
	struct ferry_stmt *st;
	char cur[FERRY_RELEASE_ID_MAX] = "";
	int rc;

	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = pending_apply(ctx, env, slot, "roll back", &apply, err)))
		goto fail;
	if (apply->state == FERRY_OP_RUNNING) {
		rc = ferry_error_set(err, FERRY_ESTATE, "the package deployment (activity %s) is running: "
				     "wait for it to stop", apply->activity_id);
		goto fail;
	}
	rc = ferry_store_query(ctx->store, &st, err, "SELECT result FROM operation_steps "
		"WHERE op_id = ? AND name = 'restore-point' AND result IS NOT NULL", "i", apply->id);
	if (rc)
		goto fail;
	if (ferry_stmt_step(st, NULL) == 1)
		rp = json_loads(ferry_stmt_text(st, 0), 0, NULL);
	ferry_stmt_free(st);
	if (!rp && !ferry_runtime_open(ctx, env, slot, 0, &rt, NULL))
		ferry_runtime_release_current(rt, cur);
	os.params = rp ? json_pack("{s:s, s:s, s:O, s:O, s:O, s:O}", "slot", svc_slot(apply),
				   "apply", apply->activity_id, "release", json_object_get(rp, "release"),
				   "restore_point", json_object_get(rp, "restore_point"),
				   "app_release", json_object_get(rp, "app_release"),
				   "platform", json_object_get(rp, "platform"))
		       : json_pack("{s:s, s:s, s:s}", "slot", svc_slot(apply), "apply",
				   apply->activity_id, "release", cur);
	if ((rc = ferry_op_close_rolled_back(ctx, apply->id, err)) ||
	    (rc = ferry_op_create(ctx, &os, &op, err)))
		goto fail;
	snprintf(id, 37, "%s", op->activity_id);
	rc = ferry_store_commit(ctx->store, err);
	goto out;
fail:
	ferry_store_rollback(ctx->store);
out:
	json_decref(os.params);
	json_decref(rp);
	ferry_runtime_free(rt);
	ferry_op_free(apply);
	ferry_op_free(op);
	return rc;
}

int ferry_servicing_rollback(struct ferry_ctx *ctx, const char *env, const char *slot,
			     const struct ferry_op_hooks *hooks, char activity[37],
			     struct ferry_error *err)
{
	char id[37] = "";
	int rc = create_rollback(ctx, env, slot, id, err);

	if (activity)
		snprintf(activity, 37, "%s", id);
	if (rc)
		return rc;
	return ferry_op_run(ctx, id, hooks, err);
}

int ferry_servicing_history(struct ferry_ctx *ctx, const char *env, json_t **out,
			    struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct ferry_env e;
	json_t *arr;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT activity_id, state, params, created_ms FROM operations WHERE env_id = ? "
		"AND kind = ? ORDER BY id DESC", "it", e.id, FERRY_OP_ENV_APPLY);
	if (rc)
		return rc;
	arr = json_array();
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		json_t *params = json_loads(ferry_stmt_text(st, 2), 0, NULL);
		json_t *pkg = json_object_get(params, "package");
		char iso[32];
		ferry_time_iso(ferry_stmt_int(st, 3), iso);
		json_array_append_new(arr, json_pack("{s:s, s:O?, s:O?, s:O?, s:s, s:b, s:s}",
			"activity_id", ferry_stmt_text(st, 0), "package", json_object_get(pkg, "name"),
			"version", json_object_get(pkg, "version"), "type", json_object_get(pkg, "type"),
			"state", ferry_stmt_text(st, 1),
			"signed_off", !strcmp(ferry_stmt_text(st, 1), "succeeded"), "created", iso));
		json_decref(params);
	}
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
