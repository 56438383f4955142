/* SPDX-License-Identifier: MIT */
/* runtime_config.c: config.json, the file ferry writes for the application: the
 * keys ferry manages (environment, role, slot, port, url, database...) rewritten
 * before every start, every other key kept and edited on request. Read and written
 * through the runtime's driver. */
#include "runtime/driver.h"
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/runtime/envdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG "config.json"

static const char *const managed_keys[] = {
	"environment", "role", "slot", "port", "url", "database", "db_driver",
	"state_dir", "release_dir", "log_file", NULL
};

static int config_is_managed(const char *key)
{
	int i;

	for (i = 0; managed_keys[i]; i++)
		if (!strcmp(key, managed_keys[i]))
			return 1;
	return 0;
}

/* The first config.json of another slot (an upgrade-in-progress runtime) starts from the
 * environment's settings: every key of the main runtime's config.json that ferry does not
 * manage (the application's own: credentials, site settings), except the per-runtime
 * fault switches. So the runtime that takes the environment over has its settings. */
static json_t *config_inherited(struct ferry_runtime *rt)
{
	struct ferry_runtime *main_rt = NULL;
	json_t *cfg = json_pack("{s:{}}", "faults"), *main_cfg = NULL, *v;
	const char *key;

	if (!cfg || !strcmp(rt->slot, FERRY_SLOT_MAIN) ||
	    ferry_runtime_open(rt->ctx, rt->env.name, NULL, 0, &main_rt, NULL))
		return cfg;
	if (!ferry_runtime_config_get(main_rt, &main_cfg, NULL))
		json_object_foreach(main_cfg, key, v)
			if (!config_is_managed(key) && strcmp(key, "faults"))
				json_object_set(cfg, key, v);
	json_decref(main_cfg);
	ferry_runtime_free(main_rt);
	return cfg;
}

/* config.json parsed into *out, its text left in b (empty when there is none yet). */
static int config_load(struct ferry_runtime *rt, json_t **out, struct ferry_buf *b,
		       struct ferry_error *err)
{
	json_error_t je;
	json_t *cfg;
	int rc;

	*out = NULL;
	if ((rc = rt->drv->file_read(rt, CONFIG, b, err)) == FERRY_ENOTFOUND) {
		ferry_error_clear(err);
		ferry_buf_reset(b);
		if (!(*out = config_inherited(rt)))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		return 0;
	}
	if (rc)
		return rc;
	cfg = json_loadb(b->data ? b->data : "", b->len, 0, &je);
	if (!cfg || !json_is_object(cfg)) {
		json_decref(cfg);
		return ferry_error_set(err, FERRY_EINVAL,
			"%s/" CONFIG " is not a JSON object (line %d: %s): fix or remove it",
			rt->dir, je.line, je.text);
	}
	*out = cfg;
	return 0;
}

int ferry_runtime_config_get(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc = config_load(rt, out, &b, err);

	ferry_buf_release(&b);
	return rc;
}

/* Written (synced, atomically) unless the file holds these very bytes already: a start
 * after a swap, which wrote them, pays no fsync inside the downtime. */
static int config_save(struct ferry_runtime *rt, json_t *cfg, const struct ferry_buf *old,
		       struct ferry_error *err)
{
	char *text = json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc = 0;

	if (!text)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!old || !old->data || old->len != strlen(text) || memcmp(old->data, text, old->len))
		rc = rt->drv->file_write(rt, CONFIG, text, strlen(text), err);
	free(text);
	return rc;
}

int ferry_runtime_config_write(struct ferry_runtime *rt, struct ferry_error *err)
{
	char rel[FERRY_RELEASE_ID_MAX], url[FERRY_RUNTIME_URL_MAX];
	/* state_dir: the application's own files (data/, which its sandbox may write) */
	char *state = ferry_runtime_path(rt, "data"), *log = ferry_runtime_path(rt, "logs/app.log");
	char *reldir = NULL, *secrets = ferry_runtime_path(rt, "secrets"), *pub = NULL, *pgpass = NULL;
	struct ferry_envdb *db = NULL;
	struct ferry_buf old = FERRY_BUF_INIT;
	json_t *cfg = NULL;
	int rc, bad;

	if ((rc = config_load(rt, &cfg, &old, err)) ||
	    (rc = rt->drv->db_open(rt, rt->db_conn, &db, err)))
		goto out;
	if (rt->drv->release_current(rt, rel) == 0) {
		char sub[FERRY_RELEASE_ID_MAX + 16];
		snprintf(sub, sizeof(sub), "releases/%s", rel);
		reldir = ferry_runtime_path(rt, sub);
	}
	ferry_runtime_url(rt, url);
	/* every member or none: a value that could not be made fails the write (the
	 * application must never read a config.json missing its database) */
	/* never a password: that is in secrets/pgpass, which the connection string names */
	if (!secrets || rt_sb_db_conn(rt->db_conn, secrets, &pub, &pgpass)) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	bad = !state || !log;
	bad |= json_object_set_new(cfg, "environment", json_string(rt->env.name));
	bad |= json_object_set_new(cfg, "role", json_string(ferry_env_role_name(rt->env.role)));
	bad |= json_object_set_new(cfg, "slot", json_string(rt->slot));
	bad |= json_object_set_new(cfg, "port", json_integer(rt->port));
	bad |= json_object_set_new(cfg, "url", json_string(url));
	bad |= json_object_set_new(cfg, "database", json_string(pub));
	bad |= json_object_set_new(cfg, "db_driver", json_string(ferry_envdb_driver(db)));
	bad |= json_object_set_new(cfg, "state_dir", json_string(state ? state : ""));
	bad |= json_object_set_new(cfg, "release_dir", reldir ? json_string(reldir) : json_null());
	bad |= json_object_set_new(cfg, "log_file", json_string(log ? log : ""));
	if (!json_is_object(json_object_get(cfg, "faults")))
		bad |= json_object_set_new(cfg, "faults", json_object());
	rc = bad ? ferry_error_set(err, FERRY_ENOMEM, "out of memory writing %s's config.json", rt->env.name)
		 : config_save(rt, cfg, &old, err);
out:
	ferry_buf_release(&old);
	json_decref(cfg);
	ferry_envdb_free(db);
	free(state);
	free(log);
	free(reldir);
	free(secrets);
	free(pub);
	free(pgpass);
	return rc;
}

/* The value as JSON when it parses (1, true, "x", {...}), else as a string. */
static json_t *config_value(const char *value)
{
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(value);
}

/* Apply one edit to cfg in memory. */
static int config_apply(struct ferry_runtime *rt, json_t *cfg, const char *key, const char *value,
			struct ferry_error *err)
{
	char path[256], *part, *dot;
	size_t len;
	json_t *node = cfg;
	int i;

	if (!key || !*key || snprintf(path, sizeof(path), "%s", key) >= (int)sizeof(path) ||
	    key[0] == '.' || key[strlen(key) - 1] == '.' || strstr(key, ".."))
		return ferry_error_set(err, FERRY_EINVAL, "invalid configuration key '%s'", key ? key : "");
	dot = strchr(path, '.');
	len = dot ? (size_t)(dot - path) : strlen(path);
	for (i = 0; managed_keys[i]; i++)
		if (strlen(managed_keys[i]) == len && !strncmp(path, managed_keys[i], len))
			return ferry_error_set(err, FERRY_EREFUSED,
				"'%s' in config.json is managed by ferry and cannot be set (see 'ferry env show %s')",
				managed_keys[i], rt->env.name);
	for (part = path; (dot = strchr(part, '.')); part = dot + 1) {
		json_t *next;
		*dot = '\0';
		next = json_object_get(node, part);
		if (!json_is_object(next)) {
			if (!value)
				return 0;       /* nothing to remove */
			next = json_object();
			json_object_set_new(node, part, next);
		}
		node = next;
	}
	if (value)
		json_object_set_new(node, part, config_value(value));
	else
		json_object_del(node, part);
	return 0;
}

int ferry_runtime_config_edit(struct ferry_runtime *rt, const char *const *keys,
			      const char *const *values, int n, struct ferry_error *err)
{
	json_t *cfg = NULL;
	int rc, i;

	if ((rc = ferry_runtime_config_get(rt, &cfg, err)))
		return rc;
	for (i = 0; i < n && !rc; i++)
		rc = config_apply(rt, cfg, keys[i], values[i], err);
	if (!rc)
		rc = config_save(rt, cfg, NULL, err);
	json_decref(cfg);
	return rc;
}

int ferry_runtime_config_set(struct ferry_runtime *rt, const char *key, const char *value,
			     struct ferry_error *err)
{
	return ferry_runtime_config_edit(rt, &key, &value, 1, err);
}
