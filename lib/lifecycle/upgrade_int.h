/* upgrade_int.h: what the upgrade, preflight and refresh files share (not public API). */
#ifndef FERRY_LIB_UPGRADE_INT_H
#define FERRY_LIB_UPGRADE_INT_H

#include "ferry/ops/op.h"
#include "ferry/lifecycle/upgrade.h"

#include <jansson.h>
#include <stdint.h>

struct ferry_buf;
struct ferry_manifest;
struct ferry_runtime;
struct ferry_step_list;

/* ---- upgrade.c: the upgrades table ---- */

/* Load upgrade `id` (inside or outside a transaction). */
int up_get(struct ferry_ctx *ctx, int64_t id, struct ferry_upgrade *out, struct ferry_error *err);
/* The upgrade an operation works for (params.upgrade_id). */
int up_of_run(struct ferry_op_run *run, struct ferry_upgrade *out, struct ferry_error *err);
/* Set the phase (and updated_ms), in the caller's transaction or alone. */
int up_set_phase(struct ferry_ctx *ctx, int64_t id, const char *phase, struct ferry_error *err);
/* Set one integer / text column (a fixed list of names) of an upgrade. */
int up_set_int(struct ferry_ctx *ctx, int64_t id, const char *col, int64_t v,
	       struct ferry_error *err);
int up_set_text(struct ferry_ctx *ctx, int64_t id, const char *col, const char *v,
		struct ferry_error *err);
/* The upgrade's phase ended: phase, ended_ms, reason, end_op; env state deployed. */
int up_finish(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *phase,
	      const char *reason, struct ferry_error *err);
/* An operation kind's on_state: when its operation succeeded, finish the upgrade
 * it belongs to in `phase` (with `reason`, may be NULL); other states: nothing. */
int up_finish_on_success(struct ferry_op_run *run, enum ferry_op_state to, const char *phase,
			 const char *reason, struct ferry_error *err);
/* Record the release and platform an environment serves. */
int up_env_release(struct ferry_ctx *ctx, int64_t env_id, const char *rel, const char *pu,
		   struct ferry_error *err);
/* Remove the work directories of an upgrade's operations (best effort). */
void up_rm_work(struct ferry_ctx *ctx, const struct ferry_upgrade *u);
/* Restore point name of an upgrade: "pre-upgrade-<id>" into out[64]. */
void up_rp_name(const struct ferry_upgrade *u, char out[64]);
/* Notify the project (never fails the caller). */
void up_notify(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *event,
	       const char *what, const char *activity, const char *detail);
/* The abort of every upgrade kind: refused, naming resume, cancel and rollback. */
int up_refuse_abort(struct ferry_op_run *run, struct ferry_error *err);
/* Settings with defaults. */
void up_settings_default(struct ferry_upgrade_settings *s);

/* ---- upgrade_steps.c: package steps and DVT on a runtime ---- */

/* Run a package's step list on rt's database, journaled per step under the
 * operation (table upgrade_step_journal, list name `list`), resumable at the step
 * that failed: SQL steps run in one transaction with a marker row, so a step cut
 * short by a crash is known to be applied or not; exec steps run in pkg_dir after a
 * per-step restore point, restored before a retry. crashpoints "<name>" and
 * "<name>:after". The runtime must be stopped. */
int up_steps_run(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		 const struct ferry_step_list *steps, const char *list, struct ferry_error *err);
/* Journal rows of an operation: [{list, name, phase, state, attempts, elapsed_ms, error}]. */
json_t *up_steps_journal(struct ferry_ctx *ctx, int64_t op_id, const char *list);
/* Run the SQL file on the runtime's database in one transaction (SQLite driver). */
int up_sql_file(struct ferry_runtime *rt, const char *path, struct ferry_error *err);
/* Every DVT of the runtime's current release (manifest dvt[]), in order. */
int up_dvt(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err);
/* One health request to the runtime (200 within the manifest's timeout). */
int up_health(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err);

/* The post-install steps of every package laid over rt's current release, run on its
 * database (upgrade_data.c). */
int up_sync_packages(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err);
/* Packages applied to the upgrade-in-progress environment of u (env.apply and
 * env.rollback operations on slot "upgrade" since the upgrade began), oldest first:
 * [{activity_id, kind, state, step, package, signed_off, created}] (upgrade_cmd.c). */
json_t *up_packages(struct ferry_ctx *ctx, const struct ferry_upgrade *u);

/* After an operation of the upgrade of env ran: notify its failure (with the activity
 * ID), completion, or a package awaiting sign-off. Never fails. */
void up_after_run(struct ferry_ctx *ctx, const char *env, const char *activity);
/* Cancel (ferry_upgrade_cancel with a reason: "expired ..." from housekeeping). */
int up_cancel(struct ferry_ctx *ctx, const char *env, const char *view, const char *reason,
	      const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err);

/* ---- shared step helpers ---- */

/* "<home>/work/<activity>/<sub>" (caller frees). */
char *up_work_dir(struct ferry_ctx *ctx, const char *activity, const char *sub);
/* Extract asset sha256 of the project into dir unless a complete extract is there. */
int up_fetch_asset(struct ferry_op_run *run, const char *sha256, const char *dir,
		   struct ferry_error *err);
/* Load manifest.json of an extracted package. */
int up_manifest(const char *dir, struct ferry_manifest **out, struct ferry_error *err);
/* Bytes used by a runtime's database (-1 unknown). */
int64_t up_db_bytes(struct ferry_runtime *rt);
/* Sum of the step durations an operation recorded: {step: elapsed_ms}. */
json_t *up_op_step_ms(struct ferry_ctx *ctx, int64_t op_id);

/* Operation kinds (registered in op_kinds.c). */
extern const struct ferry_op_kind ferry_op_kind_upgrade_prepare;
extern const struct ferry_op_kind ferry_op_kind_upgrade_data;
extern const struct ferry_op_kind ferry_op_kind_upgrade_commit;
extern const struct ferry_op_kind ferry_op_kind_upgrade_rollback;
extern const struct ferry_op_kind ferry_op_kind_upgrade_cancel;
extern const struct ferry_op_kind ferry_op_kind_db_refresh;
extern const struct ferry_op_kind ferry_op_kind_db_copy;
extern const struct ferry_op_kind ferry_op_kind_env_data_upgrade;

#endif
