/* SPDX-License-Identifier: MIT */
/* runtime_cmd.c: how ferry describes a command to a runtime's host: the
 * ${CONFIG} ${DB} ${PORT} ${ENV} ${RELEASE_DIR} values of a runtime, JSON argv arrays
 * expanded with them, and the FERRY_* environment the application gets. */
#include "runtime/runtime_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define NVARS 5

void rt_vars_fill(const struct ferry_runtime *rt, const char *rel, int service, struct rt_vars *v)
{
	snprintf(v->config, sizeof(v->config), "%s/config.json", rt->dir);
	snprintf(v->db, sizeof(v->db), "%s", rt->db_conn);
	snprintf(v->port, sizeof(v->port), "%d", rt->port);
	snprintf(v->env, sizeof(v->env), "%s", rt->env.name);
	if (rel && *rel)
		snprintf(v->release_dir, sizeof(v->release_dir), "%s/releases/%s", rt->dir, rel);
	else
		snprintf(v->release_dir, sizeof(v->release_dir), "%s/current", rt->dir);
	snprintf(v->service, sizeof(v->service), "%s", service ? rt->dir : "");
}

static char *expand(const char *s, const struct rt_vars *v)
{
	static const char *const names[NVARS] = { "${CONFIG}", "${DB}", "${PORT}", "${ENV}",
						   "${RELEASE_DIR}" };
	const char *vals[NVARS] = { v->config, v->db, v->port, v->env, v->release_dir };
	struct ferry_buf b = FERRY_BUF_INIT;
	size_t i;

	while (*s) {
		for (i = 0; i < NVARS; i++)
			if (!strncmp(s, names[i], strlen(names[i])))
				break;
		if (i < NVARS) {
			ferry_buf_adds(&b, vals[i]);
			s += strlen(names[i]);
		} else {
			ferry_buf_add(&b, s++, 1);
		}
	}
	if (!b.data)
		ferry_buf_adds(&b, "");
	return ferry_buf_detach(&b);
}

void ferry_runtime_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

int rt_argv_expand(const json_t *argv, const struct rt_vars *v, char ***out,
		   struct ferry_error *err)
{
	size_t i, n = json_array_size(argv);
	char **a;

	*out = NULL;
	if (!json_is_array(argv) || n == 0)
		return ferry_error_set(err, FERRY_EINVAL, "a command must be a non-empty JSON array of strings");
	if (!(a = calloc(n + 1, sizeof(*a))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(argv, i));
		if (!s) {
			ferry_runtime_argv_free(a);
			return ferry_error_set(err, FERRY_EINVAL, "command argument %zu is not a string", i);
		}
		if (!(a[i] = expand(s, v))) {
			ferry_runtime_argv_free(a);
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		}
	}
	/* "bin/x" is relative to the release; a bare name is looked up in PATH. */
	if (a[0][0] != '/' && strchr(a[0], '/')) {
		char *abs = ferry_path_join(v->release_dir, a[0]);
		free(a[0]);
		a[0] = abs;
	}
	*out = a;
	if (!a[0]) {
		ferry_runtime_argv_free(a);
		*out = NULL;
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	return 0;
}

char **rt_envp(const struct rt_vars *v)
{
	static const char *const keys[] = { "FERRY_CONFIG=", "FERRY_DB=", "FERRY_PORT=",
					    "FERRY_ENV=", "FERRY_RELEASE_DIR=", "FERRY_SERVICE=" };
	const char *vals[] = { v->config, v->db, v->port, v->env, v->release_dir, v->service };
	size_t n = 0, i, o = 0, nk = v->service[0] ? 6 : 5;
	char **e;

	while (environ[n])
		n++;
	if (!(e = calloc(n + nk + 1, sizeof(*e))))
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "FERRY_", 6))
			e[o++] = strdup(environ[i]);
	for (i = 0; i < nk; i++) {
		struct ferry_buf b = FERRY_BUF_INIT;
		ferry_buf_addf(&b, "%s%s", keys[i], vals[i]);
		e[o++] = ferry_buf_detach(&b);
	}
	for (i = 0; i < o; i++)
		if (!e[i]) {
			for (; i < o; i++)
				free(e[i]);
			ferry_runtime_argv_free(e);   /* frees up to the first NULL */
			return NULL;
		}
	return e;
}
