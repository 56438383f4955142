/* SPDX-License-Identifier: MIT */
/* upgrade_int.h: what the files of the self-service upgrade, the preflight and the
 * database refresh share (not public API). They are layered, and a file calls only
 * its own layer's helpers and those below (scripts/check-layers.sh finds circles):
 *
 *   commands   upgrade_housekeep.c   expiry and retention (runs the commands below)
 *              upgrade_cmd.c         begin, apply, data, commit, rollback, cancel, resume
 *              refresh_cmd.c         db refresh, db copy, env data-upgrade
 *              upgrade_ops.c, upgrade_data_ops.c, refresh_ops.c: the operations' steps
 *              upgrade_step_ctx.c    what a step of an upgrade operation loads
 *   checks     preflight.c           every prerequisite at once
 *              upgrade_rules.c       targets, begin rules, an upgrade in progress
 *              upgrade_status.c      prediction, status, the upgrade view
 *   records    upgrade_record.c      the upgrades table, settings, its packages, notices
 *              refresh_record.c      refreshes and rehearsals
 *              upgrade_steps.c       package steps on a database, journal, DVT, work dirs
 *              upgrade_writes.c      the writes since the swap: baseline, reverse mappings,
 *                                    capture, rollback plan, the export kept
 * and, above the commands:
 *              upgrade_watch.c       the watch after the data upgrade, automatic rollback
 * and, among the operation steps, upgrade_carry_ops.c: baseline, capture, carry-back.
 */
#ifndef FERRY_LIB_UPGRADE_INT_H
#define FERRY_LIB_UPGRADE_INT_H

#include "ferry/ops/op.h"
#include "ferry/lifecycle/upgrade.h"

#include <jansson.h>
#include <stdint.h>

struct ferry_buf;
struct ferry_env;
struct ferry_envdb;
struct ferry_manifest;
struct ferry_runtime;
struct ferry_step_list;

/* ==== records ==== */

/* ---- upgrade_record.c: the upgrades table ---- */

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
/* Operation kinds' on_state: when the operation succeeded, move the upgrade it belongs
 * to to `phase` (up_phase_on_success), or finish it there with `reason` (may be NULL,
 * up_finish_on_success); other states: nothing. */
int up_phase_on_success(struct ferry_op_run *run, enum ferry_op_state to, const char *phase,
			struct ferry_error *err);
int up_finish_on_success(struct ferry_op_run *run, enum ferry_op_state to, const char *phase,
			 const char *reason, struct ferry_error *err);
/* Record the release and platform an environment serves. */
int up_env_release(struct ferry_ctx *ctx, int64_t env_id, const char *rel, const char *pu,
		   struct ferry_error *err);
/* Restore point name of an upgrade: "pre-upgrade-<id>" into out[64]. */
void up_rp_name(const struct ferry_upgrade *u, char out[64]);
/* Notify the project (never fails the caller). */
void up_notify(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const char *event,
	       const char *what, const char *activity, const char *detail);
/* Settings with defaults. */
void up_settings_default(struct ferry_upgrade_settings *s);
/* Start the watch of u after its data upgrade when its project's settings ask for one
 * (watch_state "watching", until and next probe set); nothing otherwise. */
int up_watch_arm(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_error *err);
/* Packages applied to the upgrade-in-progress environment of u (env.apply and
 * env.rollback operations on slot "upgrade" since the upgrade began), oldest first:
 * [{activity_id, kind, state, step, package, signed_off, created}]. */
json_t *up_packages(struct ferry_ctx *ctx, const struct ferry_upgrade *u);

/* ---- refresh_record.c: refreshes and rehearsals ---- */

/* The row of a db.refresh / db.copy operation (params source, source_role,
 * source_release) with its snapshot time (0: now); once per operation. */
int up_refresh_record(struct ferry_op_run *run, int64_t snapshot_ms, struct ferry_error *err);
/* The row of a rehearsal (params from_release, to_release, package): the database
 * size, the total and each step's time ({step: ms}) and the data upgrade's steps. */
int up_rehearsal_record(struct ferry_op_run *run, int64_t db_bytes, int64_t total_ms,
			const json_t *steps, const json_t *data_steps, struct ferry_error *err);

/* ---- upgrade_steps.c: package steps and DVT on a runtime, work directories ---- */

/* Run a package's step list on rt's database, journaled per step under the
 * operation (table upgrade_step_journal, list name `list`), resumable at the step
 * that failed: SQL steps run in one transaction with a marker row, so a step cut
 * short by a crash is known to be applied or not; exec steps run in pkg_dir after a
 * per-step restore point, restored before a retry. crashpoints "<name>" and
 * "<name>:after". The runtime must be stopped. */
int up_steps_run(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		 const struct ferry_step_list *steps, const char *list, struct ferry_error *err);
/* The same with the operation's restore point op_rp of rt's database (taken before
 * the first step): exec steps take no restore point of their own; a writing exec step
 * cut short or failed is retried by restoring op_rp and running the list again from
 * its first step (one copy of the database per operation, not one per step).
 * Read-only exec steps ("read_only": true) never take a copy either way. */
int up_steps_run_rp(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		    const struct ferry_step_list *steps, const char *list, const char *op_rp,
		    struct ferry_error *err);
/* Journal rows of an operation: [{list, name, phase, state, attempts, elapsed_ms, error}]. */
json_t *up_steps_journal(struct ferry_ctx *ctx, int64_t op_id, const char *list);
/* Run the SQL file on the runtime's database in one transaction (SQLite driver). */
int up_sql_file(struct ferry_runtime *rt, const char *path, struct ferry_error *err);
/* Every DVT of the runtime's current release (manifest dvt[]), in order. */
int up_dvt(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err);
/* One health request to the runtime (200 within the manifest's timeout). */
int up_health(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err);
/* "<home>/work/<activity>/<sub>" (caller frees). */
char *up_work_dir(struct ferry_ctx *ctx, const char *activity, const char *sub);
/* Remove the work directories of an upgrade's operations (best effort). */
void up_rm_work(struct ferry_ctx *ctx, const struct ferry_upgrade *u);
/* Extract asset sha256 of the project into dir unless a complete extract is there. */
int up_fetch_asset(struct ferry_op_run *run, const char *sha256, const char *dir,
		   struct ferry_error *err);
/* Load manifest.json of an extracted package. */
int up_manifest(const char *dir, struct ferry_manifest **out, struct ferry_error *err);
/* Bytes used by a runtime's database (-1 unknown). */
int64_t up_db_bytes(struct ferry_runtime *rt);
/* Sum of the step durations an operation recorded: {step: elapsed_ms}. */
json_t *up_op_step_ms(struct ferry_ctx *ctx, int64_t op_id);

/* ---- upgrade_writes.c: the writes since the swap ---- */

/* Restore point name of the baseline: "post-upgrade-<id>" into out[64]. */
void up_baseline_name(const struct ferry_upgrade *u, char out[64]);
/* The database u's restore point belongs to (u->rp_conn), reached where the
 * environment's main runtime runs (its host: the rollback's target); the local
 * handle when the environment has no runtime any more. */
int up_rp_db(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_envdb **out,
	     struct ferry_error *err);
/* The database the writes since the swap went to, where u's baseline is: the
 * upgrade-in-progress runtime's when it runs on another host than the original (the
 * database moved there), else the original's (up_rp_db). */
int up_capture_db(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_envdb **out,
		  struct ferry_error *err);
/* "<home>/writes/<activity>" (caller frees): what a rollback found and carried. */
char *up_writes_dir(struct ferry_ctx *ctx, const char *activity);
/* The reverse mappings of u's data-upgrade package to u->from_release as
 * ferry_envdb_carry() takes them (*maps NULL when it has none); desc[160] says which. */
int up_mappings(struct ferry_ctx *ctx, const struct ferry_upgrade *u, json_t **maps,
		char desc[160], struct ferry_error *err);
/* The writes since the baseline now and the rollback plan (a dry run of the carry on
 * the pre-upgrade restore point): *plan (the report, plus can_roll_back and refusal),
 * *writes and *cs (may be NULL: not wanted). */
int up_writes_plan(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const json_t *maps,
		   const char *desc, json_t **writes, struct ferry_buf *cs, json_t **plan,
		   struct ferry_error *err);
/* The writes document with the changeset in it (base64), for the JSON export. */
json_t *up_writes_with_changeset(const json_t *writes, const struct ferry_buf *cs);
/* Keep writes.json, writes.csv, writes.changeset (SQLite), mappings.json and plan.json
 * (last: its presence means complete) in dir. */
int up_writes_save(const char *dir, const json_t *writes, const struct ferry_buf *cs,
		   const json_t *plan, const json_t *maps, struct ferry_error *err);
/* A JSON file of such a directory, NULL when missing. */
json_t *up_writes_load(const char *dir, const char *name);

/* ==== checks ==== */

/* ---- upgrade_rules.c ---- */

/* The rules of `upgrade begin` to rel/pu: no other upgrade and no other operation on
 * the environment; production only after a sandbox of its project committed the same
 * target. */
int up_begin_rules(struct ferry_ctx *ctx, const struct ferry_env *e, const char *rel,
		   const char *pu, struct ferry_error *err);
/* The active upgrade of env into *u; refused (FERRY_ESTATE, "cannot <what>: ...")
 * when there is none. */
int up_need_active(struct ferry_ctx *ctx, const char *env, const char *what,
		   struct ferry_upgrade *u, struct ferry_error *err);

/* ==== commands ==== */

/* ---- upgrade_cmd.c ---- */

/* Cancel (ferry_upgrade_cancel with a reason: "expired ..." from housekeeping). */
int up_cancel(struct ferry_ctx *ctx, const char *env, const char *view, const char *reason,
	      const struct ferry_op_hooks *hooks, char activity[37], struct ferry_error *err);

/* ---- upgrade_writes_cmd.c ---- */

/* Before a rollback: the writes since the swap that no reverse mapping carries, or that
 * cannot be captured row by row, refuse it (FERRY_EREFUSED naming the tables) unless
 * discard. */
int up_rollback_check(struct ferry_ctx *ctx, const struct ferry_upgrade *u, int discard,
		      struct ferry_error *err);

/* ---- upgrade_step_ctx.c: what a step of an upgrade operation works on ---- */

#define UPS_UPGRADE   0x1u  /* s->u: the upgrade the operation works for */
#define UPS_MAIN      0x2u  /* s->orig: the environment's main runtime (must exist) */
#define UPS_SLOT      0x4u  /* s->up: the upgrade-in-progress runtime, NULL when gone */
#define UPS_NEED_SLOT 0xcu  /* s->up, refused (FERRY_ESTATE) when it is gone */

struct up_step {
	struct ferry_upgrade u;
	struct ferry_runtime *orig, *up;
	char *work;           /* "<home>/work/<activity>/<work>" when asked for */
};
/* Load what `what` names (in the order upgrade, main, slot) and, when `work` is not
 * NULL, the operation's work directory `work`. On failure nothing is held. */
int up_step_load(struct ferry_op_run *run, unsigned what, const char *work,
		 struct up_step *s, struct ferry_error *err);
void up_step_release(struct up_step *s);
/* Destroy the upgrade-in-progress runtime s->up (release, port, database) and its
 * directory; logs and returns 0 when there is none. */
int up_step_remove_slot(struct ferry_op_run *run, struct up_step *s, struct ferry_error *err);
/* The abort of every upgrade kind: refused, naming resume, cancel and rollback. */
int up_refuse_abort(struct ferry_op_run *run, struct ferry_error *err);

/* ---- upgrade_carry_ops.c: the steps that keep the writes ---- */

/* upgrade.data: the baseline restore point of the upgraded database: before the start
 * its hold (or, where it cannot be held, the baseline itself), after the start the
 * baseline of the held database. */
int up_step_hold_baseline(struct ferry_op_run *run, struct ferry_error *err);
int up_step_baseline(struct ferry_op_run *run, struct ferry_error *err);
/* Before the start: a hold whose process is gone (its machine restarted) taken again,
 * refused when the database was written since. */
/* The baseline of u: the one recorded, else the copy a holder made that the baseline step
 * did not record (the operation cut short; in bl), else "". */
const char *up_baseline_of(struct ferry_ctx *ctx, const struct ferry_upgrade *u, char bl[64]);
int up_baseline_keep_held(struct ferry_op_run *run, struct up_step *s, struct ferry_error *err);
/* upgrade.rollback: capture the writes, plan their carry, refuse what cannot be carried
 * (unless the upgrade allows discarding), keep the export. */
int up_step_capture(struct ferry_op_run *run, struct ferry_error *err);
/* upgrade.rollback: carry the captured writes into the restored database, once. */
int up_step_carry_back(struct ferry_op_run *run, struct ferry_error *err);
/* Forget the carry's mark in the original database (after carry-back succeeded). */
void up_carry_forget(struct ferry_op_run *run, struct ferry_runtime *orig);
/* Remove the baseline restore point of u (best effort; logged). */
void up_baseline_drop(struct ferry_op_run *run, const struct ferry_upgrade *u);

/* ---- upgrade_data_ops.c ---- */

/* The post-install steps of every package laid over rt's current release, run on its
 * database. */
int up_sync_packages(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err);

/* Operation kinds (registered in lib/registry/registry.c). */
extern const struct ferry_op_kind ferry_op_kind_upgrade_prepare;
extern const struct ferry_op_kind ferry_op_kind_upgrade_data;
extern const struct ferry_op_kind ferry_op_kind_upgrade_commit;
extern const struct ferry_op_kind ferry_op_kind_upgrade_rollback;
extern const struct ferry_op_kind ferry_op_kind_upgrade_cancel;
extern const struct ferry_op_kind ferry_op_kind_db_refresh;
extern const struct ferry_op_kind ferry_op_kind_db_copy;
extern const struct ferry_op_kind ferry_op_kind_env_data_upgrade;

#endif
