/* SPDX-License-Identifier: MIT */
/* catalog.c: loading and validating release catalogs (JSON data files, schema in
 * docs/CATALOG.md) and finding a product's catalog along the search path. Lookups
 * are catalog_lookup.c; the questions asked of a loaded catalog, catalog_query.c. */
#include "ferry/catalog/catalog.h"
#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Validation context: where we are, for "origin: $.path: what" messages. */
struct vctx {
	const char *origin;
	struct ferry_error *err;
	struct ferry_catalog *cat;
};

static int bad(struct vctx *v, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct vctx *v, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ferry_error_set(v->err, FERRY_EINVAL, "%s: %s: %s", v->origin, path, msg);
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	default: return "null";
	}
}

/* Member `key` of obj at `path`: required (missing is an error) or optional (*out NULL). */
static int get_member(struct vctx *v, const json_t *obj, const char *path, const char *key,
		      json_type type, int required, json_t **out)
{
	static const char *const want[] = { "an object", "an array", "a string", "an integer",
					     "a number", "a boolean", "a boolean", "null" };
	json_t *m = json_object_get(obj, key);

	*out = NULL;
	if (!m || (json_is_null(m) && !required)) {
		if (required)
			return bad(v, path, "missing required field '%s'", key);
		return 0;
	}
	if (json_typeof(m) != type &&
	    !(type == JSON_TRUE && json_is_boolean(m))) {
		return bad(v, path, "field '%s' must be %s, not %s", key, want[type], type_name(m));
	}
	*out = m;
	return 0;
}

static int get_str(struct vctx *v, const json_t *obj, const char *path, const char *key,
		   int required, const char **out)
{
	json_t *m;
	int rc = get_member(v, obj, path, key, JSON_STRING, required, &m);

	*out = m ? json_string_value(m) : NULL;
	if (!rc && m && !**out)
		return bad(v, path, "field '%s' must not be empty", key);
	return rc;
}

static int get_bool(struct vctx *v, const json_t *obj, const char *path, const char *key,
		    int required, int *out)
{
	json_t *m;
	int rc = get_member(v, obj, path, key, JSON_TRUE, required, &m);

	*out = m ? json_is_true(m) : 0;
	return rc;
}

static int id_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63 || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

static int date_ok(const char *s)
{
	return strlen(s) == 7 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-' &&
	       ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') ||
		(s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

static int get_date(struct vctx *v, const json_t *obj, const char *path, const char **out)
{
	int rc = get_str(v, obj, path, "date", 0, out);

	if (!rc && *out && !date_ok(*out))
		return bad(v, path, "field 'date' must be YEAR-MONTH like \"2016-08\", not \"%s\"", *out);
	return rc;
}

static int get_array(struct vctx *v, const json_t *obj, const char *path, const char *key,
		     int required, json_t **out)
{
	return get_member(v, obj, path, key, JSON_ARRAY, required, out);
}

static int known_platform(struct vctx *v, const json_t *obj, const char *path, const char *key,
			  int required, const struct ferry_catalog_platform **out)
{
	const char *id;
	int rc = get_str(v, obj, path, key, required, &id);

	*out = NULL;
	if (rc || !id)
		return rc;
	if (!(*out = ferry_catalog_platform(v->cat, id)))
		return bad(v, path, "'%s' names unknown platform '%s' (not in $.platforms)", key, id);
	return 0;
}

static int known_release(struct vctx *v, const json_t *obj, const char *path, const char *key,
			 const struct ferry_catalog_release **out)
{
	const char *id;
	int rc = get_str(v, obj, path, key, 1, &id);

	*out = NULL;
	if (rc)
		return rc;
	if (!(*out = ferry_catalog_release(v->cat, id)))
		return bad(v, path, "'%s' names unknown release '%s' (not in $.releases)", key, id);
	return 0;
}

static int load_platforms(struct vctx *v, json_t *arr)
{
	struct ferry_catalog *cat = v->cat;
	char path[64];
	size_t i, j;
	json_t *o;

	cat->platforms = calloc(json_array_size(arr) + 1, sizeof(*cat->platforms));
	if (!cat->platforms)
		return ferry_error_set(v->err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(arr, i, o) {
		struct ferry_catalog_platform *p = &cat->platforms[i];
		json_t *ord;
		int rc;

		snprintf(path, sizeof(path), "$.platforms[%zu]", i);
		if (!json_is_object(o))
			return bad(v, path, "must be an object, not %s", type_name(o));
		if ((rc = get_str(v, o, path, "id", 1, &p->id)) ||
		    (rc = get_str(v, o, path, "name", 1, &p->name)) ||
		    (rc = get_date(v, o, path, &p->date)) ||
		    (rc = get_member(v, o, path, "ordinal", JSON_INTEGER, 1, &ord)) ||
		    (rc = get_bool(v, o, path, "overlayering_allowed", 1, &p->overlayering_allowed)))
			return rc;
		if (!id_ok(p->id))
			return bad(v, path, "id '%s' must be 1-63 characters of [A-Za-z0-9._-]", p->id);
		if (json_integer_value(ord) < 0 || json_integer_value(ord) > 100000)
			return bad(v, path, "ordinal must be between 0 and 100000");
		p->ordinal = (int)json_integer_value(ord);
		for (j = 0; j < i; j++) {
			if (!strcasecmp(cat->platforms[j].id, p->id))
				return bad(v, path, "duplicate platform id '%s' (also $.platforms[%zu])", p->id, j);
			if (cat->platforms[j].ordinal == p->ordinal)
				return bad(v, path, "ordinal %d is also the ordinal of '%s': ordinals order platforms and must be unique",
					   p->ordinal, cat->platforms[j].id);
		}
		cat->nplatforms = i + 1;
	}
	if (!cat->nplatforms)
		return bad(v, "$.platforms", "must list at least one platform");
	return 0;
}

static int load_releases(struct vctx *v, json_t *arr)
{
	struct ferry_catalog *cat = v->cat;
	char path[64];
	size_t i, j;
	json_t *o;

	cat->releases = calloc(json_array_size(arr) + 1, sizeof(*cat->releases));
	if (!cat->releases)
		return ferry_error_set(v->err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(arr, i, o) {
		struct ferry_catalog_release *r = &cat->releases[i];
		int rc;

		snprintf(path, sizeof(path), "$.releases[%zu]", i);
		if (!json_is_object(o))
			return bad(v, path, "must be an object, not %s", type_name(o));
		r->index = (int)i;
		if ((rc = get_str(v, o, path, "id", 1, &r->id)) ||
		    (rc = get_str(v, o, path, "name", 1, &r->name)) ||
		    (rc = get_str(v, o, path, "application", 0, &r->application)) ||
		    (rc = get_str(v, o, path, "build", 0, &r->build)) ||
		    (rc = get_date(v, o, path, &r->date)) ||
		    (rc = get_bool(v, o, path, "source_only", 0, &r->source_only)) ||
		    (rc = known_platform(v, o, path, "platform", !r->source_only, &r->platform)))
			return rc;
		if (!id_ok(r->id))
			return bad(v, path, "id '%s' must be 1-63 characters of [A-Za-z0-9._-]", r->id);
		if (!r->application)
			r->application = r->id;
		if (r->build && !ferry_catalog_build_ok(r->build))
			return bad(v, path, "build '%s' is not an AX7.version build string (four dot-separated numbers like 7.3.11971.56116)", r->build);
		if (r->source_only && r->platform)
			return bad(v, path, "a source-only release has no 'platform'");
		for (j = 0; j < i; j++) {
			if (!strcmp(cat->releases[j].id, r->id))
				return bad(v, path, "duplicate release id '%s' (also $.releases[%zu])", r->id, j);
			if (r->build && cat->releases[j].build && !strcmp(cat->releases[j].build, r->build))
				return bad(v, path, "build '%s' is also the build of release '%s'", r->build, cat->releases[j].id);
		}
		cat->nreleases = i + 1;
	}
	if (!cat->nreleases)
		return bad(v, "$.releases", "must list at least one release");
	return 0;
}

static int load_models(struct vctx *v, json_t *arr)
{
	struct ferry_catalog *cat = v->cat;
	char path[64];
	size_t i;
	json_t *o;

	cat->models = calloc(json_array_size(arr) + 1, sizeof(*cat->models));
	if (!cat->models)
		return ferry_error_set(v->err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(arr, i, o) {
		int rc;

		snprintf(path, sizeof(path), "$.platform_models[%zu]", i);
		if (!json_is_object(o))
			return bad(v, path, "must be an object, not %s", type_name(o));
		if ((rc = get_str(v, o, path, "name", 1, &cat->models[i].name)) ||
		    (rc = get_str(v, o, path, "model", 1, &cat->models[i].model)))
			return rc;
		cat->nmodels = i + 1;
	}
	return 0;
}

static int load_combinations(struct vctx *v, json_t *arr)
{
	struct ferry_catalog *cat = v->cat;
	char path[64];
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o) {
		const struct ferry_catalog_release *cr;
		const struct ferry_catalog_platform *min, *max;
		struct ferry_catalog_release *r;
		int rc;

		snprintf(path, sizeof(path), "$.combinations[%zu]", i);
		if (!json_is_object(o))
			return bad(v, path, "must be an object, not %s", type_name(o));
		if ((rc = known_release(v, o, path, "release", &cr)) ||
		    (rc = known_platform(v, o, path, "min_platform", 1, &min)) ||
		    (rc = known_platform(v, o, path, "max_platform", 0, &max)))
			return rc;
		r = &cat->releases[cr->index];
		if (r->source_only)
			return bad(v, path, "release '%s' is a source only and has no platform", r->id);
		if (r->min_platform)
			return bad(v, path, "release '%s' already has a combination", r->id);
		if (max && max->ordinal < min->ordinal)
			return bad(v, path, "max_platform '%s' is older than min_platform '%s'", max->id, min->id);
		if (r->platform->ordinal < min->ordinal || (max && r->platform->ordinal > max->ordinal))
			return bad(v, path, "release '%s' ships with '%s', outside its own combination",
				   r->id, r->platform->id);
		r->min_platform = min;
		r->max_platform = max;
	}
	for (i = 0; i < cat->nreleases; i++)
		if (!cat->releases[i].source_only && !cat->releases[i].min_platform)
			return bad(v, "$.combinations", "release '%s' has no combination (each release needs its min_platform)",
				   cat->releases[i].id);
	return 0;
}

static int load_targets(struct vctx *v, json_t *o, const char *path, struct ferry_catalog_move *m)
{
	json_t *arr, *t;
	char tpath[96];
	size_t i;
	int rc = get_array(v, o, path, "targets", !m->newer_platform, &arr);

	if (rc || !arr)
		return rc;
	if (!json_array_size(arr))
		return bad(v, path, "'targets' must not be empty");
	m->targets = calloc(json_array_size(arr), sizeof(*m->targets));
	if (!m->targets)
		return ferry_error_set(v->err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(arr, i, t) {
		const struct ferry_catalog_release *r;

		snprintf(tpath, sizeof(tpath), "%s.targets[%zu]", path, i);
		if (!json_is_string(t))
			return bad(v, tpath, "must be a release id string, not %s", type_name(t));
		if (!(r = ferry_catalog_release(v->cat, json_string_value(t))))
			return bad(v, tpath, "unknown release '%s' (not in $.releases)", json_string_value(t));
		if (r->source_only)
			return bad(v, tpath, "release '%s' is a source only and cannot be a target", r->id);
		if (r->index <= m->source->index)
			return bad(v, tpath, "target '%s' is not newer than source '%s' (releases are listed oldest first)",
				   r->id, m->source->id);
		if ((m->type == FERRY_CATALOG_MOVE_PLATFORM) != !strcmp(r->application, m->source->application))
			return bad(v, tpath, m->type == FERRY_CATALOG_MOVE_PLATFORM ?
				   "a platform move must keep the application of '%s'" :
				   "an application move must change the application of '%s'", m->source->id);
		m->targets[m->ntargets++] = r;
	}
	return 0;
}

static int load_move(struct vctx *v, json_t *o, const char *path, struct ferry_catalog_move *m)
{
	const char *type = NULL;
	int rc;

	if (!json_is_object(o))
		return bad(v, path, "must be an object, not %s", type_name(o));
	if ((rc = known_release(v, o, path, "source", &m->source)) ||
	    (rc = get_bool(v, o, path, "code_upgrade_required", 1, &m->code_upgrade_required)) ||
	    (rc = get_str(v, o, path, "text", 0, &m->text)))
		return rc;
	if (m->is_update) {
		m->type = FERRY_CATALOG_MOVE_APPLICATION;
		return load_targets(v, o, path, m);
	}
	if ((rc = get_str(v, o, path, "source_label", 1, &m->source_label)) ||
	    (rc = get_str(v, o, path, "target_label", 1, &m->target_label)) ||
	    (rc = get_str(v, o, path, "move", 1, &type)) ||
	    (rc = get_bool(v, o, path, "newer_platform", 0, &m->newer_platform)))
		return rc;
	if (!json_object_get(o, "ax7_version"))
		return bad(v, path, "missing required field 'ax7_version' (a build string or null for 'Not applicable')");
	if ((rc = get_str(v, o, path, "ax7_version", 0, &m->ax7_version)))
		return rc;
	if (m->ax7_version && (!m->source->build || strcmp(m->ax7_version, m->source->build)))
		return bad(v, path, "ax7_version '%s' is not the build of release '%s' (%s)", m->ax7_version,
			   m->source->id, m->source->build ? m->source->build : "none");
	if (!strcmp(type, "application"))
		m->type = FERRY_CATALOG_MOVE_APPLICATION;
	else if (!strcmp(type, "platform"))
		m->type = FERRY_CATALOG_MOVE_PLATFORM;
	else
		return bad(v, path, "'move' must be \"application\" or \"platform\", not \"%s\"", type);
	if (m->newer_platform && m->type != FERRY_CATALOG_MOVE_PLATFORM)
		return bad(v, path, "'newer_platform' needs \"move\": \"platform\"");
	if (m->newer_platform && json_object_get(o, "targets"))
		return bad(v, path, "give either 'targets' or 'newer_platform', not both");
	if (m->type == FERRY_CATALOG_MOVE_PLATFORM && m->source->source_only)
		return bad(v, path, "source-only release '%s' has no platform to update", m->source->id);
	return load_targets(v, o, path, m);
}

static int load_moves(struct vctx *v, json_t *table, json_t *updates)
{
	struct ferry_catalog *cat = v->cat;
	size_t i, n = json_array_size(table) + (updates ? json_array_size(updates) : 0);
	char path[64];
	json_t *o;
	int rc;

	cat->moves = calloc(n + 1, sizeof(*cat->moves));
	if (!cat->moves)
		return ferry_error_set(v->err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(table, i, o) {
		struct ferry_catalog_move *m = &cat->moves[cat->nmoves++];
		m->row = (int)i;
		snprintf(path, sizeof(path), "$.code_upgrade[%zu]", i);
		if ((rc = load_move(v, o, path, m)))
			return rc;
	}
	json_array_foreach(updates, i, o) {
		struct ferry_catalog_move *m = &cat->moves[cat->nmoves++];
		m->row = (int)i;
		m->is_update = 1;
		snprintf(path, sizeof(path), "$.updates[%zu]", i);
		if ((rc = load_move(v, o, path, m)))
			return rc;
		if (ferry_catalog_release_cmp(m->source, cat->update_from) < 0)
			return bad(v, path, "source '%s' is before $.definitions.update.from '%s': list it in $.code_upgrade",
				   m->source->id, cat->update_from->id);
	}
	return 0;
}

/* A rule object { "release": id, "text": ... } at $.<parent>.<key>. */
static int load_rule(struct vctx *v, json_t *parent, const char *ppath, const char *key,
		     const char *rel_key, const struct ferry_catalog_release **out, json_t **obj)
{
	char path[96];
	const char *text;
	int rc;

	if ((rc = get_member(v, parent, ppath, key, JSON_OBJECT, 1, obj)))
		return rc;
	snprintf(path, sizeof(path), "%s.%s", ppath, key);
	if ((rc = known_release(v, *obj, path, rel_key, out)) ||
	    (rc = get_str(v, *obj, path, "text", 1, &text)))
		return rc;
	return 0;
}

static int load_rules(struct vctx *v, json_t *root)
{
	struct ferry_catalog *cat = v->cat;
	const struct ferry_catalog_release *before;
	json_t *defs, *rules, *o;
	int rc;

	if ((rc = get_member(v, root, "$", "definitions", JSON_OBJECT, 1, &defs)) ||
	    (rc = load_rule(v, defs, "$.definitions", "upgrade", "before", &before, &o)) ||
	    (rc = load_rule(v, defs, "$.definitions", "update", "from", &cat->update_from, &o)) ||
	    (rc = get_member(v, root, "$", "rules", JSON_OBJECT, 1, &rules)) ||
	    (rc = load_rule(v, rules, "$.rules", "vendor_overlayering_locked_from", "release",
			    &cat->vendor_locked_from, &o)) ||
	    (rc = load_rule(v, rules, "$.rules", "hotfixes_unsupported_from", "release",
			    &cat->hotfixes_unsupported_from, &o)) ||
	    (rc = get_str(v, o, "$.rules.hotfixes_unsupported_from", "deprecated", 0,
			  &cat->hotfixes_deprecated)))
		return rc;
	if (before != cat->update_from)
		return bad(v, "$.definitions", "upgrade.before ('%s') and update.from ('%s') must name the same release",
			   before->id, cat->update_from->id);
	if (cat->hotfixes_deprecated && !date_ok(cat->hotfixes_deprecated))
		return bad(v, "$.rules.hotfixes_unsupported_from", "'deprecated' must be YEAR-MONTH like \"2019-04\"");
	return 0;
}

static int catalog_validate(struct vctx *v, json_t *root)
{
	struct ferry_catalog *cat = v->cat;
	json_t *fmt, *plats, *rels, *models, *combos, *table, *updates;
	int rc;

	if (!json_is_object(root))
		return bad(v, "$", "a catalog must be a JSON object, not %s", type_name(root));
	if ((rc = get_member(v, root, "$", "format", JSON_INTEGER, 1, &fmt)))
		return rc;
	if (json_integer_value(fmt) != FERRY_CATALOG_FORMAT)
		return bad(v, "$.format", "unsupported catalog format %lld (this ferry reads format %d)",
			   (long long)json_integer_value(fmt), FERRY_CATALOG_FORMAT);
	if ((rc = get_str(v, root, "$", "product", 1, &cat->product)) ||
	    (rc = get_str(v, root, "$", "name", 1, &cat->name)) ||
	    (rc = get_str(v, root, "$", "source", 0, &cat->source)))
		return rc;
	if (!id_ok(cat->product))
		return bad(v, "$.product", "'%s' must be 1-63 characters of [A-Za-z0-9._-]", cat->product);
	if ((rc = get_array(v, root, "$", "platforms", 1, &plats)) ||
	    (rc = load_platforms(v, plats)) ||
	    (rc = get_array(v, root, "$", "releases", 1, &rels)) ||
	    (rc = load_releases(v, rels)) ||
	    (rc = get_array(v, root, "$", "platform_models", 1, &models)) ||
	    (rc = load_models(v, models)) ||
	    (rc = get_array(v, root, "$", "combinations", 1, &combos)) ||
	    (rc = load_combinations(v, combos)) ||
	    (rc = load_rules(v, root)) ||
	    (rc = get_array(v, root, "$", "code_upgrade", 1, &table)) ||
	    (rc = get_array(v, root, "$", "updates", 0, &updates)) ||
	    (rc = load_moves(v, table, updates)))
		return rc;
	return 0;
}

int ferry_catalog_parse(const char *text, size_t len, const char *origin,
			struct ferry_catalog **out, struct ferry_error *err)
{
	struct ferry_catalog *cat;
	struct vctx v = { origin ? origin : "catalog", err, NULL };
	json_error_t je;
	json_t *root;
	int rc;

	*out = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ferry_error_set(err, FERRY_EINVAL, "%s:%d:%d: invalid JSON: %s", v.origin,
				       je.line, je.column, je.text);
	cat = calloc(1, sizeof(*cat));
	if (!cat || !(cat->path = strdup(v.origin))) {
		free(cat);
		json_decref(root);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	cat->json = root;
	v.cat = cat;
	if ((rc = catalog_validate(&v, root))) {
		ferry_catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

int ferry_catalog_load(const char *path, struct ferry_catalog **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc;

	*out = NULL;
	b.limit = 16u << 20;
	if ((rc = ferry_buf_read_file(&b, path))) {
		int e = errno;
		ferry_buf_release(&b);
		if (rc == FERRY_EIO && e == ENOENT)
			return ferry_error_set(err, FERRY_ENOTFOUND, "%s: no such catalog file", path);
		if (rc == FERRY_EIO)
			return ferry_error_errno(err, FERRY_EIO, e, "reading catalog %s", path);
		return ferry_error_set(err, rc, "reading catalog %s: larger than 16 MiB", path);
	}
	rc = ferry_catalog_parse(b.data ? b.data : "", b.len, path, out, err);
	ferry_buf_release(&b);
	return rc;
}

void ferry_catalog_free(struct ferry_catalog *cat)
{
	size_t i;

	if (!cat)
		return;
	for (i = 0; i < cat->nmoves; i++)
		free(cat->moves[i].targets);
	free(cat->moves);
	free(cat->models);
	free(cat->releases);
	free(cat->platforms);
	free(cat->path);
	json_decref(cat->json);
	free(cat);
}

char **ferry_catalog_dirs(const struct ferry_settings *s)
{
	char **dirs = calloc(4, sizeof(*dirs));
	int n = 0;

	if (!dirs)
		return NULL;
	if (s && s->catalog_dir && (dirs[n] = strdup(s->catalog_dir)))
		n++;
	if (s && s->home && (dirs[n] = ferry_path_join(s->home, "catalog")))
		n++;
	dirs[n] = ferry_path_join(ferry_settings_data_dir(s), "catalog");
	return dirs;
}

void ferry_catalog_dirs_free(char **dirs)
{
	size_t i;

	if (!dirs)
		return;
	for (i = 0; dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

/* Products with a catalog file in any search directory, "a, b", into b. */
static void products_found(char **dirs, struct ferry_buf *b)
{
	size_t i;

	for (i = 0; dirs[i]; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n > 5 && !strcmp(de->d_name + n - 5, ".json") && de->d_name[0] != '.')
				ferry_buf_addf(b, "%s%.*s", b->len ? ", " : "", (int)(n - 5), de->d_name);
		}
		closedir(d);
	}
}

int ferry_catalog_find(const struct ferry_settings *s, const char *product, char **path,
		       struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char **dirs;
	size_t i;
	int rc;

	*path = NULL;
	if (!product)
		product = FERRY_CATALOG_DEFAULT_PRODUCT;
	if ((rc = ferry_name_check(product, "product", err)))
		return rc;
	if (!(dirs = ferry_catalog_dirs(s)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	for (i = 0; dirs[i]; i++) {
		char file[4096];
		struct stat st;

		snprintf(file, sizeof(file), "%s/%s.json", dirs[i], product);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			*path = strdup(file);
			ferry_catalog_dirs_free(dirs);
			return *path ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		}
	}
	products_found(dirs, &b);
	rc = ferry_error_set(err, FERRY_ENOTFOUND,
		"no catalog for product '%s' (looked for %s.json in $FERRY_CATALOG_DIR, <home>/catalog and %s/catalog); "
		"products with a catalog: %s", product, product, ferry_settings_data_dir(s),
		b.len ? b.data : "none");
	ferry_buf_release(&b);
	ferry_catalog_dirs_free(dirs);
	return rc;
}

int ferry_catalog_open_settings(const struct ferry_settings *s, const char *product,
				struct ferry_catalog **out, struct ferry_error *err)
{
	char *path;
	int rc;

	*out = NULL;
	if (!product)
		product = FERRY_CATALOG_DEFAULT_PRODUCT;
	if ((rc = ferry_catalog_find(s, product, &path, err)))
		return rc;
	rc = ferry_catalog_load(path, out, err);
	if (!rc && strcmp((*out)->product, product)) {
		rc = ferry_error_set(err, FERRY_EINVAL, "%s: $.product: is '%s', but the file is the catalog of '%s'",
				     path, (*out)->product, product);
		ferry_catalog_free(*out);
		*out = NULL;
	}
	free(path);
	return rc;
}

int ferry_catalog_open(struct ferry_ctx *ctx, const char *product, struct ferry_catalog **out,
		       struct ferry_error *err)
{
	return ferry_catalog_open_settings(ctx ? &ctx->settings : NULL, product, out, err);
}

static json_t *list_entry(const char *dir, const char *fname, json_t *seen)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error e;
	char file[4096];
	size_t n = strlen(fname) - 5;
	char product[256];
	json_t *o;

	snprintf(product, sizeof(product), "%.*s", (int)n, fname);
	snprintf(file, sizeof(file), "%s/%s", dir, fname);
	ferry_error_clear(&e);
	o = json_pack("{s:s, s:s}", "product", product, "path", file);
	if (ferry_catalog_load(file, &cat, &e) == 0 && strcmp(cat->product, product))
		ferry_error_set(&e, FERRY_EINVAL, "%s: $.product: is '%s', not '%s' as the file name says",
				file, cat->product, product);
	if (e.code) {
		json_object_set_new(o, "valid", json_false());
		json_object_set_new(o, "error", json_string(e.msg));
	} else {
		json_object_set_new(o, "valid", json_true());
		json_object_set_new(o, "name", json_string(cat->name));
		json_object_set_new(o, "releases", json_integer((json_int_t)cat->nreleases));
		json_object_set_new(o, "platforms", json_integer((json_int_t)cat->nplatforms));
	}
	if (json_object_get(seen, product))
		json_object_set(o, "shadowed_by", json_object_get(seen, product));
	else
		json_object_set_new(seen, product, json_string(file));
	ferry_catalog_free(cat);
	return o;
}

int ferry_catalog_list(const struct ferry_settings *s, json_t **out, struct ferry_error *err)
{
	char **dirs = ferry_catalog_dirs(s);
	json_t *arr = json_array(), *seen = json_object();
	size_t i;

	*out = NULL;
	if (!dirs || !arr || !seen) {
		ferry_catalog_dirs_free(dirs);
		json_decref(arr);
		json_decref(seen);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	for (i = 0; dirs[i]; i++) {
		struct dirent **names;
		int k, n = scandir(dirs[i], &names, NULL, alphasort);

		for (k = 0; k < n; k++) {
			const char *f = names[k]->d_name;
			size_t len = strlen(f);
			if (len > 5 && f[0] != '.' && !strcmp(f + len - 5, ".json"))
				json_array_append_new(arr, list_entry(dirs[i], f, seen));
			free(names[k]);
		}
		if (n >= 0)
			free(names);
	}
	json_decref(seen);
	ferry_catalog_dirs_free(dirs);
	*out = arr;
	return 0;
}
