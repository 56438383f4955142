/* SPDX-License-Identifier: MIT */
/* platform_update.c: the rules of an in-place platform update (scenario 4): cumulative and
 * forward only, no platform model overlayered by the environment's code, no platform
 * overlayering left when leaving PU1/PU2; checked by servicing's validation. */
#include "ferry/lifecycle/platform_update.h"

#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/catalog/model.h"
#include "ferry/runtime/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 1024

/* What the rules need of a package manifest. */
struct pkg {
	const json_t *root;
	const char *name, *version, *type, *provides_platform;
};

static int add_check(json_t *checks, const char *name, int ok, const char *rule,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Append {check, ok, message, rule}; returns 1 when it failed. */
static int add_check(json_t *checks, const char *name, int ok, const char *rule,
		     const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s, s:s}", "check", name, "ok", ok,
						"message", msg, "rule", rule));
	return !ok;
}

/* ---- the environment's models ---- */

static int add_package_models(struct ferry_runtime *rt, const char *cur, const char *name,
			      json_t *out, struct ferry_error *err)
{
	char rel[FERRY_RELEASE_ID_MAX + 320];
	struct ferry_buf b = FERRY_BUF_INIT;
	json_error_t jerr;
	json_t *man, *mo;
	size_t i;
	int rc;

	if (!*name || strchr(name, '/') || strlen(name) > 255)
		return ferry_error_set(err, FERRY_EINVAL, "release %s lists a package named '%s'",
				       cur, name);
	snprintf(rel, sizeof(rel), "releases/%s/.ferry/packages/%s.json", cur, name);
	/* through the runtime: the release may be on another host */
	if ((rc = ferry_runtime_file_read(rt, rel, &b, err))) {
		ferry_buf_release(&b);
		return rc;
	}
	man = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
	ferry_buf_release(&b);
	if (!man)
		return ferry_error_set(err, FERRY_EIO, "%s/%s: %s", ferry_runtime_dir(rt), rel, jerr.text);
	json_array_foreach(json_object_get(man, "models"), i, mo) {
		json_t *c = json_deep_copy(mo);
		if (!json_is_object(c)) {
			json_decref(c);
			continue;
		}
		json_object_set(c, "package", json_object_get(man, "name"));
		json_object_set(c, "version", json_object_get(man, "version"));
		json_array_append_new(out, c);
	}
	json_decref(man);
	return 0;
}

int ferry_platform_env_models(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX];
	json_t *list = NULL, *r, *l, *models;
	size_t i, j;
	int rc;

	*out = NULL;
	if (ferry_runtime_release_current(rt, cur))
		return ferry_error_set(err, FERRY_ENOTFOUND, "nothing is deployed");
	if ((rc = ferry_runtime_release_list(rt, &list, err)))
		return rc;
	models = json_array();
	json_array_foreach(list, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "id")) ?: "", cur))
			continue;
		json_array_foreach(json_object_get(r, "packages"), j, l)
			if ((rc = add_package_models(rt, cur, json_string_value(json_object_get(l, "name")) ?: "",
						     models, err)))
				goto out;
	}
out:
	json_decref(list);
	if (rc)
		json_decref(models);
	else
		*out = models;
	return rc;
}

/* ---- the rules ---- */

static void platform_path(const struct ferry_catalog *cat, const struct ferry_catalog_platform *p,
			  const char *field, char out[64])
{
	if (cat && p)
		snprintf(out, 64, "$.platforms[%d]%s%s", (int)(p - cat->platforms), field ? "." : "",
			 field ? field : "");
	else
		snprintf(out, 64, "$.platforms");
}

/* "M (pkg 1.0.0) overlayers T, ..." for every hit; hits carry package/version. */
static void hits_text(const json_t *hits, struct ferry_buf *b)
{
	const json_t *h;
	size_t i;

	json_array_foreach(hits, i, h) {
		const char *el = json_string_value(json_object_get(h, "element")) ?: "*";
		const char *tel = json_string_value(json_object_get(h, "target_element")) ?: "*";
		const char *pkg = json_string_value(json_object_get(h, "package"));
		ferry_buf_addf(b, "%s%s%s%s", i ? ", " : "",
			       json_string_value(json_object_get(h, "model")),
			       strcmp(el, "*") ? "/" : "", strcmp(el, "*") ? el : "");
		if (pkg)
			ferry_buf_addf(b, " (package %s %s)", pkg,
				       json_string_value(json_object_get(h, "version")) ?: "?");
		ferry_buf_addf(b, " overlayers %s%s%s", json_string_value(json_object_get(h, "target_model")),
			       strcmp(tel, "*") ? "/" : "", strcmp(tel, "*") ? tel : "");
	}
}

/* Platform overlayering hits of `models`, each keeping the model's package/version. */
static int platform_hits(const struct ferry_catalog *cat, const json_t *models, json_t **out,
			 struct ferry_error *err)
{
	json_t *all = json_array(), *one, *h, *mo;
	size_t i, j;
	int rc = 0;

	json_array_foreach(models, i, mo) {
		json_t *single = json_pack("[O]", mo);
		rc = ferry_code_platform_overlayering(cat, single, &one, err);
		json_decref(single);
		if (rc)
			break;
		json_array_foreach(one, j, h) {
			if (json_object_get(mo, "package")) {
				json_object_set(h, "package", json_object_get(mo, "package"));
				json_object_set(h, "version", json_object_get(mo, "version"));
			}
			json_array_append(all, h);
		}
		json_decref(one);
	}
	if (rc)
		json_decref(all);
	else
		*out = all;
	return rc;
}

/* Where the catalog says a platform move of `rel` needs no code upgrade. */
static void no_code_upgrade_rule(const struct ferry_catalog *cat, const char *rel,
				 const struct ferry_catalog_platform *to, char out[48])
{
	const struct ferry_catalog_release *r = ferry_catalog_release(cat, rel);
	size_t i, k;

	snprintf(out, 48, "$.rules.code_upgrade_platform");
	for (i = 0; r && i < cat->nmoves; i++) {
		const struct ferry_catalog_move *mv = &cat->moves[i];
		if (mv->source != r || mv->type != FERRY_CATALOG_MOVE_PLATFORM)
			continue;
		for (k = 0; k < mv->ntargets; k++)
			if (mv->targets[k]->platform == to)
				break;
		if (mv->newer_platform || k < mv->ntargets) {
			ferry_catalog_move_path(mv, out);
			return;
		}
	}
}

/* "platform": forward only, cumulative, a valid combination. Returns 1 when it failed. */
static int check_order(const struct ferry_catalog *cat, const struct pkg *m,
		       const struct ferry_env *env, const struct ferry_catalog_platform *from,
		       const struct ferry_catalog_platform *to, json_t *checks)
{
	struct ferry_error e;
	struct ferry_buf over = FERRY_BUF_INIT;
	char rule[64], row[48];
	size_t i, n = 0;
	int failed;

	platform_path(cat, to, "ordinal", rule);
	if (ferry_catalog_platform_cmp(to, from) <= 0)
		return add_check(checks, "platform", 0, rule,
			"%s %s provides %s and '%s' runs %s: %s platform is refused, platform "
			"updates are cumulative and only move forward (rule %s); apply a platform "
			"package newer than %s", m->name, m->version, to->id, env->name, from->id,
			to == from ? "the same" : "an older", rule, from->id);
	ferry_error_clear(&e);
	if (ferry_catalog_combination_check(cat, env->app_release, to->id, &e))
		return add_check(checks, "platform", 0, "$.combinations", "%s (rule $.combinations); "
				 "choose a platform package within that range", e.msg);
	for (i = 0; i < cat->nplatforms; i++)
		if (cat->platforms[i].ordinal > from->ordinal && cat->platforms[i].ordinal < to->ordinal)
			ferry_buf_addf(&over, "%s%s", n++ ? ", " : "", cat->platforms[i].id);
	no_code_upgrade_rule(cat, env->app_release, to, row);
	failed = add_check(checks, "platform", 1, row,
		"%s to %s in place%s%s%s: one cumulative platform update, no code upgrade and no data "
		"upgrade (rule %s)", from->id, to->id, n ? " (includes " : "", n ? over.data : "",
		n ? ")" : "", row);
	ferry_buf_release(&over);
	return failed;
}

/* "platform-models" and, when leaving PU1/PU2, "platform-overlayering". */
static int check_models(struct ferry_runtime *rt, const struct ferry_catalog *cat,
			const struct ferry_env *env, const struct ferry_catalog_platform *from,
			const struct ferry_catalog_platform *to, json_t *checks)
{
	struct ferry_error e;
	struct ferry_buf list = FERRY_BUF_INIT;
	json_t *models = NULL, *hits = NULL;
	char rule[64];
	int failed = 0, leaving;

	ferry_error_clear(&e);
	if (!rt)
		ferry_error_set(&e, FERRY_ENOTFOUND, "nothing is deployed");
	if (!rt || ferry_platform_env_models(rt, &models, &e) || platform_hits(cat, models, &hits, &e)) {
		failed = add_check(checks, "platform-models", 0, "$.rules.platform_models",
			"cannot tell which models '%s' runs (%s), so an in-place platform update cannot "
			"be checked (rule $.rules.platform_models): redeploy the environment", env->name, e.msg);
		goto out;
	}
	hits_text(hits, &list);
	if (!json_array_size(hits))
		add_check(checks, "platform-models", 1, "$.rules.platform_models",
			  "no model of '%s' overlayers a platform model: the platform is updated in place",
			  env->name);
	else
		failed += add_check(checks, "platform-models", 0, "$.rules.platform_models",
			"'%s' customizes platform models, so its platform cannot be updated in place "
			"(rule $.rules.platform_models): %s; refactor the overlayering into extensions "
			"('ferry code scan' lists the elements) and deploy that package, or take the "
			"package off the environment, then apply again", env->name, list.data);
	leaving = !ferry_code_platform_locked(cat, from->id) && ferry_code_platform_locked(cat, to->id);
	platform_path(cat, to, "overlayering_allowed", rule);
	if (leaving && !json_array_size(hits))
		add_check(checks, "platform-overlayering", 1, "$.rules.platform_overlayering",
			  "leaving %s for %s locks platform X++ against overlayering (%s); nothing is "
			  "left to refactor", from->id, to->id, rule);
	else if (leaving)
		failed += add_check(checks, "platform-overlayering", 0, "$.rules.platform_overlayering",
			"leaving %s for %s is refused while platform overlayering remains: %s locks "
			"platform X++ against overlayering (rule $.rules.platform_overlayering, %s); "
			"refactor as extensions first: %s", from->id, to->id, to->id, rule, list.data);
out:
	ferry_buf_release(&list);
	json_decref(models);
	json_decref(hits);
	return failed;
}

/* Any other package: overlayering a platform model only where the platform allows it. */
static int check_lock(const struct ferry_catalog *cat, const struct pkg *m,
		      const struct ferry_env *env, json_t *checks)
{
	const struct ferry_catalog_platform *pu = cat ? ferry_catalog_platform(cat, env->platform) : NULL;
	struct ferry_buf list = FERRY_BUF_INIT;
	json_t *models = json_deep_copy(json_object_get((json_t *)m->root, "models")), *hits = NULL, *mo;
	char rule[64];
	size_t i;
	int failed = 0;

	json_array_foreach(models, i, mo) {
		json_object_set_new(mo, "package", json_string(m->name));
		json_object_set_new(mo, "version", json_string(m->version));
	}
	if (!models || platform_hits(cat, models, &hits, NULL) || !json_array_size(hits))
		goto out;
	hits_text(hits, &list);
	platform_path(cat, pu, "overlayering_allowed", rule);
	if (ferry_code_platform_locked(cat, env->platform))
		failed = add_check(checks, "platform-overlayering", 0, "$.rules.platform_overlayering",
			"%s: %s locks platform models against overlayering (rule %s, "
			"$.rules.platform_overlayering); refactor the overlayering into extensions",
			list.data, env->platform, rule);
	else
		add_check(checks, "platform-overlayering", 1, "$.rules.platform_overlayering",
			  "%s allows overlayering of platform models (%s): %s; it must be refactored "
			  "before leaving %s for a later platform update", env->platform, rule,
			  list.data, env->platform);
out:
	ferry_buf_release(&list);
	json_decref(models);
	json_decref(hits);
	return failed;
}

int ferry_platform_update_check(struct ferry_runtime *rt, const struct ferry_catalog *cat,
				const json_t *manifest, const struct ferry_env *env,
				json_t *checks)
{
	const struct ferry_catalog_platform *from, *to;
	struct pkg pk, *m = &pk;
	int failed;

	pk.root = manifest;
	pk.name = json_string_value(json_object_get(manifest, "name")) ?: "?";
	pk.version = json_string_value(json_object_get(manifest, "version")) ?: "?";
	pk.type = json_string_value(json_object_get(manifest, "type")) ?: "";
	pk.provides_platform = json_string_value(json_object_get(json_object_get(manifest,
							"provides"), "platform"));
	if (strcmp(pk.type, "platform"))
		return check_lock(cat, m, env, checks);
	if (!cat)
		return add_check(checks, "platform", 0, "$.platforms",
			"no release catalog for product %s: a platform update cannot be checked; "
			"add one ('ferry catalog list' shows where ferry looks)", env->product);
	to = m->provides_platform ? ferry_catalog_platform(cat, m->provides_platform) : NULL;
	from = ferry_catalog_platform(cat, env->platform);
	if (!to || !from)
		return add_check(checks, "platform", 0, "$.platforms",
			"%s %s: %s platform '%s' is not in the catalog of %s (rule $.platforms); a "
			"platform package must provide a known platform update", m->name, m->version,
			to ? "the environment's" : "provided", to ? env->platform :
			(m->provides_platform ? m->provides_platform : "(none)"), cat->product);
	failed = check_order(cat, m, env, from, to, checks);
	return failed + check_models(rt, cat, env, from, to, checks);
}
