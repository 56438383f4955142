/* SPDX-License-Identifier: MIT */
/* upgrade_data_ops.c: the steps of the operation kinds upgrade.data (power down the
 * original, restore point, swap its database and address to the upgrade-in-progress
 * environment, the data upgrade package, baseline (held, then taken after the start),
 * start, DVT: downtime measured from
 * the first step to the last) and upgrade.rollback (capture the writes, restore point
 * back, carry the writes back, swap back, original online); the steps about writes are
 * upgrade_carry_ops.c. Each step loads what it works on with up_step_load(). */
#include "lifecycle/upgrade_int.h"

#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/runtime/envdb_hold.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- upgrade.data ---- */

static int da_preflight(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	json_t *rep = NULL;
	int rc;

	if ((rc = up_of_run(run, &u, err)))
		return rc;
	if (u.downtime_start_ms) {
		ferry_op_log(run, "the original is already powered down: preflight passed before");
		return 0;
	}
	rc = ferry_preflight_run(run->ctx, u.env, u.to_release, u.to_platform,
				 FERRY_PREFLIGHT_DATA, &rep, err);
	if (!rc)
		ferry_op_log(run, "preflight: every prerequisite of the data upgrade is there");
	json_decref(rep);
	return rc;
}

static int da_fetch(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE, "data-upgrade", &s, err)))
		return rc;
	rc = s.u.data_asset[0] ? up_fetch_asset(run, s.u.data_asset, s.work, err)
		: ferry_error_set(err, FERRY_ESTATE, "no data-upgrade package recorded for the upgrade");
	up_step_release(&s);
	return rc;
}

static int da_stop_original(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	ferry_runtime_probe_warm();   /* the start's health check pays nothing inside the downtime */
	/* Downtime starts when the original powers down. */
	if (!s.u.downtime_start_ms && (rc = up_set_int(run->ctx, s.u.id, "downtime_start_ms",
							ferry_now_ms(), err)))
		goto out;
	if (!(rc = ferry_runtime_stop(s.orig, 0, NULL, err)))
		ferry_op_log(run, "the original environment is powered down: downtime starts");
out:
	up_step_release(&s);
	return rc;
}

static int da_restore_point(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	struct up_step s;
	char rp[64];
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	up_rp_name(&s.u, rp);
	if ((rc = ferry_runtime_db(s.orig, &db, err)))
		goto out;
	if (s.u.restore_point[0] && ferry_envdb_rp_exists(db, rp)) {
		ferry_op_log(run, "restore point %s is already there", rp);
		goto out;
	}
	ferry_op_progress(run, 0, 1);
	if ((rc = ferry_envdb_rp_create(db, rp, err)))
		goto out;
	ferry_op_log(run, "restore point %s: %s", rp,
		     ferry_envdb_copy_method(db) ? ferry_envdb_copy_method(db) : "copy");
	if ((rc = ferry_store_begin(run->ctx->store, err)))
		goto out;
	if ((rc = up_set_text(run->ctx, s.u.id, "restore_point", rp, err)) ||
	    (rc = up_set_text(run->ctx, s.u.id, "rp_conn", ferry_runtime_database(s.orig), err))) {
		ferry_store_rollback(run->ctx->store);
		goto out;
	}
	if (!(rc = ferry_store_commit(run->ctx->store, err)))
		ferry_op_log(run, "restore point %s of %s (%lld bytes)", rp,
			     ferry_runtime_database(s.orig), (long long)up_db_bytes(s.orig));
out:
	ferry_envdb_free(db);
	up_step_release(&s);
	return rc;
}

static int da_stop_upgrade(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	if (!(rc = ferry_runtime_stop(s.up, 0, NULL, err)))
		ferry_op_log(run, "the upgrade-in-progress environment is stopped");
	up_step_release(&s);
	return rc;
}

static int da_swap_database(struct ferry_op_run *run, struct ferry_error *err)
{
	const char *db;
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	db = ferry_runtime_database(s.orig);
	/* its own database, for a rollback to give back (and to drop with the runtime) */
	if (ferry_runtime_same_host(s.orig, s.up) && strcmp(ferry_runtime_database(s.up), db) &&
	    !s.u.slot_db[0] &&
	    (rc = up_set_text(run->ctx, s.u.id, "slot_db", ferry_runtime_database(s.up), err)))
		goto out;
	if (!ferry_runtime_same_host(s.orig, s.up)) {
		/* prepared on another host: the database moves there (a snapshot of the
		 * stopped original, streamed host to host), the original's stays as it was */
		if (!(rc = ferry_runtime_db_copy(s.orig, s.up, err)))
			ferry_op_log(run, "the original database %s moved to host %s: %s",
				     db, ferry_runtime_host(s.up), ferry_runtime_database(s.up));
	} else if (!strcmp(ferry_runtime_database(s.up), db))
		ferry_op_log(run, "already connected to the original database");
	else if (!(rc = ferry_runtime_set_database(s.up, db, err)))
		ferry_op_log(run, "the upgrade-in-progress environment is connected to the original "
			     "database %s", db);
out:
	up_step_release(&s);
	return rc;
}

static int da_swap_address(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	char url[FERRY_RUNTIME_URL_MAX];
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	if (!ferry_runtime_same_host(s.orig, s.up)) {
		/* another host: the address moves by a route (the route hook), not a port */
		if (!(rc = ferry_runtime_route(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, err))) {
			ferry_runtime_url(s.up, url);
			ferry_op_log(run, "the environment's address routes to the upgrade-in-progress "
				     "environment on host %s: %s", ferry_runtime_host(s.up), url);
		}
	} else if (ferry_runtime_port(s.up) == s.u.orig_port ||
	    !(rc = ferry_runtime_swap_ports(s.orig, s.up, err))) {
		ferry_runtime_url(s.up, url);
		ferry_op_log(run, "the upgrade-in-progress environment takes the original's address %s",
			     url);
	}
	up_step_release(&s);
	return rc;
}

static int da_data_upgrade(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_manifest *m = NULL;
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, "data-upgrade", &s,
			       err)))
		return rc;
	if (!(rc = up_manifest(s.work, &m, err))) {
		ferry_op_log(run, "data upgrade package %s %s: %zu steps on %s", m->name, m->version,
			     m->data_upgrade.n, ferry_runtime_database(s.up));
		/* The restore point of the original is the state every step starts from: on
		 * this host it is the database's own, so a step cut short goes back to it and
		 * no step takes a copy of its own (inside the downtime). On another host the
		 * database is a moved copy: each writing step keeps its own restore point. */
		rc = up_steps_run_rp(run, s.up, s.work, &m->data_upgrade, "data-upgrade",
				     s.u.restore_point[0] && ferry_runtime_same_host(s.orig, s.up)
				     ? s.u.restore_point : NULL, err);
	}
	ferry_manifest_free(m);
	up_step_release(&s);
	return rc;
}

/* The post-install steps of each package laid over the release, on the swapped
 * database (the database synchronization of the packages applied during the upgrade). */
int up_sync_packages(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err)
{
	char *rdir = NULL, *info_path = NULL;
	json_t *info = NULL, *layers, *l;
	size_t i;
	int rc = 0, copy = 0;

	/* the current release here (a copy fetched from its host when it runs elsewhere) */
	if ((rc = ferry_runtime_release_local(rt, NULL, &rdir, &copy, err)))
		return rc;
	if (!(info_path = ferry_path_join(rdir, ".ferry/release.json"))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (!(info = json_load_file(info_path, 0, NULL)))
		goto out;            /* a bare release: nothing laid over it */
	layers = json_object_get(info, "packages");
	json_array_foreach(layers, i, l) {
		const char *name = json_string_value(json_object_get(l, "name"));
		const char *type = json_string_value(json_object_get(l, "type"));
		struct ferry_manifest *m = NULL;
		char rel[160], list[96];
		char *mp;
		if (!name || !type || !strcmp(type, "application") || strchr(name, '\''))
			continue;
		snprintf(rel, sizeof(rel), ".ferry/packages/%s.json", name);
		snprintf(list, sizeof(list), "sync-%s", name);
		if (!(mp = ferry_path_join(rdir, rel))) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			break;
		}
		rc = ferry_manifest_load(mp, &m, err);
		free(mp);
		if (!rc) {
			ferry_op_log(run, "%s %s: %zu post-install steps", m->name, m->version,
				     m->post_install.n);
			rc = up_steps_run(run, rt, rdir, &m->post_install, list, err);
		}
		ferry_manifest_free(m);
		if (rc)
			break;
	}
out:
	json_decref(info);
	free(info_path);
	if (copy)
		ferry_rm_rf(rdir, NULL);
	free(rdir);
	return rc;
}

static int da_sync_packages(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	rc = up_sync_packages(run, s.up, err);
	up_step_release(&s);
	return rc;
}

static int da_start(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	char url[FERRY_RUNTIME_URL_MAX];
	int rc, already = 0;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	if (!(rc = up_baseline_keep_held(run, &s, err)) &&
	    !(rc = ferry_runtime_start(s.up, 0, &already, err))) {
		ferry_runtime_url(s.up, url);
		ferry_op_log(run, "the upgraded environment %s on %s", already ? "was running" : "started", url);
	}
	/* the holder copies the baseline now that the application is up (or failed to be) */
	ferry_envdb_hold_go(s.u.baseline_hold);
	up_step_release(&s);
	return rc;
}

static int da_dvt(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int64_t now;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	if ((rc = up_health(run, s.up, err)) || (rc = up_dvt(run, s.up, err)))
		goto out;
	/* Downtime ends when the new environment passes DVT on the original's address. */
	now = ferry_now_ms();
	if (!(rc = up_set_int(run->ctx, s.u.id, "downtime_end_ms", now, err)))
		ferry_op_log(run, "DVT passed on the original's address: downtime ends (%lld ms)",
			     (long long)(now - s.u.downtime_start_ms));
out:
	up_step_release(&s);
	return rc;
}

static int da_finish(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_upgrade u;
	int rc;

	if ((rc = up_of_run(run, &u, err)) ||
	    (rc = up_env_release(run->ctx, u.env_id, u.to_release, u.to_platform, err)) ||
	    (rc = up_watch_arm(run->ctx, &u, err)))
		return rc;
	if (!up_of_run(run, &u, NULL) && !strcmp(u.watch_state, "watching"))
		ferry_op_log(run, "watching '%s' until %lld s from now: health and DVT probed, "
			     "consecutive failures counted", u.env,
			     (long long)((u.watch_until_ms - ferry_now_ms()) / 1000));
	ferry_op_log(run, "'%s' serves %s/%s: validate it, then 'ferry upgrade commit %s' or "
		     "'ferry upgrade rollback %s'", u.env, u.to_release, u.to_platform, u.env, u.env);
	return 0;
}

/* Stopped (failed, interrupted) before its start gave the go: a holder this process
 * confirmed copies now, as it does when this process exits (a daemon goes on running). */
static int da_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	struct ferry_upgrade u;

	if ((to == FERRY_OP_FAILED || to == FERRY_OP_INTERRUPTED) && !up_of_run(run, &u, NULL))
		ferry_envdb_hold_go(u.baseline_hold);
	return up_phase_on_success(run, to, FERRY_UP_DATA_UPGRADED, err);
}

static const struct ferry_op_step_def data_steps[] = {
	{ "preflight", da_preflight, 0, "every prerequisite of the data upgrade" },
	{ "fetch", da_fetch, 0, "verify and extract the data-upgrade package" },
	/* the upgrade-in-progress environment serves no user: stopped before the downtime */
	{ "stop-upgrade", da_stop_upgrade, 0, "stop the upgrade-in-progress environment" },
	/* Inside the downtime, the steps with FERRY_STEP_NOSYNC are redone whole after a
	 * power loss that takes their records back: the original is stopped again (a no-op),
	 * its restore point is the same again, config.json is rewritten, the holder is gone
	 * with the machine and its copy not begun (it waits for the start). The first step
	 * after them that runs vendor code (data-upgrade, start) starts with a synced commit. */
	{ "stop-original", da_stop_original, FERRY_STEP_NOSYNC,
	  "power down the original (downtime starts)" },
	{ "restore-point", da_restore_point, FERRY_STEP_NOSYNC,
	  "restore point of the original database" },
	{ "swap-database", da_swap_database, FERRY_STEP_NOSYNC,
	  "connect it to the original database" },
	{ "swap-address", da_swap_address, FERRY_STEP_NOSYNC, "give it the original's address" },
	{ "data-upgrade", da_data_upgrade, 0, "run the data-upgrade package" },
	{ "sync-packages", da_sync_packages, 0, "database sync of the applied packages" },
	/* the baseline after the start where the database can be held still until then */
	{ "hold-baseline", up_step_hold_baseline, FERRY_STEP_NOSYNC,
	  "hold the upgraded database still for its "
	  "baseline (or take the baseline now where it cannot be held)" },
	{ "start", da_start, 0, "start the upgraded environment" },
	{ "baseline", up_step_baseline, 0, "restore point of the upgraded database (what a "
	  "rollback compares with); its writes wait until then" },
	{ "dvt", da_dvt, 0, "health and DVT on the original's address (downtime ends)" },
	{ "finish", da_finish, 0, "record the release it serves" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_upgrade_data = {
	FERRY_OP_UPGRADE_DATA, "data upgrade and environment swap", data_steps, NULL,
	da_on_state, up_refuse_abort
};

/* ---- upgrade.rollback ---- */

static int rb_stop_upgrade(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	if (s.up && !(rc = ferry_runtime_stop(s.up, 0, NULL, err)))
		ferry_op_log(run, "the upgrade-in-progress environment is stopped");
	if (!rc && !(rc = ferry_runtime_stop(s.orig, 0, NULL, err)))
		ferry_op_log(run, "the original is stopped");
	up_step_release(&s);
	return rc;
}

static int rb_restore(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	struct up_step s;
	char rp[64];
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	up_rp_name(&s.u, rp);
	if ((rc = ferry_runtime_db(s.orig, &db, err)))
		goto out;
	if (!ferry_envdb_rp_exists(db, rp)) {
		if (s.u.restore_point[0]) {
			rc = ferry_error_set(err, FERRY_ESTATE, "restore point %s of the original database "
					     "is missing: the database cannot be put back", rp);
			goto out;
		}
		ferry_op_log(run, "the data upgrade never took its restore point: the original database "
			     "was not touched");
		goto out;
	}
	ferry_op_progress(run, 0, 1);
	if (!(rc = ferry_runtime_db_restore(s.orig, rp, err)))
		ferry_op_log(run, "the original database is back to restore point %s", rp);
out:
	ferry_envdb_free(db);
	up_step_release(&s);
	return rc;
}

static int rb_swap_back(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	char *own = NULL;
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	/* an address routed to another host comes back first (nothing when none is) */
	if ((rc = ferry_runtime_route(run->ctx, run->op->env, NULL, err)))
		goto out;
	if (!s.up) {
		up_carry_forget(run, s.orig);
		ferry_op_log(run, "no upgrade-in-progress environment left");
		goto out;
	}
	if (!ferry_runtime_same_host(s.orig, s.up)) {
		ferry_op_log(run, "the original kept its address and database on host %s",
			     ferry_runtime_host(s.orig));
		goto out;
	}
	if (ferry_runtime_port(s.orig) != s.u.orig_port &&
	    (rc = ferry_runtime_swap_ports(s.orig, s.up, err)))
		goto out;
	up_carry_forget(run, s.orig);
	own = s.u.slot_db[0] ? strdup(s.u.slot_db) : ferry_runtime_path(s.up, "db/app.db");
	if (own && !strcmp(ferry_runtime_database(s.up), ferry_runtime_database(s.orig)) &&
	    (rc = ferry_runtime_set_database(s.up, own, err)))
		goto out;
	ferry_op_log(run, "the original has its address and database back");
out:
	free(own);
	up_step_release(&s);
	return rc;
}

static int rb_start_original(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	char url[FERRY_RUNTIME_URL_MAX];
	int rc, already = 0;

	if ((rc = up_step_load(run, UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	if (!(rc = ferry_runtime_config_write(s.orig, err)) &&
	    !(rc = ferry_runtime_start(s.orig, 0, &already, err)) &&
	    !(rc = up_health(run, s.orig, err))) {
		ferry_runtime_url(s.orig, url);
		ferry_op_log(run, "the original is back online on %s", url);
	}
	up_step_release(&s);
	return rc;
}

static int rb_remove_upgrade(struct ferry_op_run *run, struct ferry_error *err)
{
	struct up_step s;
	int rc;

	if ((rc = up_step_load(run, UPS_MAIN | UPS_SLOT, NULL, &s, err)))
		return rc;
	rc = up_step_remove_slot(run, &s, err);
	up_step_release(&s);
	return rc;
}

static int rb_record(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_runtime *orig = NULL;
	struct ferry_envdb *db = NULL;
	struct ferry_upgrade u;
	char rp[64];
	int rc;

	if ((rc = up_of_run(run, &u, err)) ||
	    (rc = up_env_release(run->ctx, u.env_id, u.from_release, u.from_platform, err)))
		return rc;
	up_rp_name(&u, rp);
	if (!ferry_runtime_open(run->ctx, u.env, NULL, 0, &orig, NULL) &&
	    !ferry_runtime_db(orig, &db, NULL) && ferry_envdb_rp_exists(db, rp) &&
	    !ferry_envdb_rp_rm(db, rp, NULL))
		up_set_int(run->ctx, u.id, "rp_removed_ms", ferry_now_ms(), NULL);
	ferry_envdb_free(db);
	ferry_runtime_free(orig);
	up_baseline_drop(run, &u);
	up_rm_work(run->ctx, &u);
	ferry_op_log(run, "'%s' runs %s/%s again", u.env, u.from_release, u.from_platform);
	return 0;
}

static int rb_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	return up_finish_on_success(run, to, FERRY_UP_ROLLED_BACK,
				    json_string_value(json_object_get(run->op->params, "reason")), err);
}

static const struct ferry_op_step_def rollback_steps[] = {
	{ "stop-upgrade", rb_stop_upgrade, 0, "stop the upgraded environment" },
	{ "capture", up_step_capture, 0, "the writes since the upgrade: exported, planned" },
	{ "restore-database", rb_restore, 0, "the original database back to its restore point" },
	{ "carry-back", up_step_carry_back, 0, "the writes carried back through the reverse "
	  "mappings, once" },
	{ "swap-back", rb_swap_back, 0, "the original's address and database back to it" },
	{ "start-original", rb_start_original, 0, "bring the original online" },
	{ "remove-upgrade-runtime", rb_remove_upgrade, 0, "remove the upgrade-in-progress environment" },
	{ "record", rb_record, 0, "record the release it runs again" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_upgrade_rollback = {
	FERRY_OP_UPGRADE_ROLLBACK, "roll back a self-service upgrade", rollback_steps, NULL,
	rb_on_state, up_refuse_abort
};
