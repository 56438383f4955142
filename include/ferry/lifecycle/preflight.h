/* SPDX-License-Identifier: MIT */
/* preflight.h: the upgrade's prerequisites, checked all at once before `upgrade
 * begin` and again before the data upgrade: the refusal lists every missing one,
 * not the first.
 *
 * Checks (name: what it needs):
 *   preview-feature        the project's upgrade-self-serve preview feature is on
 *   no-operation           no other operation runs on the environment
 *   application-package    the target's application package is in the asset library,
 *                          verified, its signature trusted by the project
 *   data-upgrade-package   the target's data-upgrade package (applies to the source
 *                          release), verified and trusted
 *   disk-space             free space for the new release, the restore point and the
 *                          work files, plus the project's reserve (sizes given)
 *   free-ports             a free port for the upgrade-in-progress environment
 *   rehearsal              a successful data upgrade rehearsal in development for the
 *                          same target (a warning at begin, required for the data upgrade)
 *   prepared               (data) the upgrade-in-progress environment is prepared and healthy
 *   sign-offs              (data) every applied package is signed off
 *   data-freshness         (warning, sandbox) refreshed from production recently
 */
#ifndef FERRY_PREFLIGHT_H
#define FERRY_PREFLIGHT_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_error;

enum ferry_preflight_stage {
	FERRY_PREFLIGHT_BEGIN,   /* before `upgrade begin` */
	FERRY_PREFLIGHT_DATA     /* before `upgrade data` */
};

/* Run every check for upgrading env to release/platform. *report (caller owns):
 * {env, to, stage, ok, checks: [{check, ok, severity: "error"|"warning", message,
 * ...sizes}], errors: [...], warnings: [...]}. Returns 0 when no error-severity
 * check failed, FERRY_EREFUSED with every failed check in the message otherwise,
 * or another code when the checks could not run. */
int ferry_preflight_run(struct ferry_ctx *ctx, const char *env, const char *release,
			const char *platform, enum ferry_preflight_stage stage, json_t **report,
			struct ferry_error *err);

/* Find the project's newest asset of `type` ("application", "data-upgrade") that
 * provides `release` (and for data upgrades applies to `from`, may be NULL):
 * sha256 into out[65]; 1 found, 0 none, negative on error. */
int ferry_preflight_find_asset(struct ferry_ctx *ctx, int64_t project_id, const char *type,
			       const char *release, const char *from, char out[65],
			       struct ferry_error *err);

#endif
