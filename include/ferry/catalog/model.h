/* SPDX-License-Identifier: MIT */
/* model.h: a project's source code as a tree of models (one model.json each), the
 * overlayering and extension links between their elements, and the release rules
 * (locked vendor models, end of hotfixes, platform models) that judge them, read from
 * the release catalog. */
#ifndef FERRY_MODEL_H
#define FERRY_MODEL_H

#include <stddef.h>
#include <jansson.h>

struct ferry_error;
struct ferry_catalog;

/* One element (class, table, form...) of a model, stored in one text file. */
struct ferry_element {
	char *name;           /* "SalesLineCalc" */
	char *file;           /* path of its source file, relative to the source root */
	char *kind;           /* "own", "overlayer" or "extension" */
	char *target_model;   /* overlayer/extension: the model whose element it changes */
	char *target_element; /* ... and that element's name */
};

/* One model: a directory holding model.json and its element files. */
struct ferry_model {
	char *name;           /* "ApplicationSuite" */
	char *owner;          /* "vendor", "isv" or "customer" */
	char *layer;          /* "sys", "isv", "cus", ... (lower layers first) */
	char *dir;            /* directory relative to the source root ("" for the root) */
	char *version;        /* "7.3.11971.56116" or NULL */
	char *platform;       /* platform models: "PU12", else NULL */
	struct ferry_element *elements;
	size_t n_elements;
};

/* A loaded source tree. Models are sorted by layer, then name. */
struct ferry_source {
	char *release;        /* "7.3": major.minor of ApplicationSuite's (else the first
			       * vendor model's) version; NULL when no vendor model says */
	char *platform;       /* "PU12" from ApplicationPlatform, or NULL */
	struct ferry_model *models;
	size_t n_models;
	json_t *problems;     /* array of strings: broken links, missing files... */
};

/* Build a source by hand (used for git trees): new, add each model.json, finish.
 * `exists(ctx, path)` says whether a root-relative file exists; finish checks element
 * files and links, sorts, and derives release and platform. */
typedef int (*ferry_source_exists_fn)(void *ctx, const char *path);
struct ferry_source *ferry_source_new(void);
int ferry_source_add(struct ferry_source *src, const char *dir, const char *json_text,
		     size_t len, struct ferry_error *err);
int ferry_source_finish(struct ferry_source *src, ferry_source_exists_fn exists, void *ctx,
			struct ferry_error *err);

/* Load every model.json under `root` (directories starting with '.' are skipped;
 * models do not nest). The caller frees *out with ferry_source_free(). */
int ferry_source_scan(const char *root, struct ferry_source **out, struct ferry_error *err);
void ferry_source_free(struct ferry_source *src);

/* The model named `name`, or NULL. */
const struct ferry_model *ferry_source_model(const struct ferry_source *src, const char *name);
/* The model whose directory holds the root-relative `path`, or NULL. */
const struct ferry_model *ferry_source_model_of(const struct ferry_source *src, const char *path);
/* The element `element` of model `model`, or NULL. */
const struct ferry_element *ferry_source_element(const struct ferry_source *src,
						 const char *model, const char *element);

/* JSON view (caller decrefs): {release, platform, models: [{name, owner, layer, dir,
 * version, platform, elements, overlayers: [{element, file, model, target_element}],
 * extends: [...]}], overlayering: [{model, owner, element, file, target_model,
 * target_owner, target_element, platform}], problems}. The "models" array is also a
 * valid input of ferry_code_platform_overlayering(). */
json_t *ferry_source_to_json(const struct ferry_catalog *cat, const struct ferry_source *src);

/* Compare dotted release numbers ("7.3" < "8.0" < "8.1.10"); NULL sorts first. */
int ferry_release_cmp(const char *a, const char *b);

/* Release rules, asked of the catalog `cat` (include/ferry/catalog/catalog.h; for
 * Finance and Operations: vendor models locked for overlayering from 8.0, individual
 * hotfixes end with 8.1, the platform models Application Platform, Application
 * Foundation, Directory and Test Essentials, platform X++ locked for overlayering from
 * platform update 3). Nothing about a product is compiled in:
 *  - a release the catalog does not list is judged by its number against the rule's
 *    release ($.rules.vendor_overlayering_locked_from, $.rules.hotfixes_unsupported_from);
 *  - a platform it does not list is locked;
 *  - a NULL release is not locked and supports hotfixes (nothing to judge);
 *  - without a catalog (cat NULL) each rule gives the cautious answer: locked, no
 *    hotfixes, no platform model, and ferry_code_hotfix_end_release() is NULL. */
int ferry_code_overlayering_locked(const struct ferry_catalog *cat, const char *release);
int ferry_code_hotfixes_supported(const struct ferry_catalog *cat, const char *release);
int ferry_code_is_platform_model(const struct ferry_catalog *cat, const char *name);
/* 1 when the platform update ("PU12") does not allow overlayering of platform models. */
int ferry_code_platform_locked(const struct ferry_catalog *cat, const char *platform);
/* "8.1": the first release without individual hotfixes (NULL without a catalog). */
const char *ferry_code_hotfix_end_release(const struct ferry_catalog *cat);

/* Which elements of which models overlayer a platform model. `models` is a JSON array of
 * models in either of two shapes:
 *  - a package manifest's "models" entries: {"name", "overlayers": ["ApplicationFoundation"]}
 *    (model granularity: the element is reported as "*");
 *  - ferry_source_to_json()'s "models" entries, whose "overlayers" are objects
 *    {"element", "file", "model", "target_element"}.
 * *out (caller decrefs) is an array of {model, element, file?, target_model,
 * target_element}, empty when nothing overlayers a platform model. Returns 0 or
 * FERRY_EINVAL for a malformed array. */
int ferry_code_platform_overlayering(const struct ferry_catalog *cat, const json_t *models,
				     json_t **out, struct ferry_error *err);

#endif
