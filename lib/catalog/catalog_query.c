/* SPDX-License-Identifier: MIT */
/* catalog_query.c: questions asked of a loaded release catalog: what a user typed
 * resolved with a clear refusal, rules, valid combinations, allowed moves and
 * targets, and JSON views. Lookups by id are catalog_lookup.c. */
#include "ferry/catalog/catalog.h"
#include "ferry/base/util.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "ax2012, 7.0, ..." (every release, or only those that can run when runnable). */
static void release_ids(const struct ferry_catalog *cat, int runnable, struct ferry_buf *b)
{
	size_t i;

	for (i = 0; i < cat->nreleases; i++)
		if (!runnable || !cat->releases[i].source_only)
			ferry_buf_addf(b, "%s%s", b->len ? ", " : "", cat->releases[i].id);
}

/* Looks like an AX7.version build string rather than a release id: only digits
 * and dots with at least two dots, or anything with three dots or more. */
static int looks_like_build(const char *s)
{
	int dots = 0, other = 0;

	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (!isdigit((unsigned char)*s))
			other = 1;
	}
	return dots >= 3 || (dots == 2 && !other);
}

int ferry_catalog_resolve_release(const struct ferry_catalog *cat, const char *version,
				  const struct ferry_catalog_release **out,
				  struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc;

	*out = NULL;
	if (!version || !*version)
		return ferry_error_set(err, FERRY_EINVAL, "missing release: give a release id or an AX7.version build string");
	if ((*out = ferry_catalog_release(cat, version)))
		return 0;
	release_ids(cat, 0, &b);
	if (looks_like_build(version)) {
		size_t i;
		if (!ferry_catalog_build_ok(version)) {
			rc = ferry_error_set(err, FERRY_EINVAL,
				"malformed AX7.version build string '%s': expected four dot-separated numbers like "
				"7.3.11971.56116 (or a release id: %s)", version, b.data ? b.data : "");
			goto out;
		}
		if ((*out = ferry_catalog_release_by_build(cat, version))) {
			rc = 0;
			goto out;
		}
		ferry_buf_reset(&b);
		for (i = 0; i < cat->nreleases; i++)
			if (cat->releases[i].build)
				ferry_buf_addf(&b, "%s%s (%s)", b.len ? ", " : "", cat->releases[i].build,
					       cat->releases[i].id);
		rc = ferry_error_set(err, FERRY_EINVAL,
			"unknown AX7.version build string '%s' in the %s catalog: known builds are %s",
			version, cat->product, b.data ? b.data : "none");
		goto out;
	}
	{
		char shown[FERRY_ECHO_MAX];
		ferry_echo(version, shown, sizeof(shown));
		rc = ferry_error_set(err, FERRY_EINVAL,
			"unknown release '%s' in the %s catalog: releases are %s (or give an AX7.version "
			"build string)", shown, cat->product, b.data ? b.data : "none");
	}
out:
	ferry_buf_release(&b);
	return rc;
}

/* Lowest and highest platform with an ordinal in [lo, hi] (hi < 0: no bound). */
static void platform_span(const struct ferry_catalog *cat, int lo, int hi,
			  const struct ferry_catalog_platform **first,
			  const struct ferry_catalog_platform **last)
{
	size_t i;

	*first = *last = NULL;
	for (i = 0; i < cat->nplatforms; i++) {
		const struct ferry_catalog_platform *p = &cat->platforms[i];
		if (p->ordinal < lo || (hi >= 0 && p->ordinal > hi))
			continue;
		if (!*first || p->ordinal < (*first)->ordinal)
			*first = p;
		if (!*last || p->ordinal > (*last)->ordinal)
			*last = p;
	}
}

/* "PU20 .. PU30" or "PU20" into out. */
static void span_text(const struct ferry_catalog *cat, int lo, int hi, char *out, size_t cap)
{
	const struct ferry_catalog_platform *a, *z;

	platform_span(cat, lo, hi, &a, &z);
	if (!a)
		snprintf(out, cap, "none");
	else if (a == z)
		snprintf(out, cap, "%s", a->id);
	else
		snprintf(out, cap, "%s .. %s", a->id, z->id);
}

int ferry_catalog_resolve_platform(const struct ferry_catalog *cat, const char *id,
				   const struct ferry_catalog_platform **out,
				   struct ferry_error *err)
{
	char span[96];

	if ((*out = ferry_catalog_platform(cat, id)))
		return 0;
	span_text(cat, 0, -1, span, sizeof(span));
	if (!id || !*id)
		return ferry_error_set(err, FERRY_EINVAL, "missing platform: platforms are %s", span);
	{
		char shown[FERRY_ECHO_MAX];
		ferry_echo(id, shown, sizeof(shown));
		return ferry_error_set(err, FERRY_EINVAL,
			"unknown platform '%s' in the %s catalog: platforms are %s", shown, cat->product, span);
	}
}

int ferry_catalog_platform_compare(const struct ferry_catalog *cat, const char *a,
				   const char *b, int *result, struct ferry_error *err)
{
	const struct ferry_catalog_platform *pa, *pb;
	int rc;

	if ((rc = ferry_catalog_resolve_platform(cat, a, &pa, err)) ||
	    (rc = ferry_catalog_resolve_platform(cat, b, &pb, err)))
		return rc;
	*result = ferry_catalog_platform_cmp(pa, pb);
	return 0;
}

int ferry_catalog_hotfixes_supported(const struct ferry_catalog *cat, const char *release)
{
	const struct ferry_catalog_release *r = ferry_catalog_release(cat, release);

	if (!r)
		return FERRY_ENOTFOUND;
	return ferry_catalog_release_cmp(r, cat->hotfixes_unsupported_from) < 0;
}

int ferry_catalog_vendor_overlayering_locked(const struct ferry_catalog *cat, const char *release)
{
	const struct ferry_catalog_release *r = ferry_catalog_release(cat, release);

	if (!r)
		return FERRY_ENOTFOUND;
	return ferry_catalog_release_cmp(r, cat->vendor_locked_from) >= 0;
}

int ferry_catalog_platform_overlayering_allowed(const struct ferry_catalog *cat, const char *pu)
{
	const struct ferry_catalog_platform *p = ferry_catalog_platform(cat, pu);

	if (!p)
		return FERRY_ENOTFOUND;
	return p->overlayering_allowed;
}

/* Compare ignoring case and spaces: "application platform" == "ApplicationPlatform". */
static int model_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

int ferry_catalog_is_platform_model(const struct ferry_catalog *cat, const char *model)
{
	size_t i;

	for (i = 0; model && *model && i < cat->nmodels; i++)
		if (model_eq(cat->models[i].name, model) || model_eq(cat->models[i].model, model))
			return 1;
	return 0;
}

int ferry_catalog_combination_check(const struct ferry_catalog *cat, const char *release,
				    const char *platform, struct ferry_error *err)
{
	const struct ferry_catalog_release *r;
	const struct ferry_catalog_platform *p;
	int hi, rc;
	char span[96];

	if (!(r = ferry_catalog_release(cat, release))) {
		struct ferry_buf b = FERRY_BUF_INIT;
		release_ids(cat, 1, &b);
		char shown[FERRY_ECHO_MAX];
		ferry_echo(release, shown, sizeof(shown));
		rc = ferry_error_set(err, FERRY_EINVAL, "unknown release '%s' in the %s catalog: valid releases are %s",
				     shown, cat->product, b.data ? b.data : "none");
		ferry_buf_release(&b);
		return rc;
	}
	if (r->source_only) {
		struct ferry_buf b = FERRY_BUF_INIT;
		release_ids(cat, 1, &b);
		rc = ferry_error_set(err, FERRY_EINVAL,
			"release '%s' (%s) is only a source for upgrades and runs on no platform: valid releases are %s",
			r->id, r->name, b.data ? b.data : "none");
		ferry_buf_release(&b);
		return rc;
	}
	if ((rc = ferry_catalog_resolve_platform(cat, platform, &p, err)))
		return rc;
	hi = r->max_platform ? r->max_platform->ordinal : -1;
	span_text(cat, r->min_platform->ordinal, hi, span, sizeof(span));
	if (p->ordinal < r->min_platform->ordinal)
		return ferry_error_set(err, FERRY_EREFUSED,
			"platform %s is too old for release %s, which needs %s or newer: valid platforms are %s",
			p->id, r->id, r->min_platform->id, span);
	if (hi >= 0 && p->ordinal > hi)
		return ferry_error_set(err, FERRY_EREFUSED,
			"platform %s is too new for release %s, which runs up to %s: valid platforms are %s",
			p->id, r->id, r->max_platform->id, span);
	return 0;
}

static int move_has_target(const struct ferry_catalog_move *m, const struct ferry_catalog_release *to)
{
	size_t i;

	for (i = 0; i < m->ntargets; i++)
		if (m->targets[i] == to)
			return 1;
	return 0;
}

const struct ferry_catalog_move *ferry_catalog_find_move(const struct ferry_catalog *cat,
							 const struct ferry_catalog_release *from,
							 const struct ferry_catalog_release *to)
{
	size_t i;

	for (i = 0; i < cat->nmoves; i++) {
		const struct ferry_catalog_move *m = &cat->moves[i];
		if (m->source != from)
			continue;
		if (m->newer_platform ? to == from : move_has_target(m, to))
			return m;
	}
	return NULL;
}

const char *ferry_catalog_move_kind(const struct ferry_catalog *cat,
				    const struct ferry_catalog_release *from)
{
	return ferry_catalog_release_cmp(from, cat->update_from) >= 0 ? "update" : "upgrade";
}

void ferry_catalog_move_path(const struct ferry_catalog_move *m, char out[48])
{
	snprintf(out, 48, "$.%s[%d]", m->is_update ? "updates" : "code_upgrade", m->row);
}

static const struct ferry_catalog_platform *
platform_at_least(const struct ferry_catalog *cat, const struct ferry_catalog_platform *a,
		  const struct ferry_catalog_platform *b)
{
	(void)cat;
	if (!a)
		return b;
	if (!b)
		return a;
	return a->ordinal >= b->ordinal ? a : b;
}

/* The platform after `cur` (lowest ordinal above it) within r's maximum, or NULL. */
static const struct ferry_catalog_platform *
next_platform(const struct ferry_catalog *cat, const struct ferry_catalog_release *r,
	      const struct ferry_catalog_platform *cur)
{
	const struct ferry_catalog_platform *a, *z;

	platform_span(cat, cur->ordinal + 1, r->max_platform ? r->max_platform->ordinal : -1, &a, &z);
	return a;
}

int ferry_catalog_targets(const struct ferry_catalog *cat, const char *release,
			  const char *platform, struct ferry_catalog_target **out, size_t *n,
			  struct ferry_error *err)
{
	const struct ferry_catalog_release *from;
	const struct ferry_catalog_platform *cur = NULL, *next;
	struct ferry_catalog_target *t;
	size_t i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = ferry_catalog_resolve_release(cat, release, &from, err)))
		return rc;
	if (from->source_only && platform)
		return ferry_error_set(err, FERRY_EINVAL, "release '%s' is a source only and has no platform", from->id);
	if (!from->source_only) {
		cur = platform ? ferry_catalog_platform(cat, platform) : from->platform;
		if ((rc = ferry_catalog_combination_check(cat, from->id, platform ? platform : cur->id, err)))
			return rc;
	}
	if (!(t = calloc(cat->nreleases + 1, sizeof(*t))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	for (i = cat->nreleases; i-- > 0;) {
		const struct ferry_catalog_release *r = &cat->releases[i];
		const struct ferry_catalog_move *m;

		if (r == from || !(m = ferry_catalog_find_move(cat, from, r)))
			continue;
		t[k].release = r;
		t[k].min_platform = platform_at_least(cat, r->min_platform, cur);
		t[k].kind = m->type == FERRY_CATALOG_MOVE_PLATFORM ? "platform-update" :
			    ferry_catalog_move_kind(cat, from);
		t[k].code_upgrade_required = m->code_upgrade_required;
		t[k].move = m;
		k++;
	}
	if (cur && (next = next_platform(cat, from, cur))) {
		t[k].release = from;
		t[k].min_platform = next;
		t[k].kind = "platform-update";
		t[k].move = ferry_catalog_find_move(cat, from, from);
		t[k].code_upgrade_required = t[k].move ? t[k].move->code_upgrade_required : 0;
		k++;
	}
	*out = t;
	*n = k;
	return 0;
}

json_t *ferry_catalog_targets_to_json(const struct ferry_catalog *cat,
				      const struct ferry_catalog_target *t, size_t n)
{
	json_t *arr = json_array();
	char rule[48];
	size_t i;

	(void)cat;
	for (i = 0; i < n; i++) {
		if (t[i].move)
			ferry_catalog_move_path(t[i].move, rule);
		else
			snprintf(rule, sizeof(rule), "$.definitions.platform_update");
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}",
			"release", t[i].release->id, "name", t[i].release->name, "kind", t[i].kind,
			"min_platform", t[i].min_platform ? t[i].min_platform->id : "",
			"code_upgrade_required", t[i].code_upgrade_required, "rule", rule));
	}
	return arr;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *ferry_catalog_release_to_json(const struct ferry_catalog *cat,
				      const struct ferry_catalog_release *r)
{
	struct ferry_catalog_target *t = NULL;
	json_t *o = json_object();
	size_t n = 0;

	json_object_set_new(o, "product", json_string(cat->product));
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "application", json_string(r->application));
	json_object_set_new(o, "build", str_or_null(r->build));
	json_object_set_new(o, "date", str_or_null(r->date));
	json_object_set_new(o, "source_only", json_boolean(r->source_only));
	json_object_set_new(o, "platform", str_or_null(r->platform ? r->platform->id : NULL));
	json_object_set_new(o, "min_platform", str_or_null(r->min_platform ? r->min_platform->id : NULL));
	json_object_set_new(o, "max_platform", str_or_null(r->max_platform ? r->max_platform->id : NULL));
	json_object_set_new(o, "hotfixes_supported",
			    json_boolean(ferry_catalog_hotfixes_supported(cat, r->id) == 1));
	json_object_set_new(o, "vendor_overlayering_locked",
			    json_boolean(ferry_catalog_vendor_overlayering_locked(cat, r->id) == 1));
	json_object_set_new(o, "kind_of_moves", json_string(ferry_catalog_move_kind(cat, r)));
	if (ferry_catalog_targets(cat, r->id, NULL, &t, &n, NULL) == 0)
		json_object_set_new(o, "targets", ferry_catalog_targets_to_json(cat, t, n));
	free(t);
	return o;
}

json_t *ferry_catalog_to_json(const struct ferry_catalog *cat)
{
	json_t *o = json_deep_copy(cat->json), *rels = json_array();
	size_t i;

	for (i = 0; i < cat->nreleases; i++) {
		json_t *r = ferry_catalog_release_to_json(cat, &cat->releases[i]);
		json_object_del(r, "product");
		json_object_del(r, "targets");
		json_array_append_new(rels, r);
	}
	json_object_set_new(o, "releases", rels);
	json_object_set_new(o, "path", json_string(cat->path));
	return o;
}
