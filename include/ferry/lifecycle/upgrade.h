/* SPDX-License-Identifier: MIT */
/* upgrade.h: the self-service upgrade (the seed's scenario 3): an upgrade-in-progress
 * environment beside the original, packages applied and signed off on it, a data
 * upgrade that swaps the original's database and address to it, then commit or roll
 * back; cancel before the data upgrade, resume of any failed phase. docs/UPGRADE.md.
 *
 * One row per upgrade in the `upgrades` table holds its phase; each phase runs as an
 * operation on the step engine (op.h) of the environment:
 *   upgrade.prepare   check, fetch, create-runtime, deploy, health-check, finish
 *   env.apply         (servicing.h, slot "upgrade") one per package, then sign-off
 *   upgrade.data      preflight .. stop-original .. data-upgrade .. dvt, finish
 *   upgrade.commit    retire-original, drop-staging-database, finish
 *   upgrade.rollback  stop-upgrade, restore-database, swap-back, start-original, ...
 *   upgrade.cancel    stop-upgrade, remove-upgrade-runtime, remove-work, finish
 * Every function that runs an operation fills activity[37] (may be NULL) with its
 * activity ID as soon as it exists, also when it then fails.
 */
#ifndef FERRY_UPGRADE_H
#define FERRY_UPGRADE_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_op_hooks;

#define FERRY_OP_UPGRADE_PREPARE "upgrade.prepare"
#define FERRY_OP_UPGRADE_DATA "upgrade.data"
#define FERRY_OP_UPGRADE_COMMIT "upgrade.commit"
#define FERRY_OP_UPGRADE_ROLLBACK "upgrade.rollback"
#define FERRY_OP_UPGRADE_CANCEL "upgrade.cancel"

/* Phases (upgrades.phase). The last three are terminal. */
#define FERRY_UP_PREPARING "preparing"
#define FERRY_UP_PREPARED "prepared"
#define FERRY_UP_DATA_UPGRADING "data-upgrading"
#define FERRY_UP_DATA_UPGRADED "data-upgraded"
#define FERRY_UP_COMMITTING "committing"
#define FERRY_UP_ROLLING_BACK "rolling-back"
#define FERRY_UP_CANCELLING "cancelling"
#define FERRY_UP_COMMITTED "committed"
#define FERRY_UP_ROLLED_BACK "rolled-back"
#define FERRY_UP_CANCELLED "cancelled"

/* Views of an environment during an upgrade (`--view`). */
#define FERRY_VIEW_ORIGINAL "original"
#define FERRY_VIEW_UPGRADE "upgrade"

/* One upgrade (a row of `upgrades`). */
struct ferry_upgrade {
	int64_t id;
	int64_t env_id, project_id;
	char env[64], project[64], role[16];
	char from_release[32], from_platform[32];
	char to_release[32], to_platform[32];
	char phase[24];
	char app_asset[65];          /* sha256 of the target application package */
	char data_asset[65];         /* sha256 of the data-upgrade package ("" unknown) */
	int orig_port;               /* the original's address */
	char restore_point[64];      /* "" until the data upgrade takes it */
	char rp_conn[1024];          /* the database it belongs to */
	int64_t rp_removed_ms;       /* 0: still kept */
	int64_t predicted_ms;        /* -1: no rehearsal */
	char predicted_from[37];     /* the rehearsal's activity ID */
	int64_t downtime_start_ms, downtime_end_ms;
	char prepare_op[37], data_op[37], end_op[37];
	char reason[128];            /* why it ended (cancelled, expired...) */
	char actor[64];
	int64_t created_ms, updated_ms, ended_ms, committed_ms, warned_ms;
	/* the writes since the swap (docs/UPGRADE.md, "Writes survive a rollback") */
	char baseline[64];           /* restore point of the upgraded database, "" none */
	int64_t baseline_ms;         /* when it was taken (the data upgrade's end) */
	int discard_writes;          /* the rollback may leave writes behind (exported) */
	char auto_reason[256];       /* an automatic rollback: why */
	/* the watch after the data upgrade */
	char watch_state[16];        /* "", watching, passed, unhealthy, rolling-back, ended */
	int64_t watch_until_ms, watch_next_ms;
	int watch_failures, watch_probes;  /* consecutive failures; probes made */
	char watch_last[256];        /* the last probe's outcome */
	char slot_db[1024];          /* the upgrade-in-progress runtime's own database */
	char baseline_hold[160];     /* the hold of the upgraded database until its baseline
					(ferry/runtime/envdb_hold.h), "" none */
};

/* 1 when the phase has ended (committed, rolled-back, cancelled). */
int ferry_upgrade_phase_terminal(const char *phase);

/* The environment's upgrade that has not ended: 1 (and *out), 0 none. */
int ferry_upgrade_active(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *out,
			 struct ferry_error *err);
/* The newest upgrade of the environment in any phase: 1 (and *out), 0 none. */
int ferry_upgrade_last(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *out,
		       struct ferry_error *err);

/* `upgrade targets`: what the catalog allows from the environment's release and
 * platform (the seed's slider): [{release, platform, kind, name, ...}]. */
int ferry_upgrade_targets(struct ferry_ctx *ctx, const char *env, json_t **out,
			  struct ferry_error *err);

/* Parse "8.1" or "8.1/PU20" against the environment's catalog into release and
 * platform (default: the release's shipped platform, or newer when the environment
 * already runs a newer one). Refused (FERRY_EREFUSED) when the catalog does not
 * allow the move, naming the allowed targets. */
int ferry_upgrade_resolve_target(struct ferry_ctx *ctx, const char *env, const char *to,
				 char release[32], char platform[32], struct ferry_error *err);

/* Begin: rules (preview feature, no other operation, catalog, production after a
 * committed sandbox), preflight (every missing prerequisite at once), then the
 * upgrade row and the upgrade.prepare operation in one transaction, then run it.
 * *warnings (may be NULL) gets the preflight warnings ([strings]). */
int ferry_upgrade_begin(struct ferry_ctx *ctx, const char *env, const char *to,
			const struct ferry_op_hooks *hooks, char activity[37], json_t **warnings,
			struct ferry_error *err);
/* The same with the upgrade-in-progress environment on host (a name of `ferry host
 * list`; NULL: beside the original): the data upgrade then moves the database there
 * and routes the environment's address to it (docs/RUNTIME.md, "Routing"). */
int ferry_upgrade_begin_on(struct ferry_ctx *ctx, const char *env, const char *to,
			   const char *host, const struct ferry_op_hooks *hooks, char activity[37],
			   json_t **warnings, struct ferry_error *err);

/* Packages on the upgrade-in-progress environment, through servicing (slot
 * "upgrade"): apply needs the previous one signed off; signoff completes the one
 * awaiting sign-off; rollback_package reverses the last one not signed off. */
int ferry_upgrade_apply(struct ferry_ctx *ctx, const char *env, const char *package,
			const struct ferry_op_hooks *hooks, char activity[37],
			struct ferry_error *err);
int ferry_upgrade_signoff(struct ferry_ctx *ctx, const char *env,
			  const struct ferry_op_hooks *hooks, char activity[37],
			  struct ferry_error *err);
int ferry_upgrade_rollback_package(struct ferry_ctx *ctx, const char *env,
				   const struct ferry_op_hooks *hooks, char activity[37],
				   struct ferry_error *err);

/* The data upgrade and swap: refused until every package is signed off and the
 * data preflight passes. *predicted_ms (may be NULL) gets the rehearsal's
 * prediction (-1: none) before the run. */
int ferry_upgrade_data(struct ferry_ctx *ctx, const char *env, const struct ferry_op_hooks *hooks,
		       char activity[37], int64_t *predicted_ms, struct ferry_error *err);
int ferry_upgrade_commit(struct ferry_ctx *ctx, const char *env, const struct ferry_op_hooks *hooks,
			 char activity[37], struct ferry_error *err);
/* How a rollback treats the writes users made since the swap (docs/UPGRADE.md). */
struct ferry_rollback_opts {
	int discard_writes;     /* 1: go on when some writes cannot be carried back (they are
				 * exported with the operation either way) */
	const char *reason;     /* an automatic rollback: why (NULL: an operator's) */
};
/* Roll back after the data upgrade: the writes since the swap are captured and
 * exported, the database restored, the writes carried back through the data-upgrade
 * package's reverse mappings (docs/UPGRADE.md). Refused (FERRY_EREFUSED, naming the
 * tables) when writes cannot be carried and opts->discard_writes is 0. opts may be NULL.
 * In phase rolling-back with discard_writes, the failed rollback resumes discarding. */
int ferry_upgrade_rollback(struct ferry_ctx *ctx, const char *env,
			   const struct ferry_rollback_opts *opts,
			   const struct ferry_op_hooks *hooks, char activity[37],
			   struct ferry_error *err);
/* What a rollback now would do with the writes since the swap (the JSON of
 * docs/UPGRADE.md "The plan"): per table, rows inserted/updated/deleted and each row's
 * outcome (carry, conflict, drop, skip, unmapped), can_roll_back and the refusal.
 * During a rollback (past its capture) and after it: what it found. */
int ferry_upgrade_rollback_plan(struct ferry_ctx *ctx, const char *env, json_t **plan,
				struct ferry_error *err);
/* The writes since the swap as "json" (the writes document with SQLite's changeset in
 * base64), "csv", or "changeset" (SQLite's session changeset, binary), appended to out:
 * captured now before a rollback, the ones the rollback kept after it. */
struct ferry_buf;
int ferry_upgrade_writes(struct ferry_ctx *ctx, const char *env, const char *format,
			 struct ferry_buf *out, struct ferry_error *err);

/* The watch after the data upgrade (settings watch_s...): probe every upgrade being
 * watched (env NULL: all) whose probe is due, claimed so several ferry processes probe
 * once; count consecutive failures. *due (may be NULL) gets the upgrades to roll back
 * now ([{env, project, reason}], claimed: state rolling-back) and *events what happened
 * ([{env, event: probe-ok|probe-failed|watch-passed|unhealthy|auto-rollback, message}]);
 * the caller runs ferry_upgrade_auto_rollback() for each due one. */
int ferry_upgrade_watch_tick(struct ferry_ctx *ctx, const char *env, json_t **due,
			     json_t **events, struct ferry_error *err);
/* Roll back on its own: the rollback carrying the writes, then a notification (event
 * "auto-rollback") with the reason and the plan it executed; a refusal (writes it
 * cannot carry) is notified too, and the upgrade is left for an operator. */
int ferry_upgrade_auto_rollback(struct ferry_ctx *ctx, const char *env, const char *reason,
				const struct ferry_op_hooks *hooks, char activity[37],
				struct ferry_error *err);
/* Cancel before the data upgrade; `view` is the view the operator acts from (NULL:
 * original): refused from the upgrade-in-progress view, as in LCS. */
int ferry_upgrade_cancel(struct ferry_ctx *ctx, const char *env, const char *view,
			 const struct ferry_op_hooks *hooks, char activity[37],
			 struct ferry_error *err);
/* Continue the upgrade's failed or interrupted operation at its failed step. */
int ferry_upgrade_resume(struct ferry_ctx *ctx, const char *env, const struct ferry_op_hooks *hooks,
			 char activity[37], struct ferry_error *err);

/* Status: phase, operations with each step and its duration, packages, downtime
 * (predicted, so far, measured), restore point, expiry, and `next`: the commands
 * the operator can run now. FERRY_ENOTFOUND when the environment never upgraded. */
int ferry_upgrade_status(struct ferry_ctx *ctx, const char *env, json_t **out,
			 struct ferry_error *err);
/* The upgrade-in-progress view of an environment (for `env show --view upgrade`). */
int ferry_upgrade_view(struct ferry_ctx *ctx, const char *env, json_t **out,
		       struct ferry_error *err);

/* The downtime the data upgrade of env would take, from the project's newest
 * successful rehearsal for the same target scaled by database size:
 * {predicted_ms, rehearsal, rehearsal_db_bytes, db_bytes, steps}; predicted_ms is
 * -1 (and rehearsal null) without a rehearsal. */
int ferry_upgrade_predict(struct ferry_ctx *ctx, const char *env, const char *to_release,
			  json_t **out, struct ferry_error *err);

/* Per-project settings, in seconds: retention of the restore point after commit
 * (30 days), expiry of an uncommitted upgrade (10 days), warnings before it (3
 * days), the freshness a sandbox's data should have (7 days), and the disk space to
 * keep free besides what the upgrade needs (bytes, 0). */
struct ferry_upgrade_settings {
	int64_t retention_s, expiry_s, warn_s, refresh_max_age_s, disk_reserve_bytes;
	/* The watch after the data upgrade: probe health and DVT every probe_interval_s for
	 * watch_s (0: no watch); after health_failures consecutive failures roll back on
	 * its own, carrying the writes, when auto_rollback is 1 (else notify). Defaults:
	 * 0, 0, 3, 10. */
	int64_t watch_s, auto_rollback, health_failures, probe_interval_s;
};
int ferry_upgrade_settings_get(struct ferry_ctx *ctx, int64_t project_id,
			       struct ferry_upgrade_settings *out, struct ferry_error *err);
/* Settings with every field -1 (nothing to change). */
void ferry_upgrade_settings_keep(struct ferry_upgrade_settings *s);
/* Set the fields that are >= 0 (pass -1 to keep one), one transaction. */
int ferry_upgrade_settings_set(struct ferry_ctx *ctx, const char *project,
			       const struct ferry_upgrade_settings *s, struct ferry_error *err);
json_t *ferry_upgrade_settings_to_json(const struct ferry_upgrade_settings *s);
/* The settings as ferry_upgrade_settings_to_json() names them, changed by the members of
 * `set` (may be NULL or {}: nothing changes; seconds and bytes as integers >= 0,
 * auto_rollback a boolean), in one transaction; *out the settings after. Unknown
 * members and bad values are refused (FERRY_EINVAL) naming them. */
int ferry_upgrade_settings_patch(struct ferry_ctx *ctx, const char *project, const json_t *set,
				 json_t **out, struct ferry_error *err);

/* Housekeeping (ferryd's timer, `ferry upgrade housekeep`): warns of upgrades about
 * to expire (one notification per upgrade), expires them (cancelled before the data
 * upgrade; committed after it, the restore point kept), and removes restore points
 * past their retention. *report (may be NULL): [{env, action, ...}]. */
int ferry_upgrade_housekeep(struct ferry_ctx *ctx, json_t **report, struct ferry_error *err);
/* The same at the time now_ms (ferryd passes its clock; tests a settable one). */
int ferry_upgrade_housekeep_at(struct ferry_ctx *ctx, int64_t now_ms, json_t **report,
			       struct ferry_error *err);

/* This component's tables (upgrades, refreshes, rehearsals), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_upgrade;

#endif
