/* SPDX-License-Identifier: MIT */
/* platform_update.h: the rules of an in-place platform update (the seed's scenario 4),
 * checked by servicing's validation before `ferry env apply ENV PLATFORM-PACKAGE`:
 *  - "platform": platform updates are cumulative and only move forward (a jump over
 *    several is one package; the same platform or an older one is refused), onto a
 *    platform the environment's release may run ($.combinations), no code upgrade;
 *  - "platform-models": no model of the environment's code (the models of its installed
 *    packages' manifests) overlayers a platform model ($.platform_models,
 *    $.rules.platform_models);
 *  - "platform-overlayering": leaving a platform that allows overlayering of platform
 *    models (PU1, PU2) for one that locks it needs that overlayering refactored first;
 *    and any package overlayering a platform model is refused where the environment's
 *    platform locks them ($.platforms[i].overlayering_allowed, $.rules.platform_overlayering).
 */
#ifndef FERRY_PLATFORM_UPDATE_H
#define FERRY_PLATFORM_UPDATE_H

#include <jansson.h>

struct ferry_catalog;
struct ferry_env;
struct ferry_error;
struct ferry_runtime;

/* The models of every package installed in the runtime's current release (application,
 * ISV, customization, platform...): an array of the manifests' "models" entries, each
 * with "package" and "version" added. The caller decrefs *out. FERRY_ENOTFOUND when
 * nothing is deployed, FERRY_EIO/FERRY_EINVAL for an unreadable manifest. */
int ferry_platform_env_models(struct ferry_runtime *rt, json_t **out, struct ferry_error *err);

/* Check the platform rules for applying the package whose manifest.json (validated,
 * as ferry_manifest_parse() keeps it in its `root`) is `manifest` to environment `env` (release and
 * platform as recorded) whose current release is `rt` (NULL: no installed models).
 * `cat` may be NULL (then a platform package is refused: nothing to check it against).
 * Appends one {check, ok, message, rule} object per rule that concerns the package to
 * `checks` and returns how many of them failed (0 when the package is not concerned).
 * Every failed message says what is wrong, the catalog rule and what to do. */
int ferry_platform_update_check(struct ferry_runtime *rt, const struct ferry_catalog *cat,
				const json_t *manifest, const struct ferry_env *env,
				json_t *checks);

#endif
