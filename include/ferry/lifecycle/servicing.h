/* SPDX-License-Identifier: MIT */
/* servicing.h: servicing a running environment, as in LCS: apply a deployable
 * package (validated first, then run as an "env.apply" operation on the step
 * engine), sign it off, or roll it back; release candidates for production.
 *
 * env.apply steps: fetch, restore-point, stop, install, scripts, start,
 * health-check, dvt, then the manual sign-off step (the operation waits
 * awaiting-signoff; `ferry env signoff` completes it). Until then nothing else is
 * applied to the environment. env.rollback steps: stop, restore-release,
 * restore-database, start, health-check, cleanup. See docs/ENGINE.md.
 */
#ifndef FERRY_SERVICING_H
#define FERRY_SERVICING_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_op_hooks;

#define FERRY_OP_ENV_APPLY "env.apply"
#define FERRY_OP_ENV_ROLLBACK "env.rollback"

struct ferry_apply_spec {
	const char *env;
	const char *package;     /* an asset of the environment's project (see ferry asset) */
	const char *slot;        /* runtime slot; NULL: main (upgrade uses "upgrade") */
};

/* Check every rule for applying the package (all of them: the message lists each
 * failed check), without changing anything. *report (may be NULL) gets
 * {package, env, checks: [{check, ok, message}]}. */
int ferry_servicing_check(struct ferry_ctx *ctx, const struct ferry_apply_spec *spec,
			  json_t **report, struct ferry_error *err);

/* Validate, create the env.apply operation (one transaction) and run it until it
 * awaits sign-off or fails. activity (may be NULL) gets the activity ID as soon as
 * the operation exists (also when it then fails). */
int ferry_servicing_apply(struct ferry_ctx *ctx, const struct ferry_apply_spec *spec,
			  const struct ferry_op_hooks *hooks, char activity[37],
			  struct ferry_error *err);

/* Sign off the package deployment awaiting sign-off on env (slot NULL: main): the
 * operation completes, the environment is deployed, and a sandbox sign-off makes
 * the package a release candidate of the project. */
int ferry_servicing_signoff(struct ferry_ctx *ctx, const char *env, const char *slot,
			    const struct ferry_op_hooks *hooks, char activity[37],
			    struct ferry_error *err);

/* Reverse the last package deployment that was not signed off (awaiting sign-off,
 * failed or interrupted): previous release back, database back to its restore
 * point, service up. Runs as an env.rollback operation; the apply operation ends
 * rolled-back in the same transaction that creates it. */
int ferry_servicing_rollback(struct ferry_ctx *ctx, const char *env, const char *slot,
			     const struct ferry_op_hooks *hooks, char activity[37],
			     struct ferry_error *err);

/* Package deployments of an environment, newest first:
 * [{activity_id, package, version, type, state, signed_off, rolled_back}]. */
int ferry_servicing_history(struct ferry_ctx *ctx, const char *env, json_t **out,
			    struct ferry_error *err);

#endif
