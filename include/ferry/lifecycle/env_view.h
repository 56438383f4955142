/* SPDX-License-Identifier: MIT */
/* env_view.h: an environment as the faces show it (`ferry env show`, GET
 * /api/environments/{env}): its record with where and how it runs, and the views of an
 * environment under upgrade. Built once here so the CLI and ferryd print the same. */
#ifndef FERRY_ENV_VIEW_H
#define FERRY_ENV_VIEW_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_error;

/* The JSON view of environment `env` (caller owns *out):
 *   view NULL        the record (ferry_env_to_json) plus the serving slot's runtime
 *                    (ferry_env_serving_slot) as url, runtime (its state), pid, port
 *                    and release, "slot", and "runtimes": every slot ({slot: {...}},
 *                    health probed);
 *   view "original"  the same with "view": "original" and, while an upgrade is in
 *                    progress, "upgrade": {phase, to_release, to_platform};
 *   view "upgrade"   the upgrade-in-progress environment (ferry_upgrade_view).
 * FERRY_ENOTFOUND for an unknown environment, FERRY_EINVAL for another view. */
int ferry_env_view(struct ferry_ctx *ctx, const char *env, const char *view, json_t **out,
		   struct ferry_error *err);

/* The slot that serves the environment's users: "upgrade" from the data upgrade of an
 * upgrade in progress until its commit or rollback (the original is stopped then), else
 * "main". `ferry env show|status` without --view report this slot. */
const char *ferry_env_serving_slot(struct ferry_ctx *ctx, const char *env);

#endif
