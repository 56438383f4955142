/* SPDX-License-Identifier: MIT */
/* manifest_lookup.c: what is read from a manifest without parsing it: the names of
 * package types, data-upgrade phases and model owners, dotted versions, safe archive
 * paths, the payload lookups and whether a package applies to a release and platform.
 * The lowest of the manifest files (manifest.c and manifest_reverse.c use it). */
#include "ferry/package/manifest.h"
#include "ferry/base/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	"application", "platform", "isv", "customization", "data-upgrade", "hotfix"
};
static const char *const phase_names[] = {
	"prerequisites", "pre-sync", "schema-sync", "post-sync", "final-sync"
};
static const char *const owner_names[] = { "vendor", "isv", "customer" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *ferry_pkg_type_name(enum ferry_pkg_type t)
{
	return (size_t)t < NELEM(type_names) ? type_names[t] : "unknown";
}

int ferry_pkg_type_parse(const char *s, enum ferry_pkg_type *out)
{
	size_t i;

	for (i = 0; s && i < NELEM(type_names); i++)
		if (!strcmp(s, type_names[i])) {
			*out = (enum ferry_pkg_type)i;
			return 0;
		}
	return FERRY_EINVAL;
}

const char *ferry_upgrade_phase_name(enum ferry_upgrade_phase p)
{
	return (size_t)p < NELEM(phase_names) ? phase_names[p] : "unknown";
}

int ferry_upgrade_phase_parse(const char *s, enum ferry_upgrade_phase *out)
{
	size_t i;

	for (i = 0; s && i < NELEM(phase_names); i++)
		if (!strcmp(s, phase_names[i])) {
			*out = (enum ferry_upgrade_phase)i;
			return 0;
		}
	return FERRY_EINVAL;
}

const char *ferry_model_owner_name(enum ferry_model_owner o)
{
	return (size_t)o < NELEM(owner_names) ? owner_names[o] : "unknown";
}

/* ---- versions and paths ---- */

int ferry_version_valid(const char *s)
{
	int parts = 0, digits = 0;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			if (++digits > 9)
				return 0;
		} else if (*s == '.' && digits > 0) {
			if (++parts >= 8)
				return 0;
			digits = 0;
		} else {
			return 0;
		}
	}
	return digits > 0;
}

int ferry_version_cmp(const char *a, const char *b)
{
	int va = ferry_version_valid(a), vb = ferry_version_valid(b);

	if (!va || !vb)
		return va != vb ? va - vb : strcmp(a ? a : "", b ? b : "");
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

int ferry_path_check(const char *p, struct ferry_error *err)
{
	const char *c, *comp;
	size_t n = p ? strlen(p) : 0;

	if (n == 0)
		return ferry_error_set(err, FERRY_EUNSAFE, "empty path");
	if (n > FERRY_PATH_MAX_LEN)
		return ferry_error_set(err, FERRY_EUNSAFE, "path longer than %d bytes", FERRY_PATH_MAX_LEN);
	if (p[0] == '/')
		return ferry_error_set(err, FERRY_EUNSAFE, "absolute path");
	for (c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
			return ferry_error_set(err, FERRY_EUNSAFE,
				"control character or backslash in path");
	for (comp = p;; comp = c + 1) {
		size_t len;
		c = strchr(comp, '/');
		len = c ? (size_t)(c - comp) : strlen(comp);
		if (len == 0)
			return ferry_error_set(err, FERRY_EUNSAFE, "empty path component");
		if (len == 2 && !strncmp(comp, "..", 2))
			return ferry_error_set(err, FERRY_EUNSAFE, "'..' component (path traversal)");
		if (len == 1 && comp[0] == '.')
			return ferry_error_set(err, FERRY_EUNSAFE, "'.' component");
		if (len > 255)
			return ferry_error_set(err, FERRY_EUNSAFE, "path component longer than 255 bytes");
		if (!c)
			break;
	}
	return 0;
}

const struct ferry_payload_file *ferry_manifest_file(const struct ferry_manifest *m,
						     const char *path)
{
	size_t lo = 0, hi = m->n_payload;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, m->payload[mid].path);
		if (c == 0)
			return &m->payload[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int ferry_manifest_is_dir(const struct ferry_manifest *m, const char *path)
{
	char key[FERRY_PATH_MAX_LEN + 2];
	size_t lo = 0, hi = m->n_payload, n;

	if ((size_t)snprintf(key, sizeof(key), "%s/", path) >= sizeof(key))
		return 0;
	n = strlen(key);
	while (lo < hi) {   /* lower bound of key: paths under it follow contiguously */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(m->payload[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_payload && !strncmp(m->payload[lo].path, key, n);
}

static int strv_has(const struct ferry_strv *v, const char *s)
{
	size_t i;

	if (v->n == 0)
		return 1;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], "*") || !strcmp(v->v[i], s))
			return 1;
	return 0;
}

int ferry_manifest_applies(const struct ferry_manifest *m, const char *release,
			   const char *platform)
{
	if (release && !strv_has(&m->applies_releases, release))
		return 0;
	if (platform && !strv_has(&m->applies_platforms, platform))
		return 0;
	return 1;
}
