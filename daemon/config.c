/* SPDX-License-Identifier: MIT */
/* config.c: ferryd's settings: defaults, then the environment (the FERRY_* variables
 * of ferry_settings_keys[]), then the config file (key = value lines, read by libinih),
 * then command-line flags, which win; and what SIGHUP may change of them
 * (ferryd_config_reload). The one place in ferryd that reads the environment. */
#include "ferryd.h"

#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "usage: ferryd [--config FILE] [--check-config] [--listen HOST[:PORT]] [--port N]\n" \
	      "              [--home DIR] [--store PATH|URL] [--assets DIR] [--port-file FILE]\n" \
	      "              [--max-connections N] [--workers N] [--body-limit BYTES]\n" \
	      "              [--upload-limit BYTES] [--notify-before SECONDS] [--log-level LEVEL]\n" \
	      "              [--housekeep-interval SECONDS]\n" \
	      "              [--routes] [--SETTING VALUE]... (port-range, catalog-dir, node-id, ...)\n" \
	      "See ferryd(8) and ferryd.conf(5).\n"

enum own_type { OWN_STR, OWN_INT, OWN_LISTEN, OWN_LEVEL };

/* ferryd's own keys (the library's are ferry_settings_keys[]); `reload`: SIGHUP applies
 * a new value; the others need a restart. */
static const struct own_key {
	const char *key;
	enum own_type type;
	size_t offset, size;
	long long min, max;
	int reload;
} own_keys[] = {
#define O(f) offsetof(struct ferryd_config, f), sizeof(((struct ferryd_config *)0)->f)
	{ "listen", OWN_LISTEN, O(listen), 0, 0, 0 },
	{ "port", OWN_INT, O(port), 0, 65535, 0 },
	{ "assets", OWN_STR, O(assets), 0, 0, 0 },
	{ "port-file", OWN_STR, O(port_file), 0, 0, 0 },
	{ "max-connections", OWN_INT, O(max_conns), 1, 100000, 0 },
	{ "workers", OWN_INT, O(workers), 1, 256, 0 },
	{ "body-limit", OWN_INT, O(body_limit), 1024, 1LL << 30, 1 },
	{ "upload-limit", OWN_INT, O(upload_limit), 1024, 1LL << 40, 1 },
	{ "notify-before", OWN_INT, O(notify_before_s), 0, 7 * 86400, 1 },
	{ "housekeep-interval", OWN_INT, O(housekeep_s), 0, 86400, 1 },
	{ "log-level", OWN_LEVEL, O(log_level), 0, 3, 1 },
#undef O
	{ NULL, OWN_STR, 0, 0, 0, 0, 0 }
};

static const char *const levels[] = { "debug", "info", "warn", "error", NULL };

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

static void set_int(void *field, size_t size, long long v)
{
	if (size == sizeof(int))
		*(int *)field = (int)v;
	else
		*(int64_t *)field = (int64_t)v; /* size_t, uint64_t: 8 bytes on every target */
}

/* "127.0.0.1", "127.0.0.1:8580", "[::1]:8580", "[::1]", "::1", "localhost:8580", ":8580". */
static int set_listen(struct ferryd_config *cfg, const char *v, char *msg, size_t cap)
{
	char host[128], probe[16];
	const char *port = NULL, *end;
	long long p;
	size_t n;

	if (v[0] == '[') {
		if (!(end = strchr(v, ']')) || (end[1] && end[1] != ':'))
			goto bad;
		n = (size_t)(end - v - 1);
		port = end[1] ? end + 2 : NULL;
		v++;
	} else if ((end = strchr(v, ':')) && !strchr(end + 1, ':')) {
		n = (size_t)(end - v); /* one colon: HOST:PORT */
		port = end + 1;
	} else {
		n = strlen(v); /* no colon, or a bare IPv6 address */
	}
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, v, n);
	host[n] = '\0';
	if (!*host)
		snprintf(host, sizeof(host), "0.0.0.0");
	if (strcmp(host, "localhost") && inet_pton(AF_INET, host, probe) != 1 &&
	    inet_pton(AF_INET6, host, probe) != 1)
		goto bad;
	if (port && ferry_parse_int(port, 0, 65535, &p))
		goto bad;
	if (port)
		cfg->port = (int)p;
	return set_str(&cfg->listen, host);
bad:
	snprintf(msg, cap, "listen '%s': expected HOST, HOST:PORT or [IPv6]:PORT with an IPv4 or "
		 "IPv6 address (or localhost) and a port 0-65535", v);
	return -1;
}

static const struct own_key *own_find(const char *key)
{
	const struct own_key *k;

	for (k = own_keys; k->key; k++)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

/* Apply one setting (key with '-' or '_'); 0, or -1 with msg filled. */
static int config_set(struct ferryd_config *cfg, const char *key, const char *val, char *msg,
		      size_t cap)
{
	const struct own_key *k;
	struct ferry_error err;
	char name[64], *c;
	long long v;
	int i;

	snprintf(name, sizeof(name), "%s", key);
	for (c = name; *c; c++)
		if (*c == '_')
			*c = '-';
	if (ferry_settings_key(name)) {
		ferry_error_clear(&err);
		if (!ferry_settings_set(&cfg->settings, name, val, &err))
			return 0;
		snprintf(msg, cap, "%s", err.msg);
		return -1;
	}
	if (!(k = own_find(name))) {
		snprintf(msg, cap, "unknown setting '%s' (ferryd.conf(5) lists them)", key);
		return -1;
	}
	switch (k->type) {
	case OWN_LISTEN:
		return set_listen(cfg, val, msg, cap);
	case OWN_STR:
		if (!set_str((char **)((char *)cfg + k->offset), val))
			return 0;
		snprintf(msg, cap, "out of memory");
		return -1;
	case OWN_LEVEL:
		for (i = 0; levels[i]; i++)
			if (!strcmp(levels[i], val)) {
				cfg->log_level = i;
				return 0;
			}
		snprintf(msg, cap, "log-level '%s': expected debug, info, warn or error", val);
		return -1;
	case OWN_INT:
		if (!ferry_parse_int(val, k->min, k->max, &v)) {
			set_int((char *)cfg + k->offset, k->size, v);
			return 0;
		}
		snprintf(msg, cap, "%s '%s': expected an integer from %lld to %lld", name, val, k->min,
			 k->max);
		return -1;
	}
	return -1;
}

/* ---- the config file (libinih) ---------------------------------------------- */

struct file_ctx {
	struct ferryd_config *cfg;
	FILE *f;
	const char *path;
	int line;         /* the line being parsed */
	int failed;       /* an error was printed */
};

/* libinih's reader: fgets that counts lines and refuses lines it would cut. */
static char *file_reader(char *str, int num, void *stream)
{
	struct file_ctx *fc = stream;
	size_t n;

	if (fc->failed || !fgets(str, num, fc->f))
		return NULL;
	fc->line++;
	n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(fc->f)) {
		fprintf(stderr, "ferryd: error: %s:%d: line longer than %d characters\n", fc->path,
			fc->line, num - 2);
		fc->failed = 1;
		return NULL;
	}
	return str;
}

static int file_handler(void *user, const char *section, const char *name, const char *value)
{
	struct file_ctx *fc = user;
	char msg[sizeof(((struct ferry_error *)0)->msg)];

	if (fc->failed)
		return 0;
	if (*section) {
		snprintf(msg, sizeof(msg), "sections ([%s]) are not used: write key = value lines",
			 section);
	} else if (!config_set(fc->cfg, name, value, msg, sizeof(msg))) {
		return 1;
	}
	fprintf(stderr, "ferryd: error: %s:%d: %s\n", fc->path, fc->line, msg);
	fc->failed = 1;
	return 0;
}

static int config_file(struct ferryd_config *cfg, const char *path)
{
	struct file_ctx fc = { cfg, fopen(path, "r"), path, 0, 0 };
	int rc;

	if (!fc.f) {
		fprintf(stderr, "ferryd: error: cannot read config file %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(file_reader, &fc, file_handler, &fc);
	fclose(fc.f);
	if (rc && !fc.failed)
		fprintf(stderr, "ferryd: error: %s:%d: expected 'key = value'\n", path,
			rc > 0 ? rc : fc.line);
	return rc || fc.failed ? -1 : 0;
}

/* ---- the environment and the command line ------------------------------------ */

/* The environment: under the config file and the flags. */
static int load_env(struct ferryd_config *cfg)
{
	const struct ferry_setting_key *k;
	char msg[sizeof(((struct ferry_error *)0)->msg)];

	for (k = ferry_settings_keys; k->key; k++) {
		const char *v = k->env ? getenv(k->env) : NULL;
		if (!v || !*v || !config_set(cfg, k->key, v, msg, sizeof(msg)))
			continue;
		fprintf(stderr, "ferryd: error: environment variable %s: %s\n", k->env, msg);
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
		if (file && (set_str(&cfg->config_file, file) || config_file(cfg, file)))
			return -1;
	}
	return 0;
}

enum { OPT_CONFIG = 1, OPT_ROUTES, OPT_HELP, OPT_CHECK, OPT_TABLE, OPT_KEY = 256 };

static int parse_flags(struct ferryd_config *cfg, int argc, char **argv, const struct option *opts)
{
	char msg[sizeof(((struct ferry_error *)0)->msg)];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_CONFIG)
			continue;
		if (c == OPT_TABLE) {
			cfg->print_routes = 2;
			continue;
		}
		if (c == OPT_ROUTES || c == OPT_CHECK || c == OPT_HELP) {
			*(c == OPT_ROUTES ? &cfg->print_routes : c == OPT_CHECK ? &cfg->check_only
								 : &cfg->print_help) = 1;
			continue;
		}
		if (c < OPT_KEY) {
			fprintf(stderr, "ferryd: error: unknown or incomplete option '%s'\n%s",
				argv[optind - 1], USAGE);
			return -1;
		}
		if (config_set(cfg, opts[c - OPT_KEY].name, optarg, msg, sizeof(msg))) {
			fprintf(stderr, "ferryd: error: command line: %s\n", msg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ferryd: error: unexpected argument '%s'\n%s", argv[optind], USAGE);
		return -1;
	}
	return 0;
}

/* Every key is a flag: ferryd's own, then the library's (--port-range, ...). */
static int load_flags(struct ferryd_config *cfg, int argc, char **argv)
{
	static const struct option fixed[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "routes", no_argument, NULL, OPT_ROUTES },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "route-table", no_argument, NULL, OPT_TABLE },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	size_t nown = 0, nlib = 0, i, nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct option *opts;
	int rc;

	while (own_keys[nown].key)
		nown++;
	while (ferry_settings_keys[nlib].key)
		nlib++;
	if (!(opts = calloc(nown + nlib + nfixed + 1, sizeof(*opts))))
		return -1;
	for (i = 0; i < nown + nlib; i++)
		opts[i] = (struct option){ i < nown ? own_keys[i].key : ferry_settings_keys[i - nown].key,
					   required_argument, NULL, OPT_KEY + (int)i };
	memcpy(opts + nown + nlib, fixed, sizeof(fixed));
	rc = parse_flags(cfg, argc, argv, opts);
	free(opts);
	return rc;
}

static int load(struct ferryd_config *cfg, int argc, char **argv)
{
	struct ferry_error err;

	memset(cfg, 0, sizeof(*cfg));
	ferry_settings_init(&cfg->settings);
	cfg->port = 8580;
	cfg->max_conns = 4096;
	cfg->workers = 4;
	cfg->body_limit = 1 << 20;
	cfg->upload_limit = 2ULL << 30;
	cfg->notify_before_s = 900;
	cfg->housekeep_s = 60;
	cfg->log_level = 1;
	if (set_str(&cfg->listen, "127.0.0.1"))
		return 2;
	if (load_env(cfg) || load_files(cfg, argc, argv) || load_flags(cfg, argc, argv))
		return 2;
	if (cfg->print_help) {
		fputs(USAGE, stdout);
		return 0;
	}
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

int ferryd_config_load(struct ferryd_config *cfg, int argc, char **argv)
{
	const char *js = getenv("JOURNAL_STREAM");
	int rc = load(cfg, argc, argv);

	/* under systemd, stderr is the journal's when JOURNAL_STREAM names it (log.c) */
	if (!rc && js && *js && set_str(&cfg->journal, js))
		rc = 2;
	return rc;
}

void ferryd_config_print(const struct ferryd_config *cfg, FILE *f)
{
	fprintf(f, "config = %s\nlisten = %s%s%s:%d\nhome = %s\nstore = %s\ndata-dir = %s\n"
		"assets = %s\nworkers = %d\nmax-connections = %d\nbody-limit = %zu\n"
		"upload-limit = %llu\nnotify-before = %d\nhousekeep-interval = %d\nlog-level = %s\n",
		cfg->config_file ? cfg->config_file : "(none)", strchr(cfg->listen, ':') ? "[" : "",
		cfg->listen, strchr(cfg->listen, ':') ? "]" : "", cfg->port, cfg->settings.home,
		cfg->settings.store ? cfg->settings.store : "<home>/ferry.db",
		ferry_settings_data_dir(&cfg->settings), cfg->assets, cfg->workers, cfg->max_conns,
		cfg->body_limit, (unsigned long long)cfg->upload_limit, cfg->notify_before_s,
		cfg->housekeep_s, levels[cfg->log_level]);
}

/* The value of an own key as text, to compare two configurations. */
static void own_text(const struct ferryd_config *cfg, const struct own_key *k, char *buf, size_t cap)
{
	const char *field = (const char *)cfg + k->offset;

	if (k->type == OWN_LEVEL)
		snprintf(buf, cap, "%s", levels[*(const int *)field & 3]);
	else if (k->type == OWN_STR || k->type == OWN_LISTEN)
		snprintf(buf, cap, "%s", *(char *const *)field ? *(char *const *)field : "");
	else if (k->size == sizeof(int))
		snprintf(buf, cap, "%d", *(const int *)field);
	else
		snprintf(buf, cap, "%lld", (long long)*(const int64_t *)field);
}

/* The library settings that differ, as "key key ..." into buf; 0 when none. */
static int settings_differ(const struct ferry_settings *a, const struct ferry_settings *b,
			   char *buf, size_t cap)
{
	const struct ferry_setting_key *k;
	size_t n = 0;

	buf[0] = '\0';
	for (k = ferry_settings_keys; k->key; k++) {
		const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
		int same;
		if (k->type == FERRY_SETTING_PORTS)
			same = a->port_lo == b->port_lo && a->port_hi == b->port_hi;
		else if (k->type == FERRY_SETTING_INT)
			same = !memcmp(fa, fb, k->size);
		else if (k->type == FERRY_SETTING_RANGE)   /* two ints at offset */
			same = !memcmp(fa, fb, 2 * sizeof(int));
		else
			same = !strcmp(*(char *const *)fa ? *(char *const *)fa : "",
				       *(char *const *)fb ? *(char *const *)fb : "");
		if (!same && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", k->key);
	}
	return buf[0] != '\0';
}

int ferryd_config_reload(struct ferryd_config *cfg, int argc, char **argv)
{
	struct ferryd_config next;
	const struct own_key *k;
	char a[1024], b[1024];
	int changed = 0;

	if (load(&next, argc, argv)) {
		ferryd_config_release(&next);
		return -1;
	}
	for (k = own_keys; k->key; k++) {
		own_text(cfg, k, a, sizeof(a));
		own_text(&next, k, b, sizeof(b));
		if (!strcmp(a, b))
			continue;
		if (!k->reload) {
			flog("warn", "reload: this setting changes on restart only", "key", k->key,
			     "running", a, "configured", b, NULL);
			continue;
		}
		/* one aligned store per value: request threads read them as they come */
		if (k->size == sizeof(int))
			__atomic_store_n((int *)((char *)cfg + k->offset),
					 *(int *)((char *)&next + k->offset), __ATOMIC_RELAXED);
		else
			__atomic_store_n((int64_t *)((char *)cfg + k->offset),
					 *(int64_t *)((char *)&next + k->offset), __ATOMIC_RELAXED);
		flog("info", "reload: setting changed", "key", k->key, "from", a, "to", b, NULL);
		changed++;
	}
	if (settings_differ(&cfg->settings, &next.settings, a, sizeof(a)))
		flog("warn", "reload: library settings change on restart only", "keys", a, NULL);
	ferryd_config_release(&next);
	return changed;
}

void ferryd_config_release(struct ferryd_config *cfg)
{
	ferry_settings_release(&cfg->settings);
	free(cfg->listen);
	free(cfg->assets);
	free(cfg->port_file);
	free(cfg->config_file);
	free(cfg->journal);
	memset(cfg, 0, sizeof(*cfg));
}
