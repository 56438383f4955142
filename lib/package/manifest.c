/* SPDX-License-Identifier: MIT */
/* manifest.c: parsing and validating manifest.json (format 1) into struct ferry_manifest
 * (names, versions, paths and lookups: manifest_lookup.c; the reverse section:
 * manifest_reverse.c). */
#include "package/manifest_int.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- field-path errors ---- */

static int field_err(struct ferry_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int field_err(struct ferry_error *err, const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ferry_error_set(err, FERRY_EINVAL, "manifest.json: %s: %s", field, msg);
}

static const char *get_str(json_t *obj, const char *key, int required, const char *where,
			   char *field, size_t cap, int *rc, struct ferry_error *err)
{
	json_t *v = json_object_get(obj, key);

	if ((size_t)snprintf(field, cap, "%s%s%s", where, *where ? "." : "", key) >= cap) {
		*rc = field_err(err, where, "nested too deep to name its field '%s'", key);
		return NULL;
	}
	if (!v) {
		if (required)
			*rc = field_err(err, field, "missing (required)");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*rc = field_err(err, field, "must be a non-empty string");
		return NULL;
	}
	return json_string_value(v);
}

/* A string array at v (NULL allowed when !required); entries must be non-empty. */
static int get_strv(json_t *v, const char *field, int nonempty, struct ferry_strv *out,
		    struct ferry_error *err)
{
	size_t i;
	json_t *x;

	out->v = NULL;
	out->n = 0;
	if (!v) {
		if (nonempty)
			return field_err(err, field, "missing (required)");
		return 0;
	}
	if (!json_is_array(v) || (nonempty && json_array_size(v) == 0))
		return field_err(err, field, "must be a %sarray of strings", nonempty ? "non-empty " : "");
	out->v = calloc(json_array_size(v) + 1, sizeof(*out->v));
	if (!out->v)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(v, i, x) {
		if (!json_is_string(x) || json_string_length(x) == 0 ||
		    strlen(json_string_value(x)) != json_string_length(x))
			return field_err(err, field, "[%zu] must be a non-empty string", i);
		out->v[out->n++] = json_string_value(x);
	}
	return 0;
}

static int check_obj(json_t *v, const char *field, struct ferry_error *err)
{
	return json_is_object(v) ? 0 : field_err(err, field, "must be an object");
}

/* ---- sections ---- */

static int parse_step(struct ferry_manifest *m, json_t *o, const char *field,
		      struct ferry_step *s, struct ferry_error *err)
{
	char f[256];
	json_t *sql, *exec;
	int rc = 0;

	if (check_obj(o, field, err))
		return FERRY_EINVAL;
	s->name = get_str(o, "name", 1, field, f, sizeof(f), &rc, err);
	if (rc)
		return rc;
	sql = json_object_get(o, "sql");
	exec = json_object_get(o, "exec");
	if (!!sql == !!exec)
		return field_err(err, field, "needs exactly one of \"sql\" (a payload file) or \"exec\" (argv)");
	if (sql) {
		s->sql = get_str(o, "sql", 1, field, f, sizeof(f), &rc, err);
		if (rc)
			return rc;
		if (ferry_path_check(s->sql, NULL) || !ferry_manifest_file(m, s->sql))
			return field_err(err, f, "'%s' is not a file listed in payload", s->sql);
		return 0;
	}
	if (json_object_get(o, "read_only") && !json_is_boolean(json_object_get(o, "read_only")))
		return field_err(err, field, "\"read_only\" must be true or false");
	s->read_only = json_is_true(json_object_get(o, "read_only"));
	if ((size_t)snprintf(f, sizeof(f), "%s.exec", field) >= sizeof(f))
		return field_err(err, field, "nested too deep to name its field 'exec'");
	if ((rc = get_strv(exec, f, 1, &s->exec, err)))
		return rc;
	if (s->exec.v[0][0] != '/' && strchr(s->exec.v[0], '/') &&
	    strncmp(s->exec.v[0], "${", 2) && !ferry_manifest_file(m, s->exec.v[0]))
		return field_err(err, f, "[0] '%s' is not a file listed in payload", s->exec.v[0]);
	return 0;
}

static int parse_steps(struct ferry_manifest *m, json_t *arr, const char *field,
		       struct ferry_step_list *out, struct ferry_error *err)
{
	char f[256];
	size_t i;
	json_t *o;
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return field_err(err, field, "must be an array of steps");
	out->v = calloc(json_array_size(arr) + 1, sizeof(*out->v));
	if (!out->v)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(arr, i, o) {
		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if ((rc = parse_step(m, o, f, &out->v[i], err))) {
			free(out->v[i].exec.v);
			out->v[i].exec.v = NULL;
			return rc;
		}
		out->n++;
	}
	return 0;
}

static int parse_scripts(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	const char *key;
	json_t *x;
	int rc;

	if (!v)
		return 0;
	if (check_obj(v, "scripts", err))
		return FERRY_EINVAL;
	json_object_foreach(v, key, x) {
		struct ferry_step_list *l;
		char f[128];
		if (!strcmp(key, "pre-install"))
			l = &m->pre_install;
		else if (!strcmp(key, "post-install"))
			l = &m->post_install;
		else if (!strcmp(key, "scrub"))
			l = &m->scrub;
		else
			return field_err(err, "scripts",
				"unknown phase '%s' (use pre-install, post-install or scrub)", key);
		snprintf(f, sizeof(f), "scripts.%s", key);
		if ((rc = parse_steps(m, x, f, l, err)))
			return rc;
	}
	return 0;
}

static int parse_data_upgrade(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	char f[128], pf[160];
	size_t i;
	int rc = 0;

	if ((rc = parse_steps(m, v, "data_upgrade", &m->data_upgrade, err)))
		return rc;
	for (i = 0; i < m->data_upgrade.n; i++) {
		const char *ph;
		snprintf(f, sizeof(f), "data_upgrade[%zu]", i);
		ph = get_str(json_array_get(v, i), "phase", 1, f, pf, sizeof(pf), &rc, err);
		if (rc)
			return rc;
		if (ferry_upgrade_phase_parse(ph, &m->data_upgrade.v[i].phase))
			return field_err(err, pf, "unknown phase '%s' (use prerequisites, pre-sync, "
					 "schema-sync, post-sync or final-sync)", ph);
	}
	for (i = 1; i < m->data_upgrade.n; i++) {   /* stable insertion sort by phase */
		struct ferry_step s = m->data_upgrade.v[i];
		size_t j = i;
		for (; j > 0 && m->data_upgrade.v[j - 1].phase > s.phase; j--)
			m->data_upgrade.v[j] = m->data_upgrade.v[j - 1];
		m->data_upgrade.v[j] = s;
	}
	return 0;
}

/* An optional integer limit key of o (1..max), def when absent. */
static int get_limit(const json_t *o, const char *key, const char *where, json_int_t max,
		     int def, int *out, struct ferry_error *err)
{
	const json_t *t = json_object_get(o, key);
	char f[192];

	*out = def;
	if (!t)
		return 0;
	if (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > max) {
		snprintf(f, sizeof(f), "%s.%s", where, key);
		return field_err(err, f, "must be an integer from 1 to %lld", (long long)max);
	}
	*out = (int)json_integer_value(t);
	return 0;
}

int ferry_manifest_dvt_timeout_s(const json_t *dvt)
{
	json_int_t t = json_integer_value(json_object_get(dvt, "timeout_s"));

	return t > 0 ? (int)t : FERRY_DVT_TIMEOUT_S;
}

static int parse_dvt(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	char f[128], sf[160];
	size_t i;
	json_t *o;
	int rc = 0;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return field_err(err, "dvt", "must be an array");
	/* a DVT's name defaults to its service model */
	json_array_foreach(v, i, o) {
		snprintf(f, sizeof(f), "dvt[%zu]", i);
		if (check_obj(o, f, err))
			return FERRY_EINVAL;
		if (!json_object_get(o, "name") && json_is_string(json_object_get(o, "service_model")))
			json_object_set(o, "name", json_object_get(o, "service_model"));
	}
	if ((rc = parse_steps(m, v, "dvt", &m->dvt, err)))
		return rc;
	for (i = 0; i < m->dvt.n; i++) {
		snprintf(f, sizeof(f), "dvt[%zu]", i);
		m->dvt.v[i].service_model = get_str(json_array_get(v, i), "service_model", 1, f,
						    sf, sizeof(sf), &rc, err);
		if (rc)
			return rc;
		if ((rc = get_limit(json_array_get(v, i), "timeout_s", f, 86400, FERRY_DVT_TIMEOUT_S,
				    &m->dvt.v[i].timeout_s, err)))
			return rc;
	}
	return 0;
}

static int parse_models(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	char f[128], sf[160];
	size_t i, k;
	json_t *o;
	int rc = 0;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return field_err(err, "models", "must be an array");
	m->models = calloc(json_array_size(v) + 1, sizeof(*m->models));
	if (!m->models)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(v, i, o) {
		struct ferry_model *md = &m->models[i];
		const char *owner;
		snprintf(f, sizeof(f), "models[%zu]", i);
		if (check_obj(o, f, err))
			return FERRY_EINVAL;
		m->n_models++;
		md->name = get_str(o, "name", 1, f, sf, sizeof(sf), &rc, err);
		if (!rc)
			owner = get_str(o, "owner", 1, f, sf, sizeof(sf), &rc, err);
		if (!rc)
			md->layer = get_str(o, "layer", 0, f, sf, sizeof(sf), &rc, err);
		if (rc)
			return rc;
		for (k = 0; k <= FERRY_OWNER_CUSTOMER; k++)
			if (!strcmp(owner, ferry_model_owner_name((enum ferry_model_owner)k)))
				break;
		if (k > FERRY_OWNER_CUSTOMER)
			return field_err(err, f, "owner '%s' unknown (use vendor, isv or customer)", owner);
		md->owner = (enum ferry_model_owner)k;
		snprintf(sf, sizeof(sf), "%s.overlayers", f);
		if ((rc = get_strv(json_object_get(o, "overlayers"), sf, 0, &md->overlayers, err)))
			return rc;
		snprintf(sf, sizeof(sf), "%s.extends", f);
		if ((rc = get_strv(json_object_get(o, "extends"), sf, 0, &md->extends, err)))
			return rc;
	}
	return 0;
}

static int parse_requires(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	char f[128], sf[160];
	size_t i;
	json_t *o;
	int rc = 0;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return field_err(err, "requires", "must be an array");
	m->requires = calloc(json_array_size(v) + 1, sizeof(*m->requires));
	if (!m->requires)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(v, i, o) {
		snprintf(f, sizeof(f), "requires[%zu]", i);
		if (check_obj(o, f, err))
			return FERRY_EINVAL;
		m->n_requires++;
		m->requires[i].name = get_str(o, "name", 1, f, sf, sizeof(sf), &rc, err);
		if (!rc)
			m->requires[i].min_version = get_str(o, "min_version", 0, f, sf, sizeof(sf), &rc, err);
		if (rc)
			return rc;
		if (m->requires[i].min_version && !ferry_version_valid(m->requires[i].min_version))
			return field_err(err, sf, "'%s' is not a dotted-number version",
					 m->requires[i].min_version);
	}
	return 0;
}

static int parse_service(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	struct ferry_service *s = &m->service;
	char f[64];
	json_t *t;
	int rc = 0;

	s->ready_timeout_s = 20;
	s->health_timeout_ms = FERRY_HEALTH_TIMEOUT_MS;
	if (!v)
		return 0;
	if (check_obj(v, "service", err))
		return FERRY_EINVAL;
	s->present = 1;
	if ((rc = get_strv(json_object_get(v, "exec"), "service.exec", 1, &s->exec, err)))
		return rc;
	s->health = get_str(v, "health", 0, "service", f, sizeof(f), &rc, err);
	if (!rc)
		s->version = get_str(v, "version", 0, "service", f, sizeof(f), &rc, err);
	if (rc)
		return rc;
	if ((s->health && s->health[0] != '/') || (s->version && s->version[0] != '/'))
		return field_err(err, s->health && s->health[0] != '/' ? "service.health" : "service.version",
				 "must be an HTTP path starting with '/'");
	t = json_object_get(v, "ready_timeout_s");
	if (t) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > 3600)
			return field_err(err, "service.ready_timeout_s", "must be an integer from 1 to 3600");
		s->ready_timeout_s = (int)json_integer_value(t);
	}
	return get_limit(v, "health_timeout_ms", "service", 600000, FERRY_HEALTH_TIMEOUT_MS,
			 &s->health_timeout_ms, err);
}

static int payload_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ferry_payload_file *)a)->path,
		      ((const struct ferry_payload_file *)b)->path);
}

static int parse_mode(json_t *v, unsigned *out)
{
	const char *s;
	long long x = 0;

	if (!v) {
		*out = 0644;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (strlen(s) < 3 || strlen(s) > 4 || strspn(s, "01234567") != strlen(s))
		return -1;
	x = strtoll(s, NULL, 8);
	if (x & ~0777LL)
		return -1;
	*out = (unsigned)x & 0755;
	return 0;
}

static int hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

static int parse_payload_file(json_t *o, const char *f, struct ferry_payload_file *p,
			      struct ferry_error *err)
{
	char sf[160];
	struct ferry_error perr;
	const char *h;
	json_t *sz;
	int rc = 0;

	if (check_obj(o, f, err))
		return FERRY_EINVAL;
	p->path = get_str(o, "path", 1, f, sf, sizeof(sf), &rc, err);
	if (rc)
		return rc;
	if (ferry_path_check(p->path, &perr))
		return field_err(err, sf, "'%s' is not a safe relative path: %s", p->path, perr.msg);
	if (!strcmp(p->path, "manifest.json") || !strcmp(p->path, "manifest.sig"))
		return field_err(err, sf, "'%s' is reserved", p->path);
	sz = json_object_get(o, "size");
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return field_err(err, f, "size must be a non-negative integer");
	p->size = (uint64_t)json_integer_value(sz);
	if (parse_mode(json_object_get(o, "mode"), &p->mode))
		return field_err(err, f, "mode must be an octal string such as \"0644\" or \"0755\"");
	h = get_str(o, "sha256", 1, f, sf, sizeof(sf), &rc, err);
	if (rc)
		return rc;
	if (!hex64(h))
		return field_err(err, sf, "must be 64 lowercase hex digits");
	memcpy(p->sha256, h, 65);
	return 0;
}

static int parse_payload(struct ferry_manifest *m, json_t *v, struct ferry_error *err)
{
	char f[64];
	size_t i;
	json_t *o;
	int rc;

	if (!v)
		return field_err(err, "payload", "missing (required; 'ferry package build' fills it)");
	if (!json_is_array(v))
		return field_err(err, "payload", "must be an array");
	m->payload = calloc(json_array_size(v) + 1, sizeof(*m->payload));
	if (!m->payload)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(v, i, o) {
		snprintf(f, sizeof(f), "payload[%zu]", i);
		if ((rc = parse_payload_file(o, f, &m->payload[i], err)))
			return rc;
		m->n_payload++;
		if (m->payload_bytes + m->payload[i].size < m->payload_bytes)
			return field_err(err, f, "sizes overflow");
		m->payload_bytes += m->payload[i].size;
	}
	qsort(m->payload, m->n_payload, sizeof(*m->payload), payload_cmp);
	for (i = 0; i < m->n_payload; i++) {
		/* no duplicates, and no file may also be a directory of another */
		char pfx[FERRY_PATH_MAX_LEN + 2];
		char *slash;
		if (i && !strcmp(m->payload[i - 1].path, m->payload[i].path))
			return field_err(err, "payload", "'%s' listed twice", m->payload[i].path);
		snprintf(pfx, sizeof(pfx), "%s", m->payload[i].path);
		while ((slash = strrchr(pfx, '/'))) {
			*slash = '\0';
			if (ferry_manifest_file(m, pfx))
				return field_err(err, "payload", "'%s' is a file and also a directory of '%s'",
						 pfx, m->payload[i].path);
		}
	}
	return 0;
}

static int parse_header(struct ferry_manifest *m, struct ferry_error *err)
{
	json_t *r = m->root, *fmt = json_object_get(r, "format"), *at, *pr, *b;
	char f[64];
	const char *type;
	int rc = 0;
	size_t i;

	if (!json_is_integer(fmt))
		return field_err(err, "format", "missing or not an integer (this ferry reads format 1)");
	if (json_integer_value(fmt) != FERRY_MANIFEST_FORMAT)
		return field_err(err, "format", "%lld is not supported (this ferry reads format 1): upgrade ferry",
				 (long long)json_integer_value(fmt));
	m->format = FERRY_MANIFEST_FORMAT;
	m->name = get_str(r, "name", 1, "", f, sizeof(f), &rc, err);
	if (!rc && ferry_name_check(m->name, "package", NULL))
		rc = field_err(err, "name", "'%s' must be 1-63 of [A-Za-z0-9._-], starting alphanumeric", m->name);
	if (!rc)
		m->version = get_str(r, "version", 1, "", f, sizeof(f), &rc, err);
	if (!rc && !ferry_version_valid(m->version))
		rc = field_err(err, "version", "'%s' is not a dotted-number version (e.g. 8.1.2)", m->version);
	if (!rc)
		type = get_str(r, "type", 1, "", f, sizeof(f), &rc, err);
	if (!rc && ferry_pkg_type_parse(type, &m->type))
		rc = field_err(err, "type", "'%s' unknown (use application, platform, isv, customization, "
			       "data-upgrade or hotfix)", type);
	if (!rc)
		m->product = get_str(r, "product", 1, "", f, sizeof(f), &rc, err);
	if (!rc)
		m->description = get_str(r, "description", 0, "", f, sizeof(f), &rc, err);
	if (rc)
		return rc;
	if (!m->description)
		m->description = "";
	if ((at = json_object_get(r, "applies_to"))) {
		if (check_obj(at, "applies_to", err) ||
		    get_strv(json_object_get(at, "releases"), "applies_to.releases", 0, &m->applies_releases, err) ||
		    get_strv(json_object_get(at, "platforms"), "applies_to.platforms", 0, &m->applies_platforms, err))
			return err ? err->code : FERRY_EINVAL;
		/* Release ids are a catalog's (docs/CATALOG.md): 8.1, ax2012, 1.39-core. */
		for (i = 0; i < m->applies_releases.n; i++)
			if (strcmp(m->applies_releases.v[i], "*") &&
			    ferry_name_check(m->applies_releases.v[i], "release", NULL))
				return field_err(err, "applies_to.releases", "[%zu] '%s' is not a release id "
						 "(1-63 letters, digits, '.', '_', '-', as in the catalog: 8.1, "
						 "1.39-core)", i, m->applies_releases.v[i]);
	}
	if ((pr = json_object_get(r, "provides"))) {
		if (check_obj(pr, "provides", err))
			return FERRY_EINVAL;
		m->provides_release = get_str(pr, "release", 0, "provides", f, sizeof(f), &rc, err);
		if (!rc)
			m->provides_platform = get_str(pr, "platform", 0, "provides", f, sizeof(f), &rc, err);
		if (rc)
			return rc;
	}
	if ((m->type == FERRY_PKG_APPLICATION || m->type == FERRY_PKG_DATA_UPGRADE) && !m->provides_release)
		return field_err(err, "provides.release", "required for %s packages", ferry_pkg_type_name(m->type));
	if (m->type == FERRY_PKG_PLATFORM && !m->provides_platform)
		return field_err(err, "provides.platform", "required for platform packages");
	if ((b = json_object_get(r, "build"))) {
		if (check_obj(b, "build", err))
			return FERRY_EINVAL;
		m->build_seal = get_str(b, "seal", 0, "build", f, sizeof(f), &rc, err);
	}
	return rc;
}

/* "model_sources": a directory of the payload (application packages). */
static int parse_model_sources(struct ferry_manifest *m, struct ferry_error *err)
{
	struct ferry_error perr;
	char f[64];
	int rc = 0;

	m->model_sources = get_str(m->root, "model_sources", 0, "", f, sizeof(f), &rc, err);
	if (rc || !m->model_sources)
		return rc;
	if (m->type != FERRY_PKG_APPLICATION)
		return field_err(err, f, "only application packages carry the vendor's model sources "
				 "(this one is of type '%s')", ferry_pkg_type_name(m->type));
	if (ferry_path_check(m->model_sources, &perr))
		return field_err(err, f, "'%s' is not a safe relative path: %s", m->model_sources, perr.msg);
	if (!ferry_manifest_is_dir(m, m->model_sources))
		return field_err(err, f, "'%s' holds no file of the payload (a directory with one "
				 "folder per model)", m->model_sources);
	return 0;
}

static int manifest_validate(struct ferry_manifest *m, struct ferry_error *err)
{
	json_t *r = m->root;
	int rc;

	if ((rc = parse_header(m, err)))
		return rc;
	if ((rc = parse_payload(m, json_object_get(r, "payload"), err)) ||
	    (rc = parse_model_sources(m, err)) ||
	    (rc = parse_requires(m, json_object_get(r, "requires"), err)) ||
	    (rc = parse_models(m, json_object_get(r, "models"), err)) ||
	    (rc = parse_service(m, json_object_get(r, "service"), err)) ||
	    (rc = parse_scripts(m, json_object_get(r, "scripts"), err)) ||
	    (rc = parse_data_upgrade(m, json_object_get(r, "data_upgrade"), err)) ||
	    (rc = parse_dvt(m, json_object_get(r, "dvt"), err)) ||
	    (rc = ferry_manifest_sandbox(r, &m->limits, &m->environment, err)) ||
	    (rc = manifest_parse_reverse(m, json_object_get(r, "reverse"), err)))
		return rc;
	if (m->service.present && m->service.exec.v[0][0] != '/' && strchr(m->service.exec.v[0], '/') &&
	    !ferry_manifest_file(m, m->service.exec.v[0]))
		return field_err(err, "service.exec", "[0] '%s' is not a file listed in payload",
				 m->service.exec.v[0]);
	return 0;
}

int ferry_manifest_parse(const char *data, size_t len, struct ferry_manifest **out,
			 struct ferry_error *err)
{
	struct ferry_manifest *m;
	json_error_t jerr;
	int rc;

	*out = NULL;
	if (len > FERRY_MANIFEST_MAX_BYTES)
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: larger than %zu bytes",
				       FERRY_MANIFEST_MAX_BYTES);
	m = calloc(1, sizeof(*m));
	if (!m)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	m->root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m->root) {
		ferry_manifest_free(m);
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: invalid JSON at line %d column %d: %s",
				       jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(m->root)) {
		ferry_manifest_free(m);
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: must be a JSON object");
	}
	if ((rc = manifest_validate(m, err))) {
		ferry_manifest_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int ferry_manifest_load(const char *path, struct ferry_manifest **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc;

	*out = NULL;
	b.limit = FERRY_MANIFEST_MAX_BYTES + 1;
	if (ferry_buf_read_file(&b, path)) {
		ferry_buf_release(&b);
		return ferry_error_set(err, FERRY_EIO, "cannot read %s (missing, unreadable or over %zu bytes)",
				       path, FERRY_MANIFEST_MAX_BYTES);
	}
	rc = ferry_manifest_parse(b.data ? b.data : "", b.len, out, err);
	ferry_buf_release(&b);
	return rc;
}

static void steps_free(struct ferry_step_list *l)
{
	size_t i;

	for (i = 0; l->v && i < l->n; i++)
		free(l->v[i].exec.v);
	free(l->v);
}

void ferry_manifest_free(struct ferry_manifest *m)
{
	size_t i;

	if (!m)
		return;
	free(m->applies_releases.v);
	free(m->applies_platforms.v);
	free(m->requires);
	for (i = 0; m->models && i < m->n_models; i++) {
		free(m->models[i].overlayers.v);
		free(m->models[i].extends.v);
	}
	free(m->models);
	free(m->service.exec.v);
	steps_free(&m->pre_install);
	steps_free(&m->post_install);
	steps_free(&m->scrub);
	steps_free(&m->data_upgrade);
	steps_free(&m->dvt);
	free(m->payload);
	manifest_reverse_free(m);
	json_decref(m->root);
	free(m);
}

json_t *ferry_manifest_summary(const struct ferry_manifest *m)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:b}",
			 "name", m->name, "version", m->version, "type", ferry_pkg_type_name(m->type),
			 "product", m->product, "description", m->description,
			 "files", (json_int_t)m->n_payload, "payload_bytes", (json_int_t)m->payload_bytes,
			 "models", (json_int_t)m->n_models, "service", m->service.present);
}
