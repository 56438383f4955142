/* SPDX-License-Identifier: MIT */
/* runtime_cmd.c: how ferry describes a command to a runtime's host: the
 * ${CONFIG} ${DB} ${PORT} ${ENV} ${RELEASE_DIR} ${DATA} ${SECRETS} values of a
 * runtime, JSON argv arrays expanded with them, and the clean environment the
 * application is given (ferry's documented variables and its manifest's, nothing of
 * ferry's own environment). */
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVARS 7

void rt_vars_fill(const struct ferry_runtime *rt, const char *rel, int service, struct rt_vars *v)
{
	char *pub = NULL, *pgpass = NULL;

	snprintf(v->config, sizeof(v->config), "%s/config.json", rt->dir);
	snprintf(v->data, sizeof(v->data), "%s/data", rt->dir);
	snprintf(v->tmp, sizeof(v->tmp), "%s/tmp", rt->dir);
	snprintf(v->secrets, sizeof(v->secrets), "%s/secrets", rt->dir);
	/* never a password: it goes to <secrets>/pgpass (written before each spawn) */
	rt_sb_db_conn(rt->db_conn, v->secrets, &pub, &pgpass);
	snprintf(v->db, sizeof(v->db), "%s", pub ? pub : "");
	free(pub);
	free(pgpass);
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
						   "${RELEASE_DIR}", "${DATA}", "${SECRETS}" };
	const char *vals[NVARS] = { v->config, v->db, v->port, v->env, v->release_dir, v->data,
				    v->secrets };
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

static int env_add(char **e, size_t *o, const char *k, const char *val)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	ferry_buf_addf(&b, "%s=%s", k, val);
	return (e[(*o)++] = ferry_buf_detach(&b)) ? 0 : -1;
}

char **rt_envp(const struct rt_vars *v, const json_t *menv)
{
	static const char *const keys[] = { "FERRY_CONFIG", "FERRY_DB", "FERRY_PORT", "FERRY_ENV",
					    "FERRY_RELEASE_DIR", "FERRY_DATA", "FERRY_SECRETS",
					    "HOME", "TMPDIR", "FERRY_SERVICE" };
	const char *vals[] = { v->config, v->db, v->port, v->env, v->release_dir, v->data,
			       v->secrets, v->data, v->tmp, v->service };
	size_t nk = v->service[0] ? 10 : 9, o = 0, i;
	const char *k;
	json_t *x;
	char **e = calloc(nk + 3 + json_object_size(menv) + 1, sizeof(*e));
	int bad = !e;

	if (!bad && (!menv || !json_object_get(menv, "PATH")))
		bad = env_add(e, &o, "PATH", "/usr/local/bin:/usr/bin:/bin");
	if (!bad && (!menv || !json_object_get(menv, "LANG")))
		bad = env_add(e, &o, "LANG", "C.UTF-8");
	for (i = 0; !bad && i < nk; i++)
		bad = env_add(e, &o, keys[i], vals[i]);
	json_object_foreach((json_t *)menv, k, x) {
		char *val;
		if (bad || !json_is_string(x) || !strncmp(k, "FERRY_", 6) || !strcmp(k, "HOME") ||
		    !strcmp(k, "TMPDIR"))
			continue;                 /* the manifest's check refused these already */
		val = expand(json_string_value(x), v);
		bad = !val || env_add(e, &o, k, val);
		free(val);
	}
	if (bad) {
		ferry_runtime_argv_free(e);     /* frees up to the first NULL */
		return NULL;
	}
	return e;
}
