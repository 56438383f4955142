/* SPDX-License-Identifier: MIT */
/* model.c: source trees as models (model.json), their overlayering and extension links,
 * and the release rules that judge them, asked of the release catalog. */
#include "ferry/catalog/model.h"
#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Layers, lowest first (the order overlayering must respect). */
static const char *const layers[] = {
	"sys", "syp", "gls", "glp", "fpk", "fpp", "sln", "slp",
	"isv", "isp", "var", "vap", "cus", "cup", "usr", "usp", NULL
};

/* ---- release rules ---- */

int ferry_release_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	while (*a || *b) {
		unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if ((*a && (*a < '0' || *a > '9')) || (*b && (*b < '0' || *b > '9')))
			return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
	}
	return 0;
}

/* The rules come from the catalog (docs/CATALOG.md); nothing about a product's
 * releases is compiled in. A release the catalog does not list is judged by its number
 * against the rule's release; without a catalog (cat NULL) nothing is known and each
 * rule gives the cautious answer: vendor and platform models locked, no hotfixes, no
 * platform model recognised. */
int ferry_code_overlayering_locked(const struct ferry_catalog *cat, const char *release)
{
	int r;

	if (!release)
		return 0;
	if (!cat)
		return 1;
	r = ferry_catalog_vendor_overlayering_locked(cat, release);
	if (r == 0 || r == 1)
		return r;
	return ferry_release_cmp(release, cat->vendor_locked_from->id) >= 0;
}

int ferry_code_platform_locked(const struct ferry_catalog *cat, const char *platform)
{
	int r = cat && platform ? ferry_catalog_platform_overlayering_allowed(cat, platform) : -1;

	if (r == 0 || r == 1)
		return !r;
	return 1; /* unknown platform, or no catalog: the safe answer */
}

const char *ferry_code_hotfix_end_release(const struct ferry_catalog *cat)
{
	return cat ? cat->hotfixes_unsupported_from->id : NULL;
}

int ferry_code_hotfixes_supported(const struct ferry_catalog *cat, const char *release)
{
	int r;

	if (!release)
		return 1;
	if (!cat)
		return 0;
	r = ferry_catalog_hotfixes_supported(cat, release);
	if (r == 0 || r == 1)
		return r;
	return ferry_release_cmp(release, cat->hotfixes_unsupported_from->id) < 0;
}

int ferry_code_is_platform_model(const struct ferry_catalog *cat, const char *name)
{
	return cat && name ? ferry_catalog_is_platform_model(cat, name) : 0;
}

static int layer_rank(const char *layer)
{
	int i;

	for (i = 0; layers[i]; i++)
		if (!strcmp(layers[i], layer))
			return i;
	return -1;
}

/* ---- loading ---- */

struct ferry_source *ferry_source_new(void)
{
	struct ferry_source *src = calloc(1, sizeof(*src));

	if (src && !(src->problems = json_array())) {
		free(src);
		return NULL;
	}
	return src;
}

static void model_release(struct ferry_model *m)
{
	size_t i;

	for (i = 0; i < m->n_elements; i++) {
		free(m->elements[i].name);
		free(m->elements[i].file);
		free(m->elements[i].kind);
		free(m->elements[i].target_model);
		free(m->elements[i].target_element);
	}
	free(m->elements);
	free(m->name);
	free(m->owner);
	free(m->layer);
	free(m->dir);
	free(m->version);
	free(m->platform);
}

void ferry_source_free(struct ferry_source *src)
{
	size_t i;

	if (!src)
		return;
	for (i = 0; i < src->n_models; i++)
		model_release(&src->models[i]);
	free(src->models);
	free(src->release);
	free(src->platform);
	json_decref(src->problems);
	free(src);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int bad_path(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 1;
	while (s) {
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return 1;
		s = strchr(s, '/');
		if (s)
			s++;
	}
	return 0;
}

/* Fill one element from its JSON; the link may be "Model" or {"model","element"}. */
static int element_parse(struct ferry_element *e, const char *mname, const char *dir,
			 json_t *je, struct ferry_error *err)
{
	const char *name = json_string_value(json_object_get(je, "name"));
	const char *file = json_string_value(json_object_get(je, "file"));
	json_t *ov = json_object_get(je, "overlayers"), *ex = json_object_get(je, "extends");
	json_t *link = ov ? ov : ex;
	const char *tm = NULL, *te = NULL;

	if (!name || !file)
		return ferry_error_set(err, FERRY_EINVAL,
			"model '%s': an element needs \"name\" and \"file\"", mname);
	if (bad_path(file))
		return ferry_error_set(err, FERRY_EUNSAFE,
			"model '%s': element '%s': file '%s' leaves the model directory",
			mname, name, file);
	if (ov && ex)
		return ferry_error_set(err, FERRY_EINVAL,
			"model '%s': element '%s' both overlayers and extends", mname, name);
	if (json_is_string(link)) {
		tm = json_string_value(link);
		te = name;
	} else if (json_is_object(link)) {
		tm = json_string_value(json_object_get(link, "model"));
		te = json_string_value(json_object_get(link, "element"));
		if (!te)
			te = name;
	}
	if (link && !tm)
		return ferry_error_set(err, FERRY_EINVAL,
			"model '%s': element '%s': \"%s\" needs a model name", mname, name,
			ov ? "overlayers" : "extends");
	e->name = strdup(name);
	e->file = *dir ? ferry_path_join(dir, file) : strdup(file);
	e->kind = strdup(ov ? "overlayer" : ex ? "extension" : "own");
	e->target_model = dup_or_null(tm);
	e->target_element = dup_or_null(tm ? te : NULL);
	if (!e->name || !e->file || !e->kind || (tm && (!e->target_model || !e->target_element)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

static int model_parse(struct ferry_model *m, const char *dir, json_t *root,
		       struct ferry_error *err)
{
	const char *name = json_string_value(json_object_get(root, "name"));
	const char *owner = json_string_value(json_object_get(root, "owner"));
	const char *layer = json_string_value(json_object_get(root, "layer"));
	json_t *els = json_object_get(root, "elements"), *je;
	size_t i;
	int rc;

	if (!name || !owner || !layer)
		return ferry_error_set(err, FERRY_EINVAL, "needs \"name\", \"owner\" and \"layer\"");
	if ((rc = ferry_name_check(name, "model", err)))
		return rc;
	if (strcmp(owner, "vendor") && strcmp(owner, "isv") && strcmp(owner, "customer"))
		return ferry_error_set(err, FERRY_EINVAL,
			"model '%s': owner '%s' is not vendor, isv or customer", name, owner);
	if (layer_rank(layer) < 0)
		return ferry_error_set(err, FERRY_EINVAL,
			"model '%s': unknown layer '%s' (sys, isv, var, cus, usr, ...)", name, layer);
	if (els && !json_is_array(els))
		return ferry_error_set(err, FERRY_EINVAL, "model '%s': \"elements\" is not an array", name);
	m->name = strdup(name);
	m->owner = strdup(owner);
	m->layer = strdup(layer);
	m->dir = strdup(dir);
	m->version = dup_or_null(json_string_value(json_object_get(root, "version")));
	m->platform = dup_or_null(json_string_value(json_object_get(root, "platform")));
	if (!m->name || !m->owner || !m->layer || !m->dir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	m->elements = calloc(json_array_size(els) + 1, sizeof(*m->elements));
	if (!m->elements)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(els, i, je) {
		m->n_elements++; /* counted first: a half-parsed element is freed too */
		if ((rc = element_parse(&m->elements[i], name, dir, je, err)))
			return rc;
	}
	return 0;
}

int ferry_source_add(struct ferry_source *src, const char *dir, const char *json_text,
		     size_t len, struct ferry_error *err)
{
	struct ferry_model *grown, *m;
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_loadb(json_text, len, 0, &jerr);
	if (!root)
		return ferry_error_set(err, FERRY_EINVAL, "%s%smodel.json: line %d: %s",
				       dir, *dir ? "/" : "", jerr.line, jerr.text);
	grown = realloc(src->models, (src->n_models + 1) * sizeof(*grown));
	if (!grown) {
		json_decref(root);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	src->models = grown;
	m = &src->models[src->n_models++];
	memset(m, 0, sizeof(*m));
	rc = model_parse(m, dir, root, err);
	json_decref(root);
	if (rc)
		ferry_error_prefix(err, "%s%smodel.json", dir, *dir ? "/" : "");
	return rc;
}

static int model_order(const void *a, const void *b)
{
	const struct ferry_model *x = a, *y = b;
	int d = layer_rank(x->layer) - layer_rank(y->layer);

	return d ? d : strcmp(x->name, y->name);
}

const struct ferry_model *ferry_source_model(const struct ferry_source *src, const char *name)
{
	size_t i;

	for (i = 0; name && i < src->n_models; i++)
		if (!strcmp(src->models[i].name, name))
			return &src->models[i];
	return NULL;
}

const struct ferry_model *ferry_source_model_of(const struct ferry_source *src, const char *path)
{
	const struct ferry_model *best = NULL;
	size_t i, n, bestn = 0;

	for (i = 0; i < src->n_models; i++) {
		n = strlen(src->models[i].dir);
		if (n && (strncmp(path, src->models[i].dir, n) || path[n] != '/'))
			continue;
		if (!best || n > bestn) {
			best = &src->models[i];
			bestn = n;
		}
	}
	return best;
}

const struct ferry_element *ferry_source_element(const struct ferry_source *src,
						 const char *model, const char *element)
{
	const struct ferry_model *m = ferry_source_model(src, model);
	size_t i;

	for (i = 0; m && i < m->n_elements; i++)
		if (!strcmp(m->elements[i].name, element) && !strcmp(m->elements[i].kind, "own"))
			return &m->elements[i];
	return NULL;
}

static void problem(struct ferry_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct ferry_source *src, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(src->problems, json_string(msg));
}

/* Check one element's file and link. */
static void check_element(struct ferry_source *src, const struct ferry_model *m,
			  const struct ferry_element *e, ferry_source_exists_fn exists, void *ctx)
{
	const struct ferry_model *t;

	if (exists && !exists(ctx, e->file))
		problem(src, "model '%s': element '%s': file '%s' is missing", m->name, e->name, e->file);
	if (!e->target_model)
		return;
	t = ferry_source_model(src, e->target_model);
	if (!t) {
		problem(src, "model '%s': element '%s' %s model '%s', which is not in the source",
			m->name, e->name, e->kind[0] == 'o' ? "overlayers" : "extends", e->target_model);
		return;
	}
	if (!ferry_source_element(src, t->name, e->target_element))
		problem(src, "model '%s': element '%s' %s '%s/%s', which does not exist", m->name,
			e->name, e->kind[0] == 'o' ? "overlayers" : "extends", t->name, e->target_element);
	if (e->kind[0] == 'o' && layer_rank(t->layer) >= layer_rank(m->layer))
		problem(src, "model '%s' (layer %s) overlayers '%s' (layer %s): only a lower layer can be overlayered",
			m->name, m->layer, t->name, t->layer);
}

static char *release_of(const char *version)
{
	const char *dot = version ? strchr(version, '.') : NULL;
	size_t n;

	if (!dot)
		return version ? strdup(version) : NULL;
	n = strcspn(dot + 1, ".");
	return strndup(version, (size_t)(dot - version) + 1 + n);
}

int ferry_source_finish(struct ferry_source *src, ferry_source_exists_fn exists, void *ctx,
			struct ferry_error *err)
{
	const struct ferry_model *app, *plat;
	size_t i, j;

	qsort(src->models, src->n_models, sizeof(*src->models), model_order);
	for (i = 0; i + 1 < src->n_models; i++)
		for (j = i + 1; j < src->n_models; j++)
			if (!strcmp(src->models[i].name, src->models[j].name))
				return ferry_error_set(err, FERRY_EINVAL,
					"model '%s' is defined twice: in '%s' and '%s'",
					src->models[i].name, src->models[i].dir, src->models[j].dir);
	for (i = 0; i < src->n_models; i++)
		for (j = 0; j < src->models[i].n_elements; j++)
			check_element(src, &src->models[i], &src->models[i].elements[j], exists, ctx);
	app = ferry_source_model(src, "ApplicationSuite");
	for (i = 0; (!app || !app->version) && i < src->n_models; i++)
		if (!strcmp(src->models[i].owner, "vendor") && src->models[i].version)
			app = &src->models[i];
	free(src->release);
	src->release = app ? release_of(app->version) : NULL;
	plat = ferry_source_model(src, "ApplicationPlatform");
	free(src->platform);
	src->platform = plat ? dup_or_null(plat->platform) : NULL;
	return 0;
}

/* ---- scanning a directory ---- */

static int file_exists(void *ctx, const char *path)
{
	struct stat st;
	char *full = ferry_path_join(ctx, path);
	int ok = full && stat(full, &st) == 0 && S_ISREG(st.st_mode);

	free(full);
	return ok;
}

static int scan_dir(struct ferry_source *src, const char *root, const char *rel, int depth,
		    struct ferry_error *err)
{
	char *dir = *rel ? ferry_path_join(root, rel) : strdup(root), *mj = NULL;
	struct ferry_buf b = FERRY_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int rc = 0;

	if (!dir || !(mj = ferry_path_join(dir, "model.json")))
		goto nomem;
	if (depth > 8)
		goto out;
	if (stat(mj, &st) == 0) {
		if (ferry_buf_read_file(&b, mj))
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", mj);
		else
			rc = ferry_source_add(src, rel, b.data ? b.data : "", b.len, err);
		goto out;
	}
	if (!(d = opendir(dir))) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read directory %s", dir);
		goto out;
	}
	while (!rc && (de = readdir(d))) {
		char *sub, *full;
		if (de->d_name[0] == '.')
			continue;
		sub = *rel ? ferry_path_join(rel, de->d_name) : strdup(de->d_name);
		full = sub ? ferry_path_join(root, sub) : NULL;
		if (!full) {
			free(sub);
			goto nomem;
		}
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			rc = scan_dir(src, root, sub, depth + 1, err);
		free(sub);
		free(full);
	}
	goto out;
nomem:
	rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
out:
	if (d)
		closedir(d);
	ferry_buf_release(&b);
	free(mj);
	free(dir);
	return rc;
}

int ferry_source_scan(const char *root, struct ferry_source **out, struct ferry_error *err)
{
	struct ferry_source *src;
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no source tree at '%s'", root);
	if (!(src = ferry_source_new()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = scan_dir(src, root, "", 0, err);
	if (!rc && src->n_models == 0)
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"no model.json under '%s': a source tree is a folder of models", root);
	if (!rc)
		rc = ferry_source_finish(src, file_exists, (void *)root, err);
	if (rc) {
		ferry_error_prefix(err, "scanning '%s'", root);
		ferry_source_free(src);
		return rc;
	}
	*out = src;
	return 0;
}

/* ---- JSON ---- */

static json_t *link_json(const struct ferry_element *e)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "element", e->name, "file", e->file,
			 "model", e->target_model, "target_element", e->target_element);
}

static json_t *model_json(const struct ferry_model *m)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:I}", "name", m->name,
			      "owner", m->owner, "layer", m->layer, "dir", m->dir,
			      "overlayers", json_array(), "extends", json_array(),
			      "elements", (json_int_t)m->n_elements);
	size_t i;

	if (!o)
		return NULL;
	if (m->version)
		json_object_set_new(o, "version", json_string(m->version));
	if (m->platform)
		json_object_set_new(o, "platform", json_string(m->platform));
	for (i = 0; i < m->n_elements; i++) {
		const struct ferry_element *e = &m->elements[i];
		if (e->target_model)
			json_array_append_new(json_object_get(o, e->kind[0] == 'o' ? "overlayers"
										 : "extends"),
					      link_json(e));
	}
	return o;
}

json_t *ferry_source_to_json(const struct ferry_catalog *cat, const struct ferry_source *src)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:O}", "models", json_array(),
			      "overlayering", json_array(), "extensions", json_array(),
			      "problems", src->problems);
	size_t i, j;

	if (!o)
		return NULL;
	json_object_set_new(o, "release", src->release ? json_string(src->release) : json_null());
	json_object_set_new(o, "platform", src->platform ? json_string(src->platform) : json_null());
	for (i = 0; i < src->n_models; i++) {
		const struct ferry_model *m = &src->models[i];
		json_array_append_new(json_object_get(o, "models"), model_json(m));
		for (j = 0; j < m->n_elements; j++) {
			const struct ferry_element *e = &m->elements[j];
			const struct ferry_model *t = ferry_source_model(src, e->target_model);
			json_t *l;
			if (!e->target_model)
				continue;
			l = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "model", m->name,
				      "owner", m->owner, "element", e->name, "file", e->file,
				      "target_model", e->target_model,
				      "target_owner", t ? t->owner : "unknown",
				      "target_element", e->target_element,
				      "platform", ferry_code_is_platform_model(cat, e->target_model));
			json_array_append_new(json_object_get(o, e->kind[0] == 'o' ? "overlayering"
										 : "extensions"), l);
		}
	}
	return o;
}

/* ---- the platform overlayering check (scenario 4) ---- */

static int add_platform_hit(const struct ferry_catalog *cat, json_t *out, const char *model, json_t *ov)
{
	const char *tm, *el, *te, *file = NULL;

	if (json_is_string(ov)) {
		tm = json_string_value(ov);
		el = "*";
		te = "*";
	} else if (json_is_object(ov)) {
		tm = json_string_value(json_object_get(ov, "model"));
		el = json_string_value(json_object_get(ov, "element"));
		te = json_string_value(json_object_get(ov, "target_element"));
		file = json_string_value(json_object_get(ov, "file"));
		if (!el)
			el = "*";
		if (!te)
			te = el;
	} else {
		return -1;
	}
	if (!tm)
		return -1;
	if (!ferry_code_is_platform_model(cat, tm))
		return 0;
	json_t *hit = json_pack("{s:s, s:s, s:s, s:s}", "model", model, "element", el,
				"target_model", tm, "target_element", te);
	if (file)
		json_object_set_new(hit, "file", json_string(file));
	return json_array_append_new(out, hit);
}

int ferry_code_platform_overlayering(const struct ferry_catalog *cat, const json_t *models,
				     json_t **out, struct ferry_error *err)
{
	json_t *res, *m, *ov, *list;
	size_t i, j;

	*out = NULL;
	if (!json_is_array(models))
		return ferry_error_set(err, FERRY_EINVAL, "models: expected a JSON array");
	if (!(res = json_array()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(models, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		list = json_object_get(m, "overlayers");
		if (!name || (list && !json_is_array(list))) {
			json_decref(res);
			return ferry_error_set(err, FERRY_EINVAL,
				"models[%zu]: needs \"name\" and an \"overlayers\" array", i);
		}
		json_array_foreach(list, j, ov) {
			if (add_platform_hit(cat, res, name, ov) < 0) {
				json_decref(res);
				return ferry_error_set(err, FERRY_EINVAL,
					"model '%s': overlayers[%zu]: expected a model name or {model, element}",
					name, j);
			}
		}
	}
	*out = res;
	return 0;
}
