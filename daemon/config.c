/* config.c: ferryd's settings: defaults, then the config file (key = value lines),
 * then command-line flags, which win. */
#include "ferryd.h"

#include "ferry/store/ctx.h"
#include "ferry/base/util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "usage: ferryd [--config FILE] [--listen ADDR] [--port N] [--home DIR] [--store PATH|URL]\n" \
	      "              [--assets DIR] [--port-file FILE] [--max-connections N] [--workers N]\n" \
	      "              [--upload-limit BYTES] [--notify-before SECONDS] [--routes]\n"

#ifndef FERRY_SRCDIR
#define FERRY_SRCDIR "/usr/share/ferry"
#endif

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

/* Apply one setting; 0 or -1 after printing what is wrong (`where` names the source). */
static int config_set(struct ferryd_config *cfg, const char *key, const char *val,
		      const char *where)
{
	long long v;

	if (!strcmp(key, "listen"))
		return set_str(&cfg->listen, val);
	if (!strcmp(key, "home"))
		return set_str(&cfg->home, val);
	if (!strcmp(key, "store")) /* the library reads $FERRY_STORE, as with `ferry --store` */
		return setenv("FERRY_STORE", val, 1);
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

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "port", required_argument, NULL, 'p' },
	{ "home", required_argument, NULL, 'H' },
	{ "store", required_argument, NULL, 's' },
	{ "assets", required_argument, NULL, 'a' },
	{ "port-file", required_argument, NULL, 'f' },
	{ "max-connections", required_argument, NULL, 'm' },
	{ "workers", required_argument, NULL, 'w' },
	{ "upload-limit", required_argument, NULL, 'u' },
	{ "notify-before", required_argument, NULL, 'n' },
	{ "routes", no_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int ferryd_config_load(struct ferryd_config *cfg, int argc, char **argv)
{
	int c, i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 8580;
	cfg->max_conns = 512;
	cfg->workers = 4;
	cfg->body_limit = 1 << 20;
	cfg->upload_limit = 2ULL << 30;
	cfg->notify_before_s = 900;
	if (set_str(&cfg->listen, "127.0.0.1") || set_str(&cfg->assets, FERRY_SRCDIR "/daemon"))
		return 2;
	/* First pass: the config file, so flags given with it still win. */
	for (i = 1; i < argc; i++) {
		const char *file = NULL;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			file = argv[i] + 9;
		if (file && config_file(cfg, file))
			return 2;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *key = NULL;
		switch (c) {
		case 'c': continue;
		case 'l': key = "listen"; break;
		case 'p': key = "port"; break;
		case 'H': key = "home"; break;
		case 's': key = "store"; break;
		case 'a': key = "assets"; break;
		case 'f': key = "port-file"; break;
		case 'm': key = "max-connections"; break;
		case 'w': key = "workers"; break;
		case 'u': key = "upload-limit"; break;
		case 'n': key = "notify-before"; break;
		case 'R': cfg->print_routes = 1; continue;
		case 'h': fputs(USAGE, stdout); exit(0);
		default:
			fprintf(stderr, "ferryd: error: unknown or incomplete option '%s'\n%s",
				argv[optind - 1], USAGE);
			return 2;
		}
		if (config_set(cfg, key, optarg, "command line"))
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "ferryd: error: unexpected argument '%s'\n%s", argv[optind], USAGE);
		return 2;
	}
	if (!cfg->home && !(cfg->home = ferry_home_resolve(NULL)))
		return 2;
	return 0;
}

void ferryd_config_release(struct ferryd_config *cfg)
{
	free(cfg->listen);
	free(cfg->home);
	free(cfg->assets);
	free(cfg->port_file);
	memset(cfg, 0, sizeof(*cfg));
}
