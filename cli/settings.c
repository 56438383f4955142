/* SPDX-License-Identifier: MIT */
/* settings.c: what `ferry` tells the library (struct ferry_settings, docs/CLI.md):
 * defaults, then the config file (~/.config/ferry/config), then the environment
 * (FERRY_HOME, FERRY_STORE, FERRY_PORT_RANGE, ...), then the global flags (--home,
 * --store, --port-range, ... anywhere before "--"), which win. The one place where
 * ferry reads the library's settings from the environment. */
#include "cli.h"

#include "ferry/base/error.h"
#include "ferry/base/settings.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The settings of this process: filled once, read until exit. */
static struct ferry_settings settings;

int cli_config_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg)
		n = snprintf(buf, cap, "%s/ferry/config", xdg);
	else if (home && *home)
		n = snprintf(buf, cap, "%s/.config/ferry/config", home);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* One setting from `where`; prints the error and returns EXIT_USAGE when it is bad. */
static int set_one(const char *key, const char *value, const char *where)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (!ferry_settings_set(&settings, key, value, &err))
		return 0;
	fprintf(stderr, "ferry: error: %s: %s\n", where, err.msg);
	return EXIT_USAGE;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "key = value" lines; "server" and "token" are main.c's (the remote CLI). */
static int load_file(void)
{
	char path[1024], line[2048], where[1100], *eq, *k, *c;
	int n = 0, rc = 0;
	FILE *f;

	if (cli_config_path(path, sizeof(path)) || !(f = fopen(path, "r")))
		return 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		k = trim(line);
		n++;
		if (!*k || *k == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, n);
		if (!(eq = strchr(k, '='))) {
			fprintf(stderr, "ferry: error: %s: expected 'key = value'\n", where);
			rc = EXIT_USAGE;
			break;
		}
		*eq = '\0';
		k = trim(k);
		for (c = k; *c; c++)
			if (*c == '_')
				*c = '-';
		if (strcmp(k, "server") && strcmp(k, "token"))
			rc = set_one(k, trim(eq + 1), where);
	}
	fclose(f);
	return rc;
}

static int load_env(void)
{
	const struct ferry_setting_key *k;
	char where[96];
	int rc;

	for (k = ferry_settings_keys; k->key; k++) {
		const char *v = k->env ? getenv(k->env) : NULL;
		if (!v || !*v)
			continue;
		snprintf(where, sizeof(where), "environment variable %s", k->env);
		if ((rc = set_one(k->key, v, where)))
			return rc;
	}
	return 0;
}

/* Take "--KEY VALUE" and "--KEY=VALUE" of every setting out of argv (before "--"). */
static int load_flags(struct cli *cli, int *argc, char **argv)
{
	int i, o = 0, rc = 0, dashdash = 0;
	char where[96];

	if (cli->home_opt && (rc = set_one("home", cli->home_opt, "option --home")))
		return rc;
	for (i = 0; i < *argc && !rc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		const struct ferry_setting_key *k = NULL;
		char name[64];

		dashdash |= !strcmp(a, "--");
		if (!dashdash && !strncmp(a, "--", 2) &&
		    snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a - 2) : 63, a + 2) > 0)
			k = ferry_settings_key(name);
		if (!k) {
			argv[o++] = argv[i];
			continue;
		}
		snprintf(where, sizeof(where), "option --%s", k->key);
		if (!eq && i + 1 >= *argc)
			return cli_usage(NULL, "option '--%s' needs a value (%s)", k->key, k->value);
		rc = set_one(k->key, eq ? eq + 1 : argv[++i], where);
	}
	argv[o] = NULL;
	*argc = o;
	return rc;
}

int cli_settings_load(struct cli *cli, int *argc, char **argv)
{
	struct ferry_error err;
	int rc;

	ferry_settings_release(&settings);
	if ((rc = load_file()) || (rc = load_env()) || (rc = load_flags(cli, argc, argv)))
		return rc;
	if (*argc < 2)
		return cli_usage(NULL, "no command given: see 'ferry help'");
	ferry_error_clear(&err);
	if (ferry_settings_home_default(&settings, getenv("XDG_DATA_HOME"), getenv("HOME"), &err) ||
	    ferry_settings_data_dir_default(&settings, "/proc/self/exe", &err))
		return cli_fail(cli, &err);
	cli->settings = &settings;
	return 0;
}
