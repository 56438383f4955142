/* SPDX-License-Identifier: MIT */
/* config.c: the environment's config file (JSON, written by ferry) and the release directory. */
#include "ledger.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

int ledger_config_load(struct ledger_config *c, const char *path, struct lerr *e)
{
	json_error_t jerr;
	json_t *root, *port, *faults;

	memset(c, 0, sizeof(*c));
	root = json_load_file(path, 0, &jerr);
	if (!root)
		return lerr_set(e, 400, "config '%s': %s (line %d)", path, jerr.text, jerr.line);
	if (!json_is_object(root)) {
		json_decref(root);
		return lerr_set(e, 400, "config '%s': not a JSON object", path);
	}
	c->path = strdup(path);
	c->environment = dup_str(root, "environment");
	c->role = dup_str(root, "role");
	c->database = dup_str(root, "database");
	c->state_dir = dup_str(root, "state_dir");
	c->release_dir = dup_str(root, "release_dir");
	{
		/* ferry gives the address clients use: on another machine than ferry's (an
		 * SSH host), serve on every address; on ferry's own, loopback only */
		const char *url = json_string_value(json_object_get(root, "url"));
		c->listen_any = url && strncmp(url, "http://127.", 11) && strncmp(url, "http://localhost", 16);
	}
	port = json_object_get(root, "port");
	c->port = json_is_integer(port) ? (int)json_integer_value(port) : 0;
	faults = json_object_get(root, "faults");
	c->faults = json_is_object(faults) ? json_incref(faults) : json_object();
	json_decref(root);
	if (!c->database) {
		ledger_config_release(c);
		return lerr_set(e, 400, "config '%s': \"database\" (absolute path) is required", path);
	}
	if (c->port < 0 || c->port > 65535) {
		ledger_config_release(c);
		return lerr_set(e, 400, "config '%s': \"port\" must be 1..65535", path);
	}
	return 0;
}

void ledger_config_release(struct ledger_config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->environment);
	free(c->role);
	free(c->database);
	free(c->state_dir);
	free(c->release_dir);
	json_decref(c->faults);
	memset(c, 0, sizeof(*c));
}

char *ledger_release_dir(const struct ledger_config *c)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *dir, *up;

	if (c && c->release_dir)
		return strdup(c->release_dir);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return strdup(".");
	exe[n] = '\0';
	dir = dirname(exe);           /* .../bin */
	up = strdup(dir);
	if (!up)
		return NULL;
	if (!strcmp(basename(up), "bin")) {
		free(up);
		return strdup(dirname(dir));
	}
	free(up);
	return strdup(dir);
}

enum ledger_release ledger_dir_release(const char *dir, struct lerr *e)
{
	char path[4096];
	json_error_t jerr;
	json_t *root;
	enum ledger_release r;

	snprintf(path, sizeof(path), "%s/release.json", dir);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		lerr_set(e, 500, "release directory '%s': cannot read release.json: %s", dir, jerr.text);
		return REL_UNKNOWN;
	}
	r = ledger_release_parse(json_string_value(json_object_get(root, "release")));
	if (r == REL_UNKNOWN)
		lerr_set(e, 500, "%s: \"release\" must be one of 7.3, 8.0, 8.1", path);
	json_decref(root);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* packages.d/<name>.json, in name order, as an array of their objects. */
static json_t *read_packages(const char *dir)
{
	char path[4096];
	json_t *arr = json_array();
	char *names[512];
	size_t n = 0;
	struct dirent *d;
	DIR *dh;

	snprintf(path, sizeof(path), "%s/packages.d", dir);
	dh = opendir(path);
	if (!dh)
		return arr;
	while ((d = readdir(dh)) && n < 512) {
		size_t len = strlen(d->d_name);
		if (len > 5 && !strcmp(d->d_name + len - 5, ".json") && d->d_name[0] != '.')
			names[n++] = strdup(d->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		json_t *pkg;
		snprintf(path, sizeof(path), "%s/packages.d/%s", dir, names[i]);
		pkg = json_load_file(path, 0, NULL);
		if (json_is_object(pkg))
			json_array_append_new(arr, pkg);
		else
			json_decref(pkg);
		free(names[i]);
	}
	return arr;
}

json_t *ledger_release_info(const char *dir, struct lerr *e)
{
	char path[4096];
	enum ledger_release r = ledger_dir_release(dir, e);
	char *platform;
	size_t len = 0;

	if (r == REL_UNKNOWN)
		return NULL;
	snprintf(path, sizeof(path), "%s/platform/VERSION", dir);
	platform = ledger_read_file(path, &len);
	while (platform && len > 0 && (platform[len - 1] == '\n' || platform[len - 1] == ' '))
		platform[--len] = '\0';
	json_t *info = json_pack("{s:s, s:s, s:s, s:o}", "application", "ledger",
				 "release", ledger_release_name(r),
				 "platform", platform ? platform : "unknown",
				 "packages", read_packages(dir));
	free(platform);
	return info;
}
