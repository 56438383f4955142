/* SPDX-License-Identifier: MIT */
/* manifest.h: a deployable package's manifest.json (format 1, docs/PACKAGES.md):
 * parsing, validation and read-only accessors. */
#ifndef FERRY_MANIFEST_H
#define FERRY_MANIFEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct ferry_error;

#define FERRY_MANIFEST_FORMAT 1
#define FERRY_MANIFEST_MAX_BYTES ((size_t)4 << 20)   /* manifest.json size cap */
#define FERRY_PATH_MAX_LEN 1024                       /* payload path length cap */

enum ferry_pkg_type {
	FERRY_PKG_APPLICATION,
	FERRY_PKG_PLATFORM,
	FERRY_PKG_ISV,
	FERRY_PKG_CUSTOMIZATION,
	FERRY_PKG_DATA_UPGRADE,
	FERRY_PKG_HOTFIX
};

/* Data upgrade phases, in the order they run. */
enum ferry_upgrade_phase {
	FERRY_PHASE_PREREQUISITES,
	FERRY_PHASE_PRE_SYNC,
	FERRY_PHASE_SCHEMA_SYNC,
	FERRY_PHASE_POST_SYNC,
	FERRY_PHASE_FINAL_SYNC
};

enum ferry_model_owner { FERRY_OWNER_VENDOR, FERRY_OWNER_ISV, FERRY_OWNER_CUSTOMER };

/* A list of strings borrowed from the manifest (valid while it lives). */
struct ferry_strv {
	const char **v;
	size_t n;
};

/* A step: exactly one of sql (a payload path) or exec (argv, no shell) is set. */
struct ferry_step {
	const char *name;
	const char *sql;                 /* NULL for exec steps */
	struct ferry_strv exec;          /* n == 0 for sql steps */
	enum ferry_upgrade_phase phase;  /* data_upgrade steps only */
	const char *service_model;       /* dvt steps only */
	int timeout_s;                   /* dvt steps: "timeout_s", default FERRY_DVT_TIMEOUT_S */
	int read_only;                   /* exec steps: "read_only": true, the step never writes
					  * the database (no restore point is taken for it) */
};

/* Defaults of the manifest's timeouts: a DVT script's (dvt[].timeout_s, 1..86400) and
 * one health request's (service.health_timeout_ms, 1..600000). A large database makes
 * an application's checks slower: a package says so, a fixed limit does not fail it. */
#define FERRY_DVT_TIMEOUT_S 120
#define FERRY_HEALTH_TIMEOUT_MS 1000

/* The timeout of one entry of a (validated) manifest's "dvt" array, in seconds. */
int ferry_manifest_dvt_timeout_s(const json_t *dvt);

struct ferry_step_list {
	struct ferry_step *v;
	size_t n;
};

struct ferry_requirement {
	const char *name;
	const char *min_version;         /* NULL: any version */
};

struct ferry_model {
	const char *name;
	enum ferry_model_owner owner;
	const char *layer;               /* NULL when absent */
	struct ferry_strv overlayers;    /* vendor models it overlayers */
	struct ferry_strv extends;       /* vendor models it extends */
};

struct ferry_payload_file {
	const char *path;                /* safe relative path ("bin/ledger") */
	uint64_t size;
	unsigned mode;                   /* 0644 or 0755 style, masked to 0755 */
	char sha256[65];                 /* lowercase hex */
};

struct ferry_service {
	int present;
	struct ferry_strv exec;
	const char *health;              /* HTTP path, e.g. "/health" */
	const char *version;             /* HTTP path, e.g. "/version" */
	int ready_timeout_s;             /* default 20 */
	int health_timeout_ms;           /* one health request; default FERRY_HEALTH_TIMEOUT_MS */
};

/* What an application declares for every process of its environments ("limits",
 * docs/PACKAGES.md); the defaults below where it declares nothing. */
struct ferry_limits {
	int64_t open_files;              /* RLIMIT_NOFILE */
	int64_t processes;               /* RLIMIT_NPROC: processes and threads */
	int64_t memory_mb;               /* address space (RLIMIT_AS), MiB */
};
#define FERRY_LIMIT_OPEN_FILES 1024
#define FERRY_LIMIT_PROCESSES 512
#define FERRY_LIMIT_MEMORY_MB 4096

/* How the rows of one table of the new release go back to the old release's schema
 * when a self-service upgrade is rolled back (docs/PACKAGES.md, "reverse"). */
enum ferry_reverse_kind {
	FERRY_REVERSE_SQL,               /* a SELECT over the staging table ferry_stage */
	FERRY_REVERSE_COPY,              /* the columns both tables have, unchanged */
	FERRY_REVERSE_DROP               /* not carried back: `note` says why */
};

struct ferry_reverse_table {
	const char *table;               /* the table of the new release */
	const char *into;                /* the old release's table (default: the same name) */
	enum ferry_reverse_kind kind;
	const char *sql;                 /* FERRY_REVERSE_SQL: a payload file, one SELECT */
	const char *note;                /* FERRY_REVERSE_DROP: why (required); else NULL */
};

/* The reverse mapping to one older release, tables in the order rows are applied
 * (inserts and updates in this order, deletes in the reverse order). */
struct ferry_reverse {
	const char *release;
	struct ferry_reverse_table *tables;
	size_t n;
};

/* A parsed, validated manifest. Every string points into `root` and lives as long
 * as the manifest. Read the fields directly; never modify them. */
struct ferry_manifest {
	json_t *root;                    /* the whole document */
	int format;
	const char *name;
	const char *version;
	enum ferry_pkg_type type;
	const char *product;
	const char *description;         /* "" when absent */
	struct ferry_strv applies_releases;   /* empty: any */
	struct ferry_strv applies_platforms;  /* empty: any */
	const char *provides_release;    /* NULL when absent */
	const char *provides_platform;   /* NULL when absent */
	struct ferry_requirement *requires;
	size_t n_requires;
	struct ferry_model *models;
	size_t n_models;
	struct ferry_service service;
	struct ferry_step_list pre_install;
	struct ferry_step_list post_install;
	struct ferry_step_list scrub;
	struct ferry_step_list data_upgrade;  /* sorted by phase, then listed order */
	struct ferry_step_list dvt;
	struct ferry_payload_file *payload;
	size_t n_payload;
	uint64_t payload_bytes;          /* sum of payload sizes */
	const char *build_seal;          /* "ferry-seal-1": the file ends with a seal (package.h) */
	struct ferry_limits limits;      /* application packages; defaults elsewhere */
	json_t *environment;             /* "environment": {NAME: value}, borrowed; NULL: none */

	struct ferry_reverse *reverse;   /* data-upgrade packages: per older release */
	size_t n_reverse;
	/* application packages: the payload directory holding the vendor's model sources of
	 * the release ("models": one folder per model, as a source tree), or NULL. The code
	 * upgrade builds its vendor bases from it (docs/CODE-UPGRADE.md). */
	const char *model_sources;
};

/* Parse and validate manifest bytes. On failure the message names the field path
 * ("manifest.json: scripts.pre-install[0].exec: must be a non-empty array of strings").
 * Caller frees *out with ferry_manifest_free(). */
int ferry_manifest_parse(const char *data, size_t len, struct ferry_manifest **out,
			 struct ferry_error *err);
/* Read and parse a manifest file. */
int ferry_manifest_load(const char *path, struct ferry_manifest **out, struct ferry_error *err);
void ferry_manifest_free(struct ferry_manifest *m);

/* The payload entry for path, or NULL. O(log n): payload is kept sorted by path. */
const struct ferry_payload_file *ferry_manifest_file(const struct ferry_manifest *m,
						     const char *path);
/* 1 when path is a directory that holds some payload file ("bin" for "bin/ledger"). */
int ferry_manifest_is_dir(const struct ferry_manifest *m, const char *path);

/* The reverse mapping of a data-upgrade package back to `release`, or NULL. */
const struct ferry_reverse *ferry_manifest_reverse(const struct ferry_manifest *m,
						   const char *release);

/* 1 when the package may be installed on release/platform (NULL = not checked). */
int ferry_manifest_applies(const struct ferry_manifest *m, const char *release,
			   const char *platform);

/* A compact JSON summary (name, version, type, product, sizes, counts); caller owns it. */
json_t *ferry_manifest_summary(const struct ferry_manifest *m);

/* The "limits" and "environment" sections of a manifest document (an application's:
 * other packages may not declare them), checked: out gets the limits with defaults,
 * *env (may be NULL) the environment object or NULL. The runtime reads a release's
 * manifest.json through this too. The message names the field and what it accepts. */
int ferry_manifest_sandbox(const json_t *root, struct ferry_limits *out, json_t **env,
			   struct ferry_error *err);

const char *ferry_pkg_type_name(enum ferry_pkg_type t);
int ferry_pkg_type_parse(const char *s, enum ferry_pkg_type *out);
const char *ferry_upgrade_phase_name(enum ferry_upgrade_phase p);
int ferry_upgrade_phase_parse(const char *s, enum ferry_upgrade_phase *out);
const char *ferry_model_owner_name(enum ferry_model_owner o);

/* Compare dotted-number versions: <0, 0, >0 ("8.1.10" > "8.1.9", "8.1" == "8.1.0").
 * Invalid versions sort before valid ones, and compare with strcmp among themselves. */
int ferry_version_cmp(const char *a, const char *b);
/* 1 when s is a valid dotted-number version (1 to 8 parts of up to 9 digits). */
int ferry_version_valid(const char *s);

/* 0 when p is a safe relative archive path: no leading '/', no empty, '.' or '..'
 * component, no control characters or backslashes, at most FERRY_PATH_MAX_LEN bytes.
 * The message says why (for the caller to prefix with the entry name). */
int ferry_path_check(const char *p, struct ferry_error *err);

#endif
