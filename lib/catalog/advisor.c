/* SPDX-License-Identifier: MIT */
/* advisor.c: the upgrade advisor: kind of move, code/data upgrade, overlayering,
 * hotfixes and the ordered steps for a move, each answer citing its catalog rule. */
#include "ferry/catalog/advisor.h"
#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = { "unsupported", "upgrade", "update", "platform-update" };

const char *ferry_move_kind_name(enum ferry_move_kind k)
{
	return (unsigned)k <= FERRY_MOVE_PLATFORM_UPDATE ? kind_names[k] : "unknown";
}

/* A text of the catalog at $.<a>.<b>.text, or a fallback. */
static const char *cat_text(const struct ferry_catalog *cat, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(json_object_get(cat->json, a), b), "text"));

	return s ? s : "(no text in the catalog)";
}

static void reason(struct ferry_advice *adv, const char *answer, json_t *value,
		   const char *rule, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void reason(struct ferry_advice *adv, const char *answer, json_t *value,
		   const char *rule, const char *fmt, ...)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ferry_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	json_array_append_new(adv->reasons, json_pack("{s:s, s:o, s:s, s:s}", "answer", answer,
		"value", value, "rule", rule, "text", b.data ? b.data : ""));
	ferry_buf_release(&b);
}

static void step(struct ferry_advice *adv, const char *id, const char *envrole,
		 const char *rule, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void step(struct ferry_advice *adv, const char *id, const char *envrole,
		 const char *rule, const char *fmt, ...)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ferry_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	json_array_append_new(adv->steps, json_pack("{s:I, s:s, s:s, s:s, s:s}",
		"step", (json_int_t)json_array_size(adv->steps) + 1, "id", id,
		"environment", envrole, "title", b.data ? b.data : "", "rule", rule));
	ferry_buf_release(&b);
}

/* "7.3 on PU12" / "ax2012" into out. */
static void where(const struct ferry_catalog_release *r, const struct ferry_catalog_platform *p,
		  char *out, size_t cap)
{
	if (p)
		snprintf(out, cap, "%s on %s", r->id, p->id);
	else
		snprintf(out, cap, "%s", r->id);
}

/* Mark unsupported, list what is allowed from the source; FERRY_EREFUSED. */
static int unsupported(struct ferry_advice *adv, struct ferry_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int unsupported(struct ferry_advice *adv, struct ferry_error *err, const char *fmt, ...)
{
	const struct ferry_catalog *cat = adv->cat;
	struct ferry_catalog_target *t = NULL;
	struct ferry_buf b = FERRY_BUF_INIT;
	char src[96], dst[96];
	size_t i, n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(adv->reason, sizeof(adv->reason), fmt, ap);
	va_end(ap);
	adv->kind = FERRY_MOVE_UNSUPPORTED;
	adv->move = NULL;
	ferry_catalog_targets(cat, adv->from->id, adv->from_platform ? adv->from_platform->id : NULL,
			      &t, &n, NULL);
	json_decref(adv->allowed_targets);
	adv->allowed_targets = ferry_catalog_targets_to_json(cat, t, n);
	for (i = 0; i < n; i++) {
		if (t[i].release == adv->from)
			ferry_buf_addf(&b, "%s%s on %s or newer (platform-update)", i ? ", " : "",
				       t[i].release->id, t[i].min_platform->id);
		else
			ferry_buf_addf(&b, "%s%s (%s, %s or newer)", i ? ", " : "", t[i].release->id,
				       t[i].kind, t[i].min_platform->id);
	}
	free(t);
	json_array_clear(adv->steps);
	where(adv->from, adv->from_platform, src, sizeof(src));
	where(adv->to, adv->to_platform, dst, sizeof(dst));
	ferry_error_set(err, FERRY_EREFUSED, "unsupported move from %s to %s: %s; allowed from %s: %s",
			src, dst, adv->reason, src, b.len ? b.data : "nothing (no newer release or platform)");
	ferry_buf_release(&b);
	return FERRY_EREFUSED;
}

static void move_cite(const struct ferry_catalog_move *m, char *path, struct ferry_buf *text)
{
	ferry_catalog_move_path(m, path);
	if (m->is_update)
		ferry_buf_addf(text, "%s", m->text ? m->text : "update");
	else
		ferry_buf_addf(text, "code-upgrade table: %s (AX7.version %s) -> %s: code upgrade service required: %s",
			       m->source_label, m->ax7_version ? m->ax7_version : "not applicable",
			       m->target_label, m->code_upgrade_required ? "Yes" : "No");
}

static const char *models_text(const struct ferry_catalog *cat, struct ferry_buf *b)
{
	size_t i;

	for (i = 0; i < cat->nmodels; i++)
		ferry_buf_addf(b, "%s%s", i ? ", " : "", cat->models[i].name);
	return b->data ? b->data : "none";
}

/* Answers every question for a supported move; kind, move and platforms are set. */
static void answer(struct ferry_advice *adv)
{
	const struct ferry_catalog *cat = adv->cat;
	const struct ferry_catalog_platform *fp = adv->from_platform, *tp = adv->to_platform;
	struct ferry_buf b = FERRY_BUF_INIT;
	char path[48];
	int vendor, platform;

	if (adv->kind == FERRY_MOVE_UPGRADE)
		reason(adv, "kind", json_string("upgrade"), "$.definitions.upgrade", "%s",
		       cat_text(cat, "definitions", "upgrade"));
	else if (adv->kind == FERRY_MOVE_UPDATE)
		reason(adv, "kind", json_string("update"), "$.definitions.update", "%s",
		       cat_text(cat, "definitions", "update"));
	else
		reason(adv, "kind", json_string("platform-update"), "$.definitions.platform_update",
		       "%s", cat_text(cat, "definitions", "platform_update"));

	if (adv->move) {
		move_cite(adv->move, path, &b);
		adv->code_upgrade_required = adv->move->code_upgrade_required;
		reason(adv, "code_upgrade_required", json_boolean(adv->code_upgrade_required), path,
		       "%s", b.data);
		ferry_buf_reset(&b);
	} else {
		adv->code_upgrade_required = 0;
		reason(adv, "code_upgrade_required", json_false(), "$.rules.code_upgrade_platform",
		       "%s", cat_text(cat, "rules", "code_upgrade_platform"));
	}

	adv->data_upgrade_required = adv->kind == FERRY_MOVE_UPGRADE;
	reason(adv, "data_upgrade_required", json_boolean(adv->data_upgrade_required),
	       adv->kind == FERRY_MOVE_UPGRADE ? "$.definitions.upgrade" :
	       adv->kind == FERRY_MOVE_UPDATE ? "$.definitions.update" : "$.definitions.platform_update",
	       "%s", adv->kind == FERRY_MOVE_UPGRADE ? "an upgrade involves Code Upgrade and Data Upgrade" :
	       adv->kind == FERRY_MOVE_UPDATE ? "an update applies a binary package and involves no Data Upgrade" :
	       "a platform-only update needs no code upgrade and no data upgrade scripts");

	vendor = ferry_catalog_release_cmp(adv->to, cat->vendor_locked_from) >= 0 &&
		 ferry_catalog_release_cmp(adv->from, cat->vendor_locked_from) < 0;
	platform = fp && fp->overlayering_allowed && !tp->overlayering_allowed;
	adv->refactor_overlayering_required = vendor || platform;
	if (vendor)
		reason(adv, "refactor_overlayering_required", json_true(),
		       "$.rules.vendor_overlayering_locked_from",
		       "target %s is at or after %s, which locks Microsoft models against overlayering: %s",
		       adv->to->id, cat->vendor_locked_from->id,
		       cat_text(cat, "rules", "vendor_overlayering_locked_from"));
	if (platform)
		reason(adv, "refactor_overlayering_required", json_true(), "$.rules.platform_overlayering",
		       "leaving %s (platform overlayering allowed) for %s (platform locked): %s",
		       fp->id, tp->id, cat_text(cat, "rules", "platform_overlayering"));
	if (!vendor && !platform)
		reason(adv, "refactor_overlayering_required", json_false(),
		       "$.rules.vendor_overlayering_locked_from, $.rules.platform_overlayering",
		       "%s; %s", ferry_catalog_release_cmp(adv->to, cat->vendor_locked_from) < 0 ?
		       "the target is before the release that locks Microsoft models" :
		       "the source already locks Microsoft models, so there is no overlayering to refactor",
		       fp && fp->overlayering_allowed ? "the platform stays on one that allows overlayering" :
		       "the source platform does not allow platform overlayering (or there is none)");

	adv->hotfixes_supported = ferry_catalog_release_cmp(adv->to, cat->hotfixes_unsupported_from) < 0;
	reason(adv, "hotfixes_supported", json_boolean(adv->hotfixes_supported),
	       "$.rules.hotfixes_unsupported_from",
	       "individual hotfixes are %s on %s (none from %s on)%s%s: %s",
	       adv->hotfixes_supported ? "supported" : "not supported", adv->to->id,
	       cat->hotfixes_unsupported_from->id,
	       adv->hotfixes_supported && cat->hotfixes_deprecated ? "; individual hotfixes are deprecated by " : "",
	       adv->hotfixes_supported && cat->hotfixes_deprecated ? cat->hotfixes_deprecated : "",
	       cat_text(cat, "rules", "hotfixes_unsupported_from"));
	ferry_buf_release(&b);
}

static void refactor_step(struct ferry_advice *adv)
{
	const struct ferry_catalog *cat = adv->cat;
	int vendor = ferry_catalog_release_cmp(adv->to, cat->vendor_locked_from) >= 0 &&
		     ferry_catalog_release_cmp(adv->from, cat->vendor_locked_from) < 0;

	if (!adv->refactor_overlayering_required)
		return;
	step(adv, "refactor-overlayering", "development",
	     vendor ? "$.rules.vendor_overlayering_locked_from" : "$.rules.platform_overlayering",
	     "Refactor overlayering into extensions before you %s: %s",
	     adv->kind == FERRY_MOVE_PLATFORM_UPDATE ? "update the platform" : "upgrade",
	     vendor ? "Microsoft models are locked against overlayering on the target" :
	     "platform models are locked on the target platform update");
}

static void steps_upgrade(struct ferry_advice *adv)
{
	const char *to = adv->to->id, *tp = adv->to_platform->id;
	char path[48] = "$.definitions.upgrade";

	refactor_step(adv);
	if (adv->move)
		ferry_catalog_move_path(adv->move, path);
	if (adv->code_upgrade_required)
		step(adv, "code-upgrade", "development", path,
		     "Run the code upgrade service on your code for %s (it also removes old Microsoft X++ hotfixes, so run it even without custom code)", to);
	step(adv, "deploy-development", "development", "$.definitions.upgrade",
	     "Deploy a new development environment on %s with %s; merge the upgraded code, resolve conflicts, build and test, install the hotfixes that apply, create deployable packages and upload them to the project's asset library", to, tp);
	step(adv, "data-upgrade-rehearsal", "development", "$.definitions.upgrade",
	     "Rehearse the data upgrade in that development environment on a copy of the production (or most current) database (required: it reduces the risk of downtime and errors later)");
	step(adv, "sandbox-refresh", "sandbox", "$.definitions.upgrade",
	     "Refresh the sandbox database from production so the upgrade runs on current data (recommended prerequisite)");
	step(adv, "sandbox-upgrade", "sandbox", "$.definitions.upgrade",
	     "Upgrade the sandbox (needs the preview feature upgrade-self-serve): prepare the upgrade-in-progress environment on %s with %s, apply the deployable packages and sign off each, then run the data upgrade (the original sandbox goes down and its database is swapped over)", to, tp);
	step(adv, "commit", "sandbox", "$.definitions.upgrade",
	     "Have users validate the upgraded sandbox, then commit the upgrade (or roll back to restore the original sandbox)");
	step(adv, "production-upgrade", "production", "$.definitions.upgrade",
	     "Upgrade production with the same steps: prepare, apply packages, data upgrade, validate, commit");
	step(adv, "other-sandboxes", "sandbox", "$.definitions.upgrade",
	     "Upgrade the other sandboxes the same way, or delete them, redeploy on %s and refresh their database from an upgraded environment", to);
}

static void steps_update(struct ferry_advice *adv)
{
	char path[48] = "$.definitions.update";

	if (adv->move)
		ferry_catalog_move_path(adv->move, path);
	step(adv, "sandbox-refresh", "sandbox", "$.definitions.update",
	     "Refresh the sandbox database from production so the update is tested on current data (recommended)");
	step(adv, "sandbox-update", "sandbox", path,
	     "Apply the %s binary update package to the sandbox (servicing, no data upgrade), validate and sign off", adv->to->id);
	step(adv, "production-update", "production", path,
	     "Apply the same package to production in your downtime window and sign off");
	step(adv, "other-environments", "sandbox", path,
	     "Apply the package to the other development and sandbox environments");
}

static void steps_platform(struct ferry_advice *adv)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	const char *tp = adv->to_platform->id;

	refactor_step(adv);
	step(adv, "check-platform-models", "development", "$.rules.platform_models",
	     "Check that no package customizes the platform models (%s): then the platform updates in place, without a new environment",
	     models_text(adv->cat, &b));
	step(adv, "sandbox-platform-update", "sandbox", "$.definitions.platform_update",
	     "Apply the %s platform update package to the sandbox in place (no code upgrade, no data upgrade), validate and sign off", tp);
	step(adv, "production-platform-update", "production", "$.definitions.platform_update",
	     "Apply the same platform update to production and sign off");
	step(adv, "other-environments", "sandbox", "$.definitions.platform_update",
	     "Apply it to the other development and sandbox environments");
	ferry_buf_release(&b);
}

/* Resolve the request's ids and the source combination; EINVAL on bad input. */
static int resolve(struct ferry_advice *adv, const struct ferry_advice_request *req,
		   struct ferry_error *err)
{
	const struct ferry_catalog *cat = adv->cat;
	int rc;

	if ((rc = ferry_catalog_resolve_release(cat, req->from, &adv->from, err)))
		return ferry_error_prefix(err, "--from");
	if ((rc = ferry_catalog_resolve_release(cat, req->to, &adv->to, err)))
		return ferry_error_prefix(err, "--to");
	if (req->from_platform &&
	    (rc = ferry_catalog_resolve_platform(cat, req->from_platform, &adv->from_platform, err)))
		return ferry_error_prefix(err, "--from-platform");
	if (req->to_platform &&
	    (rc = ferry_catalog_resolve_platform(cat, req->to_platform, &adv->to_platform, err)))
		return ferry_error_prefix(err, "--to-platform");
	if (adv->from->source_only) {
		if (adv->from_platform)
			return ferry_error_set(err, FERRY_EINVAL,
				"--from-platform: %s (%s) runs on no platform update of this catalog: drop --from-platform",
				adv->from->id, adv->from->name);
		return 0;
	}
	if (!adv->from_platform)
		adv->from_platform = adv->from->platform;
	if ((rc = ferry_catalog_combination_check(cat, adv->from->id, adv->from_platform->id, err))) {
		err->code = FERRY_EINVAL;
		return ferry_error_prefix(err, "the source is not a valid combination");
	}
	return 0;
}

/* Decide the kind and the allowing row; everything else follows from them. */
static int decide(struct ferry_advice *adv, struct ferry_error *err)
{
	const struct ferry_catalog *cat = adv->cat;
	const struct ferry_catalog_platform *fp = adv->from_platform, *tp = adv->to_platform;
	struct ferry_error e;

	if (adv->to->source_only)
		return unsupported(adv, err, "%s is only a source for upgrades, never a target", adv->to->id);
	if (ferry_catalog_combination_check(cat, adv->to->id, tp->id, &e))
		return unsupported(adv, err, "the target is not a valid combination: %s", e.msg);
	if (ferry_catalog_release_cmp(adv->to, adv->from) < 0)
		return unsupported(adv, err, "downgrades are not supported: %s (%s) is older than %s (%s)",
				   adv->to->id, adv->to->name, adv->from->id, adv->from->name);
	if (fp && ferry_catalog_platform_cmp(tp, fp) < 0)
		return unsupported(adv, err, "platform downgrades are not supported: %s is older than %s (platform updates are cumulative and only move forward)",
				   tp->id, fp->id);
	if (adv->to == adv->from && tp == fp)
		return unsupported(adv, err, "nothing to move: the source and the target are both %s on %s",
				   adv->to->id, tp->id);
	adv->move = ferry_catalog_find_move(cat, adv->from, adv->to);
	if (!strcmp(adv->from->application, adv->to->application)) {
		if (!adv->move && adv->to != adv->from)
			return unsupported(adv, err, "the catalog has no platform move from %s to %s",
					   adv->from->id, adv->to->id);
		adv->kind = FERRY_MOVE_PLATFORM_UPDATE;
		return 0;
	}
	if (!adv->move)
		return unsupported(adv, err, "the code-upgrade table allows no move from %s (%s) to %s (%s)",
				   adv->from->id, adv->from->name, adv->to->id, adv->to->name);
	adv->kind = !strcmp(ferry_catalog_move_kind(cat, adv->from), "update") ?
		    FERRY_MOVE_UPDATE : FERRY_MOVE_UPGRADE;
	return 0;
}

int ferry_advisor_check(const struct ferry_catalog *cat, const struct ferry_advice_request *req,
			struct ferry_advice **out, struct ferry_error *err)
{
	struct ferry_advice *adv = calloc(1, sizeof(*adv));
	int rc;

	*out = NULL;
	if (!adv || !(adv->reasons = json_array()) || !(adv->steps = json_array())) {
		ferry_advice_free(adv);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	adv->cat = cat;
	if ((rc = resolve(adv, req, err)))
		goto fail;
	if (!adv->to_platform) {
		if (adv->to == adv->from) {
			rc = ferry_error_set(err, FERRY_EINVAL,
				"--to-platform: needed to move within release %s (the source is on %s)",
				adv->from->id, adv->from_platform ? adv->from_platform->id : "no platform");
			goto fail;
		}
		adv->to_platform = adv->to->platform;
		if (adv->to_platform && adv->from_platform &&
		    adv->from_platform->ordinal > adv->to_platform->ordinal)
			adv->to_platform = adv->from_platform;
	}
	if ((rc = decide(adv, err))) {
		*out = adv;
		return rc;
	}
	answer(adv);
	if (adv->kind == FERRY_MOVE_UPGRADE)
		steps_upgrade(adv);
	else if (adv->kind == FERRY_MOVE_UPDATE)
		steps_update(adv);
	else
		steps_platform(adv);
	*out = adv;
	return 0;
fail:
	ferry_advice_free(adv);
	return rc;
}

void ferry_advice_free(struct ferry_advice *adv)
{
	if (!adv)
		return;
	json_decref(adv->reasons);
	json_decref(adv->steps);
	json_decref(adv->allowed_targets);
	ferry_catalog_free(adv->owned_cat);
	free(adv);
}

static json_t *side_json(const struct ferry_catalog_release *r, const struct ferry_catalog_platform *p)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "release", r->id, "name", r->name,
			 "build", r->build ? json_string(r->build) : json_null(),
			 "platform", p ? json_string(p->id) : json_null());
}

json_t *ferry_advice_to_json(const struct ferry_advice *adv)
{
	int sup = adv->kind != FERRY_MOVE_UNSUPPORTED;
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:O, s:O}",
		"product", adv->cat->product, "kind", ferry_move_kind_name(adv->kind),
		"from", side_json(adv->from, adv->from_platform),
		"to", side_json(adv->to, adv->to_platform),
		"steps", adv->steps, "reasons", adv->reasons);

	json_object_set_new(o, "code_upgrade_required",
			    sup ? json_boolean(adv->code_upgrade_required) : json_null());
	json_object_set_new(o, "data_upgrade_required",
			    sup ? json_boolean(adv->data_upgrade_required) : json_null());
	json_object_set_new(o, "refactor_overlayering_required",
			    sup ? json_boolean(adv->refactor_overlayering_required) : json_null());
	json_object_set_new(o, "hotfixes_supported",
			    sup ? json_boolean(adv->hotfixes_supported) : json_null());
	if (adv->env)
		json_object_set_new(o, "env", json_string(adv->env));
	if (adv->move) {
		char path[48];
		ferry_catalog_move_path(adv->move, path);
		json_object_set_new(o, "rule", json_string(path));
	}
	if (!sup) {
		json_object_set_new(o, "reason", json_string(adv->reason));
		json_object_set_new(o, "allowed_targets", adv->allowed_targets ?
				    json_incref(adv->allowed_targets) : json_array());
	}
	return o;
}
