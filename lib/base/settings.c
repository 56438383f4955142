/* SPDX-License-Identifier: MIT */
/* settings.c: struct ferry_settings: the table of settings (keys, environment variable
 * names, defaults), parsing a value by key, defaults, copies. Reads no environment: the
 * faces look the variables up and pass the values in. */
#include "ferry/base/settings.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where ferry's shipped data (catalog/, daemon/) is when nothing else says: the faces
 * first look beside their binary (<prefix>/bin/../share/ferry, ferry_settings_data_dir_
 * default); the Makefile sets this to $(PREFIX)/share/ferry. Never the source tree. */
#ifndef FERRY_DATADIR
#define FERRY_DATADIR "/usr/share/ferry"
#endif

#define F(field) offsetof(struct ferry_settings, field)
#define Z(field) sizeof(((struct ferry_settings *)0)->field)

const struct ferry_setting_key ferry_settings_keys[] = {
	{ "home", "FERRY_HOME", "DIR", "$XDG_DATA_HOME/ferry, else ~/.local/share/ferry",
	  "ferry's home directory", FERRY_SETTING_STR, F(home), 0, 0, 0 },
	{ "store", "FERRY_STORE", "PATH|URL", "<home>/ferry.db",
	  "the state store: a SQLite file or a postgresql:// URL", FERRY_SETTING_STR, F(store), 0, 0, 0 },
	{ "catalog-dir", "FERRY_CATALOG_DIR", "DIR", "none",
	  "searched first for release catalogs (<product>.json)", FERRY_SETTING_STR, F(catalog_dir), 0, 0, 0 },
	{ "data-dir", "FERRY_DATA_DIR", "DIR", "<prefix>/share/ferry beside the binary, else " FERRY_DATADIR,
	  "ferry's shipped data: catalog/ (searched last) and daemon/", FERRY_SETTING_STR, F(data_dir), 0, 0, 0 },
	{ "tmp-dir", "TMPDIR", "DIR", "/tmp",
	  "temporary files (extracted hotfix archives)", FERRY_SETTING_STR, F(tmp_dir), 0, 0, 0 },
	{ "env-db", "FERRY_ENV_DB", "URL", "none (SQLite in the environment)",
	  "database server of newly deployed environments (ferry env deploy)", FERRY_SETTING_STR,
	  F(env_db), 0, 0, 0 },
	{ "route-hook", "FERRY_ROUTE_HOOK", "PROGRAM", "none",
	  "run as PROGRAM ENV URL OLD_URL when an environment's address moves to another host "
	  "(reverse proxy, DNS)", FERRY_SETTING_STR, F(route_hook), 0, 0, 0 },
	{ "port-range", "FERRY_PORT_RANGE", "LO-HI", "20000-32000",
	  "ports given to applications", FERRY_SETTING_PORTS, 0, 0, 1024, 65535 },
	{ "sandbox", "FERRY_SANDBOX", "auto|landlock|bwrap|none", "auto",
	  "how environment processes are confined: auto is Landlock, else bubblewrap, else refuse "
	  "to run them; none runs them unconfined", FERRY_SETTING_CHOICE, F(sandbox), 0, 0, 0 },
	{ "sandbox-users", "FERRY_SANDBOX_USERS", "auto|yes|no", "auto",
	  "a uid of its own for each environment (auto: when ferry runs as root, as the "
	  "Debian package's ferryd does; yes: refused unless root; no: refused as root)",
	  FERRY_SETTING_CHOICE, F(sandbox_users), 0, 0, 0 },
	{ "sandbox-uids", "FERRY_SANDBOX_UIDS", "LO-HI", "70000-99999",
	  "the uids (and gids) given to environments", FERRY_SETTING_RANGE, F(sandbox_uid_lo),
	  0, 1000, 2147483646 },
	{ "sandbox-network", "FERRY_SANDBOX_NETWORK", "confined|host", "confined",
	  "confined: TCP only on the environment's own port and its database server's",
	  FERRY_SETTING_CHOICE, F(sandbox_network), 0, 0, 0 },
	{ "sandbox-memory", "FERRY_SANDBOX_MEMORY", "address-space|off", "address-space",
	  "how the manifest's memory limit is enforced (off: not at all, e.g. for ASan builds)",
	  FERRY_SETTING_CHOICE, F(sandbox_memory), 0, 0, 0 },
	{ "node-id", "FERRY_NODE_ID", "NAME", "the machine id, else the host name",
	  "this node's name in operation leases (several nodes on one store)", FERRY_SETTING_NODE,
	  F(node_id), 0, 0, 0 },
	{ "lease-ttl-ms", "FERRY_LEASE_TTL_MS", "MS", "30000",
	  "another node's lease expires this long after its last heartbeat", FERRY_SETTING_INT,
	  F(lease_ttl_ms), Z(lease_ttl_ms), 300, 86400000 },
	{ "max-entries", "FERRY_MAX_ENTRIES", "N", "100000",
	  "most entries a package archive may have", FERRY_SETTING_INT, F(max_entries),
	  Z(max_entries), 1, 1LL << 50 },
	{ "max-bytes", "FERRY_MAX_BYTES", "BYTES", "8589934592 (8 GiB)",
	  "most payload bytes a package archive may unpack to", FERRY_SETTING_INT, F(max_bytes),
	  Z(max_bytes), 1, 1LL << 50 },
	{ "max-ratio", "FERRY_MAX_RATIO", "N", "200",
	  "highest decompression ratio of a package archive", FERRY_SETTING_INT, F(max_ratio),
	  Z(max_ratio), 1, 1LL << 50 },
	{ "store-busy-ms", "FERRY_STORE_BUSY_MS", "MS", "30000",
	  "how long a writer waits for the state store's lock", FERRY_SETTING_INT, F(store_busy_ms),
	  Z(store_busy_ms), 100, 3600000 },
	{ "store-connect-s", "FERRY_STORE_CONNECT_S", "SECONDS", "10",
	  "how long connecting to a PostgreSQL state store may take", FERRY_SETTING_INT,
	  F(store_connect_s), Z(store_connect_s), 1, 3600 },
#ifdef FERRY_TEST_HOOKS
	{ "crash-at", "FERRY_CRASH_AT", "STEP[:LABEL]", "none",
	  "test builds only: SIGKILL at this step boundary", FERRY_SETTING_STR, F(crash_at), 0, 0, 0 },
	{ "test-clock", "FERRY_TEST_CLOCK", "FILE", "none (the system clock)",
	  "test builds only: the time of schedules and windows, read from FILE", FERRY_SETTING_STR,
	  F(test_clock), 0, 0, 0 },
#endif
	{ NULL, NULL, NULL, NULL, NULL, FERRY_SETTING_STR, 0, 0, 0, 0 }
};

const struct ferry_setting_key *ferry_settings_key(const char *key)
{
	const struct ferry_setting_key *k;

	for (k = ferry_settings_keys; key && k->key; k++)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

void ferry_settings_init(struct ferry_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->port_lo = 20000;   /* below Linux's ephemeral range (32768-60999) */
	s->port_hi = 32000;
	s->lease_ttl_ms = 30000;
	s->max_entries = 100000;
	s->max_bytes = (uint64_t)8 << 30;
	s->max_ratio = 200;
	s->store_busy_ms = 30000;
	s->store_connect_s = 10;
	s->sandbox_uid_lo = 70000;
	s->sandbox_uid_hi = 99999;
}

static char **str_field(struct ferry_settings *s, const struct ferry_setting_key *k)
{
	return (char **)(void *)((char *)s + k->offset);
}

static int is_str(const struct ferry_setting_key *k)
{
	return k->type == FERRY_SETTING_STR || k->type == FERRY_SETTING_NODE ||
	       k->type == FERRY_SETTING_CHOICE;
}

void ferry_settings_release(struct ferry_settings *s)
{
	const struct ferry_setting_key *k;

	if (!s)
		return;
	for (k = ferry_settings_keys; k->key; k++)
		if (is_str(k))
			free(*str_field(s, k));
	ferry_settings_init(s);
}

int ferry_settings_copy(struct ferry_settings *dst, const struct ferry_settings *src,
			struct ferry_error *err)
{
	const struct ferry_setting_key *k;

	*dst = *src;
#ifndef FERRY_TEST_HOOKS
	dst->crash_at = NULL;  /* not settings in this build (the loop copies them in test builds) */
	dst->test_clock = NULL;
#endif
	for (k = ferry_settings_keys; k->key; k++) {
		char **d = str_field(dst, k);
		if (!is_str(k))
			continue;
		if (*d && !(*d = strdup(*d))) {
			/* the strings not copied yet still point into src: drop them */
			for (; k->key; k++)
				if (is_str(k))
					*str_field(dst, k) = NULL;
			ferry_settings_release(dst);
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		}
	}
	return 0;
}

static int set_int(struct ferry_settings *s, const struct ferry_setting_key *k, const char *v,
		   struct ferry_error *err)
{
	char *p = (char *)s + k->offset;
	long long x;

	if (ferry_parse_int(v, k->min, k->max, &x))
		return ferry_error_set(err, FERRY_EINVAL, "%s '%s': expected an integer from %lld to %lld",
				       k->key, v, k->min, k->max);
	if (k->size == sizeof(int64_t))
		memcpy(p, &(int64_t){ (int64_t)x }, sizeof(int64_t));
	else
		memcpy(p, &(int){ (int)x }, sizeof(int));
	return 0;
}

static int node_ok(const char *v)
{
	size_t n = strlen(v);

	return n >= 1 && n <= 24 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					      "0123456789._-") == n;
}

/* Is v one of the '|'-separated words of choices? */
static int choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (n && p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && !strncmp(p, v, n))
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int set_range(struct ferry_settings *s, const struct ferry_setting_key *k, const char *v,
		     struct ferry_error *err)
{
	int *f = (int *)(void *)((char *)s + k->offset);
	char tmp[48], *dash;
	long long a, b;

	if (snprintf(tmp, sizeof(tmp), "%s", v) >= (int)sizeof(tmp) || !(dash = strchr(tmp, '-')) ||
	    (*dash = '\0', ferry_parse_int(tmp, k->min, k->max, &a)) ||
	    ferry_parse_int(dash + 1, k->min, k->max, &b) || a > b)
		return ferry_error_set(err, FERRY_EINVAL, "%s '%s': expected LO-HI with %lld <= LO <= "
				       "HI <= %lld", k->key, v, k->min, k->max);
	f[0] = (int)a;
	f[1] = (int)b;
	return 0;
}

int ferry_settings_set(struct ferry_settings *s, const char *key, const char *value,
		       struct ferry_error *err)
{
	const struct ferry_setting_key *k = ferry_settings_key(key);
	char *copy = NULL, **field;

	if (!k)
		return ferry_error_set(err, FERRY_EINVAL, "unknown setting '%s'", key ? key : "");
	if (!value)
		value = "";
	switch (k->type) {
	case FERRY_SETTING_INT:
		return set_int(s, k, value, err);
	case FERRY_SETTING_PORTS:
		if (ferry_port_range_parse(value, &s->port_lo, &s->port_hi))
			return ferry_error_set(err, FERRY_EINVAL,
				"%s '%s': expected LO-HI with %lld <= LO <= HI <= %lld", k->key, value,
				k->min, k->max);
		return 0;
	case FERRY_SETTING_NODE:
		if (*value && !node_ok(value))
			return ferry_error_set(err, FERRY_EINVAL,
				"%s '%s': expected 1-24 characters of A-Z, a-z, 0-9, '.', '_' and '-'",
				k->key, value);
		break;
	case FERRY_SETTING_CHOICE:
		if (*value && !choice_ok(k->value, value))
			return ferry_error_set(err, FERRY_EINVAL, "%s '%s': expected one of %s",
					       k->key, value, k->value);
		break;
	case FERRY_SETTING_RANGE:
		return set_range(s, k, value, err);
	case FERRY_SETTING_STR:
		break;
	}
	if (*value && !(copy = strdup(value)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	field = str_field(s, k);
	free(*field);
	*field = copy;
	return 0;
}

int ferry_settings_home_default(struct ferry_settings *s, const char *xdg_data_home,
				const char *user_home, struct ferry_error *err)
{
	if (s->home)
		return 0;
	if (xdg_data_home && *xdg_data_home)
		s->home = ferry_path_join(xdg_data_home, "ferry");
	else
		s->home = ferry_path_join(user_home && *user_home ? user_home : ".", ".local/share/ferry");
	return s->home ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
}

int ferry_settings_data_dir_default(struct ferry_settings *s, const char *exe,
				    struct ferry_error *err)
{
	char *real, *slash, *dir;
	struct stat st;

	if (s->data_dir || !exe || !(real = realpath(exe, NULL)))
		return 0;
	/* <prefix>/bin/ferry -> <prefix>/share/ferry */
	if ((slash = strrchr(real, '/')))
		*slash = '\0';
	if ((slash = strrchr(real, '/')))
		*slash = '\0';
	dir = ferry_path_join(*real ? real : "/", "share/ferry");
	free(real);
	if (!dir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (real = realpath(dir, NULL))) {
		free(dir);
		dir = real;
	} else {
		free(dir);
		dir = NULL;
	}
	s->data_dir = dir;
	return 0;
}

const char *ferry_settings_tmp_dir(const struct ferry_settings *s)
{
	return s && s->tmp_dir ? s->tmp_dir : "/tmp";
}

const char *ferry_settings_data_dir(const struct ferry_settings *s)
{
	return s && s->data_dir ? s->data_dir : FERRY_DATADIR;
}

const char *ferry_settings_choice(const struct ferry_settings *s, const char *key)
{
	const struct ferry_setting_key *k = ferry_settings_key(key);
	const char *v;

	if (!k || k->type != FERRY_SETTING_CHOICE)
		return NULL;
	v = s ? *(char *const *)(const void *)((const char *)s + k->offset) : NULL;
	return v ? v : k->dflt;   /* a choice's default is its first word */
}
