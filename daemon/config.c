/* config.c: ferryd's settings: defaults, then the environment (the FERRY_* variables
 * of ferry_settings_keys[]), then the config file (key = value lines), then
 * command-line flags, which win. The one place in ferryd that reads the environment. */
#include "ferryd.h"

#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "usage: ferryd [--config FILE] [--listen ADDR] [--port N] [--home DIR] [--store PATH|URL]\n" \
	      "              [--assets DIR] [--port-file FILE] [--max-connections N] [--workers N]\n" \
	      "              [--upload-limit BYTES] [--notify-before SECONDS] [--routes]\n" \
	      "              [--SETTING VALUE]... (port-range, catalog-dir, node-id, ...: docs/DAEMON.md)\n"

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

/* A library setting (ferry/base/settings.h): "catalog_dir" is "catalog-dir" too. */
static int library_set(struct ferryd_config *cfg, const char *key, const char *val,
		       const char *where)
{
	struct ferry_error err;
	char k[64], *c;

	snprintf(k, sizeof(k), "%s", key);
	for (c = k; *c; c++)
		if (*c == '_')
			*c = '-';
	if (!ferry_settings_key(k))
		return 1;
	ferry_error_clear(&err);
	if (ferry_settings_set(&cfg->settings, k, val, &err)) {
		fprintf(stderr, "ferryd: error: %s: %s\n", where, err.msg);
		return -1;
	}
	return 0;
}

/* Apply one setting; 0 or -1 after printing what is wrong (`where` names the source). */
static int config_set(struct ferryd_config *cfg, const char *key, const char *val,
		      const char *where)
{
	long long v;
	int rc;

	if ((rc = library_set(cfg, key, val, where)) <= 0)
		return rc;
	if (!strcmp(key, "listen"))
		return set_str(&cfg->listen, val);
	if (!strcmp(key, "assets"))
		return set_str(&cfg->assets, val);
	if (!strcmp(key, "port-file") || !strcmp(key, "port_file"))
		return set_str(&cfg->port_file, val);
	if (!strcmp(key, "port")) {
		if (ferry_parse_int(val, 0, 65535, &v))
			goto bad;
		cfg->port = (int)v;
		return 0;
	}
	if (!strcmp(key, "max-connections") || !strcmp(key, "max_connections")) {
		if (ferry_parse_int(val, 1, 100000, &v))
			goto bad;
		cfg->max_conns = (int)v;
		return 0;
	}
	if (!strcmp(key, "workers")) {
		if (ferry_parse_int(val, 1, 256, &v))
			goto bad;
		cfg->workers = (int)v;
		return 0;
	}
	if (!strcmp(key, "body-limit") || !strcmp(key, "body_limit")) {
		if (ferry_parse_int(val, 1024, 1LL << 30, &v))
			goto bad;
		cfg->body_limit = (size_t)v;
		return 0;
	}
	if (!strcmp(key, "upload-limit") || !strcmp(key, "upload_limit")) {
		if (ferry_parse_int(val, 1024, 1LL << 40, &v))
			goto bad;
		cfg->upload_limit = (uint64_t)v;
		return 0;
	}
	if (!strcmp(key, "notify-before") || !strcmp(key, "notify_before")) {
		if (ferry_parse_int(val, 0, 7 * 86400, &v))
			goto bad;
		cfg->notify_before_s = (int)v;
		return 0;
	}
	fprintf(stderr, "ferryd: error: %s: unknown setting '%s'\n%s", where, key, USAGE);
	return -1;
bad:
	fprintf(stderr, "ferryd: error: %s: invalid value '%s' for '%s'\n", where, val, key);
	return -1;
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

static int config_file(struct ferryd_config *cfg, const char *path)
{
	char line[1024], where[1100];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f) {
		fprintf(stderr, "ferryd: error: cannot read config file %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq, *k = trim(line);
		n++;
		if (!*k || *k == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, n);
		if (!(eq = strchr(k, '='))) {
			fprintf(stderr, "ferryd: error: %s: expected 'key = value'\n", where);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		if (config_set(cfg, trim(k), trim(eq + 1), where)) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* ferryd's own flags; every library setting is a flag too (--port-range, ...), added
 * from ferry_settings_keys[] by load_flags(). */
static const struct option own_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "port", required_argument, NULL, 'p' },
	{ "assets", required_argument, NULL, 'a' },
	{ "port-file", required_argument, NULL, 'f' },
	{ "max-connections", required_argument, NULL, 'm' },
	{ "workers", required_argument, NULL, 'w' },
	{ "upload-limit", required_argument, NULL, 'u' },
	{ "notify-before", required_argument, NULL, 'n' },
	{ "routes", no_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
};
#define N_OWN (sizeof(own_opts) / sizeof(own_opts[0]))
#define SETTING_OPT 256  /* getopt value of ferry_settings_keys[i]: SETTING_OPT + i */

/* The environment: under the config file and the flags. */
static int load_env(struct ferryd_config *cfg)
{
	const struct ferry_setting_key *k;
	char where[96];

	for (k = ferry_settings_keys; k->key; k++) {
		const char *v = k->env ? getenv(k->env) : NULL;
		if (!v || !*v)
			continue;
		snprintf(where, sizeof(where), "environment variable %s", k->env);
		if (library_set(cfg, k->key, v, where))
			return -1;
	}
	return 0;
}

/* The config file first, so flags given with it still win. */
static int load_files(struct ferryd_config *cfg, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *file = NULL;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			file = argv[i] + 9;
		if (file && config_file(cfg, file))
			return -1;
	}
	return 0;
}

static const char *own_key(int c)
{
	switch (c) {
	case 'l': return "listen";
	case 'p': return "port";
	case 'a': return "assets";
	case 'f': return "port-file";
	case 'm': return "max-connections";
	case 'w': return "workers";
	case 'u': return "upload-limit";
	case 'n': return "notify-before";
	default: return NULL;
	}
}

static int parse_flags(struct ferryd_config *cfg, int argc, char **argv, const struct option *opts)
{
	const char *key;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			continue;
		if (c == 'R') {
			cfg->print_routes = 1;
			continue;
		}
		if (c == 'h') {
			fputs(USAGE, stdout);
			exit(0);
		}
		key = c >= SETTING_OPT ? ferry_settings_keys[c - SETTING_OPT].key : own_key(c);
		if (!key) {
			fprintf(stderr, "ferryd: error: unknown or incomplete option '%s'\n%s",
				argv[optind - 1], USAGE);
			return -1;
		}
		if (config_set(cfg, key, optarg, "command line"))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "ferryd: error: unexpected argument '%s'\n%s", argv[optind], USAGE);
		return -1;
	}
	return 0;
}

static int load_flags(struct ferryd_config *cfg, int argc, char **argv)
{
	size_t n = 0, i;
	struct option *opts;
	int rc;

	while (ferry_settings_keys[n].key)
		n++;
	if (!(opts = calloc(N_OWN + n + 1, sizeof(*opts))))
		return -1;
	memcpy(opts, own_opts, sizeof(own_opts));
	for (i = 0; i < n; i++)
		opts[N_OWN + i] = (struct option){ ferry_settings_keys[i].key, required_argument, NULL,
						   SETTING_OPT + (int)i };
	rc = parse_flags(cfg, argc, argv, opts);
	free(opts);
	return rc;
}

int ferryd_config_load(struct ferryd_config *cfg, int argc, char **argv)
{
	struct ferry_error err;

	memset(cfg, 0, sizeof(*cfg));
	ferry_settings_init(&cfg->settings);
	cfg->port = 8580;
	cfg->max_conns = 512;
	cfg->workers = 4;
	cfg->body_limit = 1 << 20;
	cfg->upload_limit = 2ULL << 30;
	cfg->notify_before_s = 900;
	if (set_str(&cfg->listen, "127.0.0.1"))
		return 2;
	if (load_env(cfg) || load_files(cfg, argc, argv) || load_flags(cfg, argc, argv))
		return 2;
	ferry_error_clear(&err);
	if (ferry_settings_home_default(&cfg->settings, getenv("XDG_DATA_HOME"), getenv("HOME"), &err) ||
	    ferry_settings_data_dir_default(&cfg->settings, "/proc/self/exe", &err) ||
	    (!cfg->assets &&
	     !(cfg->assets = ferry_path_join(ferry_settings_data_dir(&cfg->settings), "daemon")))) {
		fprintf(stderr, "ferryd: error: out of memory\n");
		return 2;
	}
	return 0;
}

void ferryd_config_release(struct ferryd_config *cfg)
{
	ferry_settings_release(&cfg->settings);
	free(cfg->listen);
	free(cfg->assets);
	free(cfg->port_file);
	memset(cfg, 0, sizeof(*cfg));
}
