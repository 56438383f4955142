/* SPDX-License-Identifier: MIT */
/* manifest_sandbox.c: the two sections of an application's manifest that shape the
 * sandbox its environments' processes run in (docs/PACKAGES.md, docs/SECURITY.md):
 * "limits" (open files, processes, memory) and "environment" (the variables its
 * processes get besides ferry's). Checked on intake and again by the runtime when it
 * reads a release's manifest. */
#include "ferry/package/manifest.h"

#include "ferry/base/error.h"

#include <string.h>

#define ENV_MAX 64            /* variables */
#define ENV_VALUE_MAX 4096    /* bytes per value */
#define ENV_NAME_MAX 128

static const struct {
	const char *key;
	size_t offset;
	long long min, max, dflt;
	const char *unit;
} limit_keys[] = {
	{ "open_files", offsetof(struct ferry_limits, open_files), 64, 1048576,
	  FERRY_LIMIT_OPEN_FILES, "open files" },
	{ "processes", offsetof(struct ferry_limits, processes), 16, 65536,
	  FERRY_LIMIT_PROCESSES, "processes and threads" },
	{ "memory_mb", offsetof(struct ferry_limits, memory_mb), 64, 1048576,
	  FERRY_LIMIT_MEMORY_MB, "MiB of address space" },
};
#define N_LIMITS (sizeof(limit_keys) / sizeof(limit_keys[0]))

static int limit_find(const char *key)
{
	size_t i;

	for (i = 0; i < N_LIMITS; i++)
		if (!strcmp(limit_keys[i].key, key))
			return (int)i;
	return -1;
}

static int parse_limits(const json_t *v, struct ferry_limits *out, struct ferry_error *err)
{
	const char *key;
	json_t *x;
	size_t i;

	for (i = 0; i < N_LIMITS; i++)
		*(int64_t *)(void *)((char *)out + limit_keys[i].offset) = limit_keys[i].dflt;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: limits: must be an object "
				       "(open_files, processes, memory_mb)");
	json_object_foreach((json_t *)v, key, x) {
		int k = limit_find(key);
		long long n;
		if (k < 0)
			return ferry_error_set(err, FERRY_EINVAL, "manifest.json: limits.%s: unknown limit "
					       "(known: open_files, processes, memory_mb)", key);
		n = json_is_integer(x) ? (long long)json_integer_value(x) : limit_keys[k].min - 1;
		if (n < limit_keys[k].min || n > limit_keys[k].max)
			return ferry_error_set(err, FERRY_EINVAL, "manifest.json: limits.%s: must be an "
					       "integer from %lld to %lld (%s)", key, limit_keys[k].min,
					       limit_keys[k].max, limit_keys[k].unit);
		*(int64_t *)(void *)((char *)out + limit_keys[k].offset) = n;
	}
	return 0;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ENV_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Names ferry sets itself: the layout of the sandbox and its own variables. */
static int name_reserved(const char *s)
{
	return !strncmp(s, "FERRY_", 6) || !strcmp(s, "HOME") || !strcmp(s, "TMPDIR");
}

static int parse_environment(const json_t *v, struct ferry_error *err)
{
	const char *key;
	json_t *x;

	if (!v)
		return 0;
	if (!json_is_object(v))
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: environment: must be an "
				       "object of NAME: \"value\"");
	if (json_object_size(v) > ENV_MAX)
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: environment: at most %d "
				       "variables", ENV_MAX);
	json_object_foreach((json_t *)v, key, x) {
		if (!name_ok(key))
			return ferry_error_set(err, FERRY_EINVAL, "manifest.json: environment.%s: a name "
					       "is 1-%d of [A-Za-z0-9_], not starting with a digit",
					       key, ENV_NAME_MAX);
		if (name_reserved(key))
			return ferry_error_set(err, FERRY_EINVAL, "manifest.json: environment.%s: set "
					       "by ferry (FERRY_*, HOME, TMPDIR), not by a package", key);
		if (!json_is_string(x) || strlen(json_string_value(x)) != json_string_length(x) ||
		    json_string_length(x) > ENV_VALUE_MAX)
			return ferry_error_set(err, FERRY_EINVAL, "manifest.json: environment.%s: must be "
					       "a string of at most %d bytes", key, ENV_VALUE_MAX);
	}
	return 0;
}

int ferry_manifest_sandbox(const json_t *root, struct ferry_limits *out, json_t **env,
			   struct ferry_error *err)
{
	const json_t *lim = json_object_get(root, "limits"), *ev = json_object_get(root, "environment");
	const char *type = json_string_value(json_object_get(root, "type"));
	int rc;

	if (env)
		*env = NULL;
	if ((lim || ev) && (!type || strcmp(type, "application")))
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: %s: only application packages "
				       "declare it (an environment's processes run with its "
				       "application's)", lim ? "limits" : "environment");
	if ((rc = parse_limits(lim, out, err)) || (rc = parse_environment(ev, err)))
		return rc;
	if (env)
		*env = (json_t *)ev;
	return 0;
}
