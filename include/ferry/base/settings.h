/* SPDX-License-Identifier: MIT */
/* settings.h: everything libferry is told rather than finds out for itself: where its
 * home, store, catalogs, data and temporary files are, the application port range, the
 * intake limits, this node's name and lease time, the store's timeouts.
 *
 * The library reads no environment variables. The faces fill a struct ferry_settings
 * (ferry: cli/settings.c from its flags, config file and environment; ferryd:
 * daemon/config.c from its config file, flags and environment) and hand it to
 * ferry_ctx_open(), which keeps its own copy as ctx->settings; calls that work without a
 * context (catalogs, hotfixes) take the settings themselves.
 *
 * Each setting has a key ("port-range") that config files and flags use and, for most,
 * the environment variable the faces read (FERRY_PORT_RANGE); ferry_settings_keys[]
 * lists them with their defaults. docs/CLI.md and docs/DAEMON.md document them. */
#ifndef FERRY_SETTINGS_H
#define FERRY_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

struct ferry_error;

struct ferry_settings {
	/* Places. Strings are owned (ferry_settings_release frees them); NULL = default. */
	char *home;            /* ferry's home directory; required to open a context */
	char *store;           /* state store, a path or postgresql:// URL; NULL: <home>/ferry.db */
	char *catalog_dir;     /* searched first for "<product>.json"; NULL: not searched */
	char *data_dir;        /* ferry's shipped data (catalog/, daemon/); NULL: FERRY_DATADIR */
	char *tmp_dir;         /* temporary files; NULL: /tmp */
	char *env_db;          /* database server of newly deployed environments (ferry) */
	char *node_id;         /* this node in operation leases; NULL: machine id, else host */
	char *route_hook;      /* program told when an address moves between hosts; NULL: none */
	/* Runtime. */
	int port_lo, port_hi;  /* application ports are taken from [lo, hi] */
	/* The sandbox of every process an environment runs (docs/SECURITY.md). Choices
	 * are kept as given; NULL is the first choice listed (the default). */
	char *sandbox;         /* auto|landlock|bwrap|none */
	char *sandbox_users;   /* auto|yes|no: a uid per environment (needs root) */
	int sandbox_uid_lo, sandbox_uid_hi;  /* the uids given to environments */
	char *sandbox_network; /* confined|host */
	char *sandbox_memory;  /* address-space|off */
	/* Operations. */
	int64_t lease_ttl_ms;  /* a lease of another node expires this long after its heartbeat */
	/* Package intake: limits on what an archive may make ferry read. */
	uint64_t max_entries;  /* entries */
	uint64_t max_bytes;    /* payload bytes */
	uint64_t max_ratio;    /* decompression ratio */
	/* State store. */
	int store_busy_ms;     /* how long a writer waits for the store's lock */
	int store_connect_s;   /* how long connecting to a PostgreSQL store may take */
	/* Test hook: SIGKILL at this step boundary ("step" or "step:label"). Filled and
	 * obeyed only in test builds (FERRY_TEST_HOOKS, `make SAN=1`); NULL otherwise. */
	char *crash_at;
	/* Test hook: a file holding the time (ms since the epoch, or "YYYY-MM-DDTHH:MM:SSZ")
	 * that ferry_clock_ms() reads instead of the system clock: tests set and advance
	 * the time of schedules and maintenance windows. Test builds only, like crash_at. */
	char *test_clock;
};

/* How a setting is written: its key, the environment variable the faces read for it
 * (NULL: none), the form of its value, its default (for help and docs) and one line of
 * help. `type`, `offset`, `min` and `max` say how ferry_settings_set() parses it. */
enum ferry_setting_type {
	FERRY_SETTING_STR,     /* text; empty means unset (the default) */
	FERRY_SETTING_INT,     /* decimal integer in [min, max] */
	FERRY_SETTING_PORTS,   /* "LO-HI" into port_lo and port_hi */
	FERRY_SETTING_NODE,    /* 1-24 characters of [A-Za-z0-9._-] */
	FERRY_SETTING_CHOICE,  /* one of the words of `value` ("a|b|c"); text, NULL: the first */
	FERRY_SETTING_RANGE    /* "LO-HI" into two ints at offset, min <= LO <= HI <= max */
};

struct ferry_setting_key {
	const char *key;
	const char *env;
	const char *value;
	const char *dflt;
	const char *help;
	enum ferry_setting_type type;
	size_t offset;         /* of the field in struct ferry_settings */
	size_t size;           /* of an integer field: 4 or 8 */
	long long min, max;
};

/* Every setting, NULL-key terminated. "crash-at" and "test-clock" are listed only in
 * test builds. */
extern const struct ferry_setting_key ferry_settings_keys[];

/* The setting called `key`, or NULL when there is none. */
const struct ferry_setting_key *ferry_settings_key(const char *key);

/* Defaults: no strings, ports 20000-32000, lease 30 s, 100000 entries, 8 GiB, 200:1,
 * store busy timeout 30 s, connect timeout 10 s, sandbox uids 70000-99999. Cannot fail. */
void ferry_settings_init(struct ferry_settings *s);
/* Free the strings and reset to defaults; accepts NULL. */
void ferry_settings_release(struct ferry_settings *s);
/* dst (not yet initialized, or released) becomes a copy of src; FERRY_ENOMEM. */
int ferry_settings_copy(struct ferry_settings *dst, const struct ferry_settings *src,
			struct ferry_error *err);

/* Set one setting from text: FERRY_EINVAL for an unknown key or a bad value, with a
 * message saying what is accepted ("port-range '9-1': expected LO-HI, ..."). The faces
 * prefix where the value came from ("environment variable FERRY_PORT_RANGE"). */
int ferry_settings_set(struct ferry_settings *s, const char *key, const char *value,
		       struct ferry_error *err);

/* When s->home is unset, the conventional home: "<xdg_data_home>/ferry" when that is
 * given, else "<user_home>/.local/share/ferry" (else "./.local/share/ferry"). The faces
 * pass $XDG_DATA_HOME and $HOME. */
int ferry_settings_home_default(struct ferry_settings *s, const char *xdg_data_home,
				const char *user_home, struct ferry_error *err);

/* When s->data_dir is unset, ferry's shipped data beside the running binary `exe` (the
 * faces pass "/proc/self/exe"): "<prefix>/share/ferry" for "<prefix>/bin/ferry", when
 * that directory exists (a development build has build/share/ferry, a link to the
 * tree); else it stays unset (FERRY_DATADIR, the configured prefix). FERRY_ENOMEM. */
int ferry_settings_data_dir_default(struct ferry_settings *s, const char *exe,
				    struct ferry_error *err);

/* The directories in effect (defaults applied); s may be NULL. */
const char *ferry_settings_tmp_dir(const struct ferry_settings *s);
const char *ferry_settings_data_dir(const struct ferry_settings *s);
/* The value of a FERRY_SETTING_CHOICE setting in effect ("auto" for an unset
 * "sandbox"); NULL for a key that is not a choice. */
const char *ferry_settings_choice(const struct ferry_settings *s, const char *key);

#endif
