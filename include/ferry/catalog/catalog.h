/* SPDX-License-Identifier: MIT */
/* catalog.h: release catalogs: a product's releases, platform updates, the rules
 * between them and the seed's code-upgrade table, loaded from a JSON data file
 * (schema: docs/CATALOG.md; the first one: catalog/finance-operations.json).
 *
 * A loaded catalog is read-only. Every `const char *` and every pointer to a
 * catalog record below points into the catalog and stays valid until
 * ferry_catalog_free(). Release and platform ids compare exactly for releases
 * ("7.3", "8.1", "ax2012") and case-insensitively for platforms ("PU12", "pu12").
 */
#ifndef FERRY_CATALOG_H
#define FERRY_CATALOG_H

#include <jansson.h>
#include <stddef.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_settings;

#define FERRY_CATALOG_FORMAT 1
#define FERRY_CATALOG_DEFAULT_PRODUCT "finance-operations"

/* A platform update ("PU12"); platforms are cumulative and ordered by ordinal. */
struct ferry_catalog_platform {
	const char *id;            /* "PU12" */
	const char *name;          /* "Platform update 12" */
	const char *date;          /* "2017-07", or NULL when the catalog does not know it */
	int ordinal;               /* 12; the only thing comparisons use */
	int overlayering_allowed;  /* platform models may be overlayered on it (PU1, PU2) */
};

/* An application release ("7.3"), or a source only ("ax2012"). */
struct ferry_catalog_release {
	const char *id;            /* "7.0.1-pu2" */
	const char *name;          /* "August 2016 release (Application 7.0.1 with Platform update 2)" */
	const char *application;   /* application version, "7.0.1"; equals id when not given */
	const char *build;         /* AX7.version build string, or NULL */
	const char *date;          /* "2016-08" or NULL */
	const struct ferry_catalog_platform *platform; /* shipped with; NULL for a source only */
	const struct ferry_catalog_platform *min_platform; /* from combinations; NULL for a source only */
	const struct ferry_catalog_platform *max_platform; /* NULL: no upper bound */
	int index;                 /* position in the catalog: older releases come first */
	int source_only;           /* an upgrade source, never a target or an environment */
};

enum ferry_catalog_move_type {
	FERRY_CATALOG_MOVE_APPLICATION, /* to another application release */
	FERRY_CATALOG_MOVE_PLATFORM     /* same application, newer platform */
};

/* One row of the seed's code-upgrade table ($.code_upgrade[row]) or of $.updates. */
struct ferry_catalog_move {
	int row;                   /* index in its array (0-based) */
	int is_update;             /* 1: from $.updates, 0: from $.code_upgrade */
	enum ferry_catalog_move_type type;
	const struct ferry_catalog_release *source;
	const char *source_label;  /* the table's wording */
	const char *ax7_version;   /* expected AX7.version of the source, or NULL */
	const struct ferry_catalog_release **targets; /* ntargets target releases */
	size_t ntargets;
	int newer_platform;        /* target: any newer platform of the same release */
	const char *target_label;  /* the table's wording */
	int code_upgrade_required;
	const char *text;          /* extra citation text, or NULL */
};

/* A model of the platform (Application Platform, ...); matched by either name. */
struct ferry_catalog_model {
	const char *name;          /* "Application Platform" */
	const char *model;         /* AOT model name, "ApplicationPlatform" */
};

struct ferry_catalog {
	char *path;                /* the file it was loaded from (owned) */
	const char *product;       /* "finance-operations" */
	const char *name;
	const char *source;        /* where the facts come from, or NULL */
	struct ferry_catalog_release *releases;   size_t nreleases;
	struct ferry_catalog_platform *platforms; size_t nplatforms;
	struct ferry_catalog_model *models;       size_t nmodels;
	struct ferry_catalog_move *moves;         size_t nmoves; /* code_upgrade rows, then updates */
	/* Definitions and rules (each text cites the seed). */
	const struct ferry_catalog_release *update_from;        /* "update" from this release on */
	const struct ferry_catalog_release *vendor_locked_from; /* vendor models locked (8.0) */
	const struct ferry_catalog_release *hotfixes_unsupported_from; /* 8.1 */
	const char *hotfixes_deprecated;                        /* "2019-04" or NULL */
	json_t *json;              /* the whole validated document (owned) */
};

/* Load and validate a catalog file. Errors are FERRY_ENOTFOUND (no such file),
 * FERRY_EIO, or FERRY_EINVAL with "FILE: $.json.path: what is wrong" (or
 * "FILE:LINE:COL: invalid JSON: ..."). On success the caller frees *out. */
int ferry_catalog_load(const char *path, struct ferry_catalog **out, struct ferry_error *err);
/* The same from text in memory; `origin` names it in messages. */
int ferry_catalog_parse(const char *text, size_t len, const char *origin,
			struct ferry_catalog **out, struct ferry_error *err);
/* Free a catalog; accepts NULL. */
void ferry_catalog_free(struct ferry_catalog *cat);

/* The directories searched for "<product>.json", in order: the settings' catalog_dir
 * (FERRY_CATALOG_DIR), "<home>/catalog" (when the settings name a home),
 * "<data_dir>/catalog". s may be NULL (only the shipped catalogs). Returns a
 * NULL-terminated array the caller frees with ferry_catalog_dirs_free(). */
char **ferry_catalog_dirs(const struct ferry_settings *s);
void ferry_catalog_dirs_free(char **dirs);
/* Find the file of a product's catalog along ferry_catalog_dirs(s); *path is
 * the caller's. FERRY_ENOTFOUND lists the products that do exist. */
int ferry_catalog_find(const struct ferry_settings *s, const char *product, char **path,
		       struct ferry_error *err);
/* Find and load a product's catalog along the context's settings; ctx may be NULL
 * (then only the shipped catalogs are searched).
 * product NULL means FERRY_CATALOG_DEFAULT_PRODUCT. The caller frees *out. */
int ferry_catalog_open(struct ferry_ctx *ctx, const char *product, struct ferry_catalog **out,
		       struct ferry_error *err);
/* ferry_catalog_open without a context: along the settings s (no home needed). */
int ferry_catalog_open_settings(const struct ferry_settings *s, const char *product,
				struct ferry_catalog **out, struct ferry_error *err);
/* Every catalog found: [{product, name, path, releases, platforms, valid, error?,
 * shadowed_by?}]; the first file of a product along the search path wins. */
int ferry_catalog_list(const struct ferry_settings *s, json_t **out, struct ferry_error *err);

/* Releases by id ("7.3") or AX7.version build string ("7.3.11971.56116"): NULL when unknown. */
const struct ferry_catalog_release *ferry_catalog_release(const struct ferry_catalog *cat,
							   const char *id);
const struct ferry_catalog_release *ferry_catalog_release_by_build(const struct ferry_catalog *cat,
								    const char *build);
/* Resolve what a user typed: a release id or a build string. FERRY_EINVAL for an
 * unknown release ("known releases: ..."), a malformed build string (not four
 * dot-separated numbers) or an unknown build string. */
int ferry_catalog_resolve_release(const struct ferry_catalog *cat, const char *version,
				  const struct ferry_catalog_release **out,
				  struct ferry_error *err);
/* 1 when s is a well-formed AX7.version build string: four dot-separated numbers. */
int ferry_catalog_build_ok(const char *s);
/* Order of two releases by catalog position: <0, 0, >0. */
int ferry_catalog_release_cmp(const struct ferry_catalog_release *a,
			      const struct ferry_catalog_release *b);

/* Platforms by id, case-insensitive ("pu12" finds PU12): NULL when unknown. */
const struct ferry_catalog_platform *ferry_catalog_platform(const struct ferry_catalog *cat,
							     const char *id);
/* Like ferry_catalog_platform with FERRY_EINVAL "unknown platform ... (PU1..PU30)". */
int ferry_catalog_resolve_platform(const struct ferry_catalog *cat, const char *id,
				   const struct ferry_catalog_platform **out,
				   struct ferry_error *err);
/* Ordinal order of two platforms: <0, 0, >0 (PU12 < PU20). */
int ferry_catalog_platform_cmp(const struct ferry_catalog_platform *a,
			       const struct ferry_catalog_platform *b);
/* The same by id: 0 and *result set, or FERRY_EINVAL when either is unknown. */
int ferry_catalog_platform_compare(const struct ferry_catalog *cat, const char *a,
				   const char *b, int *result, struct ferry_error *err);

/* Rules. Each takes ids as the user or a record gives them and returns 1 (yes),
 * 0 (no) or FERRY_ENOTFOUND when the release/platform is unknown.
 *  - hotfixes_supported: individual X++ hotfixes are supported on the release
 *    (before $.rules.hotfixes_unsupported_from, 8.1; they are deprecated by
 *    $.rules.hotfixes_unsupported_from.deprecated, April 2019);
 *  - vendor_overlayering_locked: the release forbids overlayering of vendor
 *    (Microsoft) models (from $.rules.vendor_overlayering_locked_from, 8.0);
 *  - platform_overlayering_allowed: the platform update allows overlayering of
 *    platform models (PU1, PU2). */
int ferry_catalog_hotfixes_supported(const struct ferry_catalog *cat, const char *release);
int ferry_catalog_vendor_overlayering_locked(const struct ferry_catalog *cat, const char *release);
int ferry_catalog_platform_overlayering_allowed(const struct ferry_catalog *cat, const char *pu);
/* 1 when `model` is a platform model ("Application Platform" or "ApplicationPlatform",
 * case-insensitive), else 0. */
int ferry_catalog_is_platform_model(const struct ferry_catalog *cat, const char *model);

/* Is (release, platform) a valid combination? 0; FERRY_EINVAL for an unknown
 * release or platform (listing the valid ones) or a source-only release;
 * FERRY_EREFUSED when the platform is older than the release's minimum (or newer
 * than its maximum), naming the valid range. */
int ferry_catalog_combination_check(const struct ferry_catalog *cat, const char *release,
				    const char *platform, struct ferry_error *err);

/* The move rows of the catalog that allow going from `from` to `to` (a release
 * move: $.code_upgrade move "application" or $.updates; a platform move of the
 * same application: $.code_upgrade move "platform"); NULL when none does. */
const struct ferry_catalog_move *ferry_catalog_find_move(const struct ferry_catalog *cat,
							 const struct ferry_catalog_release *from,
							 const struct ferry_catalog_release *to);

/* One place an environment can go from (release, platform). */
struct ferry_catalog_target {
	const struct ferry_catalog_release *release;
	const struct ferry_catalog_platform *min_platform; /* lowest platform allowed there */
	const char *kind;           /* "upgrade", "update" or "platform-update" */
	int code_upgrade_required;
	const struct ferry_catalog_move *move; /* the row allowing it; NULL for the generic
						  platform update (Scenario 4) */
};

/* Every target allowed from `release` on `platform` (NULL: its shipped platform),
 * newest release first, the newer-platform move last. *out is the caller's (free()),
 * *n may be 0 (nothing newer). FERRY_EINVAL for unknown ids, FERRY_EINVAL or
 * FERRY_EREFUSED for an invalid combination (as ferry_catalog_combination_check). */
int ferry_catalog_targets(const struct ferry_catalog *cat, const char *release,
			  const char *platform, struct ferry_catalog_target **out, size_t *n,
			  struct ferry_error *err);
/* JSON view of targets: [{release, name, kind, min_platform, code_upgrade_required, rule}]. */
json_t *ferry_catalog_targets_to_json(const struct ferry_catalog *cat,
				      const struct ferry_catalog_target *t, size_t n);

/* The kind of a release-to-release move by the catalog's definitions: "update"
 * when `from` is at or after $.definitions.update.from (8.0), else "upgrade". */
const char *ferry_catalog_move_kind(const struct ferry_catalog *cat,
				    const struct ferry_catalog_release *from);
/* "$.code_upgrade[2]" / "$.updates[0]" for a move, into out[48]. */
void ferry_catalog_move_path(const struct ferry_catalog_move *m, char out[48]);

/* JSON views (caller owns the reference): the catalog summary (product, name,
 * path, releases, platforms, rules, combinations, code_upgrade table) and one
 * release with its combination, rules and allowed targets. */
json_t *ferry_catalog_to_json(const struct ferry_catalog *cat);
json_t *ferry_catalog_release_to_json(const struct ferry_catalog *cat,
				      const struct ferry_catalog_release *r);

#endif
