/* SPDX-License-Identifier: MIT */
/* upgrade_carry_ops.c: the steps that keep users' writes through a rollback: the
 * baseline restore point of the upgraded database (upgrade.data: held still before the
 * start, taken after it where the database can be held, else taken before), and in
 * upgrade.rollback the capture (what was written since, the plan, the refusal of what
 * cannot be carried, the export kept with the operation) and the carry-back (the
 * captured writes through the reverse mappings into the restored database, in one
 * transaction with its mark: carried exactly once, whatever instant a crash hits). */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/runtime/envdb_changes.h"
#include "ferry/runtime/envdb_hold.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The baseline restore point `name` recorded: taken now (copy: under this process's
 * hold h, or plainly without one), or made already by a holder (copy 0). */
static int record_baseline(struct ferry_op_run *run, struct up_step *s, struct ferry_envdb *db,
			   const struct ferry_envdb_hold *h, int copy, const char *name,
			   struct ferry_error *err)
{
	int64_t t0 = ferry_mono_ms();
	int rc;

	ferry_op_progress(run, 0, 1);
	if ((copy && (rc = h ? ferry_envdb_hold_rp_create(db, h, name, err) :
		      ferry_envdb_rp_create(db, name, err))) ||
	    (rc = ferry_store_begin(run->ctx->store, err)))
		return rc;
	if ((rc = up_set_text(run->ctx, s->u.id, "baseline", name, err)) ||
	    (rc = up_set_int(run->ctx, s->u.id, "baseline_ms", ferry_now_ms(), err))) {
		ferry_store_rollback(run->ctx->store);
		return rc;
	}
	if (!(rc = ferry_store_commit(run->ctx->store, err)))
		ferry_op_log(run, "baseline of the upgraded database: restore point %s (%s, %lld ms); "
			     "the writes users make from now on are what a rollback carries back", name,
			     !copy ? "copied by the holder under its hold" :
			     ferry_envdb_copy_method(db) ? ferry_envdb_copy_method(db) : "copy",
			     (long long)(ferry_mono_ms() - t0));
	return rc;
}

/* Hold the upgraded database (ferry/runtime/envdb_hold.h) with a holder that copies it
 * into the baseline `name` under the hold, and record the hold; when it was held before
 * (this step cut short and run again, or a holder killed before its copy), the new hold
 * checks first that nothing was written since the old one began. The holder copies
 * only once the hold is recorded. */
static int hold(struct ferry_op_run *run, struct up_step *s, struct ferry_envdb *db,
		const char *name, struct ferry_error *err)
{
	struct ferry_envdb_hold h = FERRY_ENVDB_HOLD_INIT;
	int rc;

	if ((rc = ferry_envdb_hold(db, name, &h, err)))
		return rc;
	if (s->u.baseline_hold[0] && (rc = ferry_envdb_hold_check(db, s->u.baseline_hold, err))) {
		ferry_error_prefix(err, "the upgraded database was not held since the data upgrade "
				   "ended, and a rollback cannot tell writes made since from the "
				   "upgrade's (commit the upgrade, or roll back with --discard-writes)");
		rc = FERRY_ESTATE;
		goto out;
	}
	ferry_op_crashpoint(run, "held");          /* test builds: killed before it is recorded */
	if ((rc = ferry_store_begin(run->ctx->store, err)))
		goto out;
	if ((rc = up_set_text(run->ctx, s->u.id, "baseline_hold", h.token, err))) {
		ferry_store_rollback(run->ctx->store);
		goto out;
	}
	if ((rc = ferry_store_commit(run->ctx->store, err)))
		goto out;
	ferry_op_crashpoint(run, "recorded");      /* ... recorded, not confirmed */
	ferry_envdb_hold_confirm(&h);
	snprintf(s->u.baseline_hold, sizeof(s->u.baseline_hold), "%s", h.token);
	ferry_op_log(run, "the upgraded database is held (process %ld): it serves reads from the "
		     "start, and its writes wait until that process has copied it into the "
		     "baseline %s", h.pid, name);
out:
	ferry_envdb_hold_close(&h);
	return rc;
}

/* Held now, or copied by a holder: its process alive, or gone with its copy made. */
static int held_or_copied(struct up_step *s, struct ferry_envdb *db, const char *name)
{
	return s->u.baseline_hold[0] && (ferry_envdb_hold_alive(s->u.baseline_hold) ||
					 ferry_envdb_rp_exists(db, name));
}

int up_baseline_keep_held(struct ferry_op_run *run, struct up_step *s, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	char name[64];
	int rc;

	if (s->u.baseline[0] || !s->u.baseline_hold[0] || ferry_envdb_hold_alive(s->u.baseline_hold))
		return 0;
	up_baseline_name(&s->u, name);
	if (!(rc = ferry_runtime_db(s->up, &db, err)) && !held_or_copied(s, db, name))
		rc = hold(run, s, db, name, err);
	ferry_envdb_free(db);
	return rc;
}

/* upgrade.data, before the start: where the database can be held, a holder keeps its
 * writes waiting while it copies the baseline (the application starts beside it);
 * otherwise the baseline is taken here, inside the downtime. */
int up_step_hold_baseline(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	struct ferry_error why;
	struct up_step s;
	char name[64];
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	up_baseline_name(&s.u, name);
	if ((rc = ferry_runtime_db(s.up, &db, err)))
		goto out;
	if (s.u.baseline[0] && ferry_envdb_rp_exists(db, s.u.baseline)) {
		ferry_op_log(run, "the baseline %s was taken before", s.u.baseline);
		goto out;
	}
	if (held_or_copied(&s, db, name)) {
		ferry_op_log(run, "the upgraded database is held, or its baseline copied, since before");
		goto out;
	}
	ferry_error_clear(&why);
	if ((rc = hold(run, &s, db, name, &why)) != FERRY_EREFUSED) {
		if (rc)
			*err = why;
		goto out;
	}
	/* Before the start step nothing writes to it: taking it again gives the same. */
	ferry_op_log(run, "the baseline is taken before the start: %s", why.msg);
	rc = record_baseline(run, &s, db, NULL, 1, name, err);
out:
	ferry_envdb_free(db);
	up_step_release(&s);
	return rc;
}

/* upgrade.data, after the start: the holder's copy recorded as the baseline (waited for:
 * the application serves; its first write waits for that copy too). A holder gone
 * without its copy: the copy is made now under this process's own hold if nothing was
 * written since the hold began, else refused (those writes could not be told from the
 * upgrade's). */
int up_step_baseline(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_envdb_hold h = FERRY_ENVDB_HOLD_INIT;
	struct ferry_envdb *db = NULL;
	struct up_step s;
	char name[64];
	int64_t t0 = ferry_mono_ms();
	int rc;

	if ((rc = up_step_load(run, UPS_UPGRADE | UPS_MAIN | UPS_NEED_SLOT, NULL, &s, err)))
		return rc;
	up_baseline_name(&s.u, name);
	if ((rc = ferry_runtime_db(s.up, &db, err)))
		goto out;
	if (s.u.baseline[0] && ferry_envdb_rp_exists(db, s.u.baseline)) {
		ferry_op_log(run, "the baseline %s is taken", s.u.baseline);
		goto out;
	}
	if (!s.u.baseline_hold[0]) {
		rc = ferry_error_set(err, FERRY_ESTATE, "the upgraded database was neither held nor "
				     "its baseline taken before the start");
		goto out;
	}
	if (ferry_envdb_hold_wait(s.u.baseline_hold))
		ferry_op_log(run, "waited %lld ms for the holder's copy",
			     (long long)(ferry_mono_ms() - t0));
	if (ferry_envdb_rp_exists(db, name)) {
		rc = record_baseline(run, &s, db, NULL, 0, name, err);
	} else {
		/* this process's own hold while it copies: the file is checked under it */
		if ((rc = ferry_envdb_hold(db, NULL, &h, err)))
			goto out;
		if ((rc = ferry_envdb_hold_check(db, s.u.baseline_hold, err))) {
			ferry_error_prefix(err, "the hold of the upgraded database was lost (its process "
					   "gone before its copy) and it was written since: a rollback "
					   "cannot tell those writes from the upgrade's (commit the "
					   "upgrade, or roll back with --discard-writes)");
			rc = FERRY_ESTATE;
			goto out;
		}
		rc = record_baseline(run, &s, db, &h, 1, name, err);
	}
	if (!rc)
		ferry_op_crashpoint(run, "taken");  /* test builds: killed once it is recorded */
out:
	ferry_envdb_hold_close(&h);
	ferry_envdb_free(db);
	up_step_release(&s);
	return rc;
}

/* ---- capture ---- */

static void log_plan(struct ferry_op_run *run, const json_t *plan)
{
	const json_t *sum = json_object_get(plan, "summary"), *t;
	size_t i;

	ferry_op_log(run, "%lld rows written since the upgrade: %lld to carry back, %lld conflicts, "
		     "%lld dropped by the mapping, %lld without a mapping",
		     (long long)json_integer_value(json_object_get(sum, "rows")),
		     (long long)json_integer_value(json_object_get(sum, "carried")),
		     (long long)json_integer_value(json_object_get(sum, "conflicts")),
		     (long long)json_integer_value(json_object_get(sum, "dropped")),
		     (long long)json_integer_value(json_object_get(sum, "unmapped")));
	json_array_foreach(json_object_get(plan, "tables"), i, t)
		ferry_op_log(run, "  %s (%s): %lld inserted, %lld updated, %lld deleted",
			     json_string_value(json_object_get(t, "table")),
			     json_string_value(json_object_get(t, "mapping")),
			     (long long)json_integer_value(json_object_get(t, "inserted")),
			     (long long)json_integer_value(json_object_get(t, "updated")),
			     (long long)json_integer_value(json_object_get(t, "deleted")));
}

static json_t *result_of(const char *dir, const json_t *plan)
{
	return json_pack("{s:s, s:O, s:O}", "writes_dir", dir, "summary",
			 json_object_get(plan, "summary") ?: json_null(), "refusal",
			 json_object_get(plan, "refusal") ?: json_null());
}

int up_step_capture(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_buf cs = FERRY_BUF_INIT;
	struct ferry_upgrade u;
	json_t *maps = NULL, *writes = NULL, *plan = NULL;
	char desc[160], *dir;
	int rc;

	if ((rc = up_of_run(run, &u, err)))
		return rc;
	/* asked when the rollback began, or since (rollback --discard-writes of a failed one) */
	u.discard_writes |= json_is_true(json_object_get(run->op->params, "discard_writes"));
	if (!(dir = up_writes_dir(run->ctx, run->op->activity_id)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((plan = up_writes_load(dir, "plan.json"))) {
		ferry_op_log(run, "the writes were captured before: %s", dir);
		goto keep;
	}
	ferry_op_progress(run, 0, 2);
	if ((rc = up_mappings(run->ctx, &u, &maps, desc, err)) ||
	    (rc = up_writes_plan(run->ctx, &u, maps, desc, &writes, &cs, &plan, err)))
		goto out;
	ferry_op_progress(run, 1, 2);
	/* Exported before anything else happens, carried or not. */
	if ((rc = up_writes_save(dir, writes, &cs, plan, maps, err)))
		goto out;
	ferry_op_log(run, "writes since the upgrade (%s) exported to %s", desc, dir);
keep:
	log_plan(run, plan);
	if (json_is_false(json_object_get(plan, "can_roll_back")) && !u.discard_writes) {
		rc = ferry_error_set(err, FERRY_EREFUSED, "%s",
				     json_string_value(json_object_get(plan, "refusal")) ?: "refused");
		goto out;
	}
	if (json_is_string(json_object_get(plan, "refusal")))
		ferry_op_log(run, "discarding, as asked: %s", json_string_value(json_object_get(plan, "refusal")));
	ferry_op_result_set(run, result_of(dir, plan));
out:
	json_decref(maps);
	json_decref(writes);
	json_decref(plan);
	ferry_buf_release(&cs);
	free(dir);
	return rc;
}

/* ---- carry-back ---- */

static void before_commit(void *arg)
{
	ferry_op_crashpoint(arg, "before-commit");
}

/* Progress; and in test builds a crash point after each row ("carry-back:row-N"), so a
 * test can kill the carry at any row it picks, inside its transaction. */
static void progress(void *arg, int64_t done, int64_t total)
{
	char label[40];

	ferry_op_progress(arg, done, total);
	snprintf(label, sizeof(label), "row-%lld", (long long)done);
	ferry_op_crashpoint(arg, label);
}

static void log_report(struct ferry_op_run *run, const json_t *rep)
{
	const json_t *t, *r;
	size_t i, k;

	json_array_foreach(json_object_get(rep, "tables"), i, t) {
		ferry_op_log(run, "  %s -> %s: %lld carried, %lld conflicts, %lld dropped, %lld "
			     "skipped, %lld not mapped", json_string_value(json_object_get(t, "table")),
			     json_string_value(json_object_get(t, "into")),
			     (long long)json_integer_value(json_object_get(t, "carried")),
			     (long long)json_integer_value(json_object_get(t, "conflicts")),
			     (long long)json_integer_value(json_object_get(t, "dropped")),
			     (long long)json_integer_value(json_object_get(t, "skipped")),
			     (long long)json_integer_value(json_object_get(t, "unmapped")));
		json_array_foreach(json_object_get(t, "rows"), k, r) {
			char *key;
			if (!strcmp(json_string_value(json_object_get(r, "action")), "carry") &&
			    !json_object_get(r, "note"))
				continue;
			key = json_dumps(json_object_get(r, "key"), JSON_COMPACT | JSON_SORT_KEYS);
			ferry_op_log(run, "    %s %s %s: %s", json_string_value(json_object_get(r, "action")),
				     json_string_value(json_object_get(r, "op")), key ? key : "?",
				     json_string_value(json_object_get(r, "reason")) ?:
				     json_string_value(json_object_get(r, "note")) ?: "");
			free(key);
		}
	}
}

int up_step_carry_back(struct ferry_op_run *run, struct ferry_error *err)
{
	struct ferry_carry carry = { NULL, NULL, NULL, before_commit, progress, run };
	struct ferry_envdb *db = NULL;
	struct ferry_upgrade u;
	json_t *writes = NULL, *maps = NULL, *rep = NULL;
	char mark[64], *dir = NULL, *p = NULL, *text = NULL;
	int rc, already = 0;

	if ((rc = up_of_run(run, &u, err)))
		return rc;
	if (!(dir = up_writes_dir(run->ctx, run->op->activity_id))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	writes = up_writes_load(dir, "writes.json");
	maps = up_writes_load(dir, "mappings.json");
	if (!writes) {
		rc = ferry_error_set(err, FERRY_ESTATE, "the captured writes are missing (%s/writes.json)",
				     dir);
		goto out;
	}
	if (!json_integer_value(json_object_get(writes, "rows"))) {
		ferry_op_log(run, "no writes since the upgrade: nothing to carry back");
		goto out;
	}
	snprintf(mark, sizeof(mark), "carry/%lld", (long long)run->op->id);
	carry.writes = writes;
	carry.mappings = json_is_array(maps) ? maps : NULL;
	carry.mark = mark;
	if ((rc = up_rp_db(run->ctx, &u, &db, err)) ||
	    (rc = ferry_envdb_carry(db, &carry, &rep, &already, err)))
		goto out;
	ferry_op_log(run, already ? "carried before this attempt (mark %s in the database): not again"
		     : "carried back in one transaction (mark %s)", mark);
	log_report(run, rep);
	if (!(p = ferry_path_join(dir, "report.json")) ||
	    !(text = json_dumps(rep, JSON_INDENT(1) | JSON_SORT_KEYS))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ferry_write_file_atomic(p, text, strlen(text), 0600, err)))
		goto out;
	ferry_op_result_set(run, json_pack("{s:s, s:O}", "report", p,
					   "summary", json_object_get(rep, "summary")));
out:
	ferry_envdb_free(db);
	json_decref(writes);
	json_decref(maps);
	json_decref(rep);
	free(text);
	free(p);
	free(dir);
	return rc;
}

void up_carry_forget(struct ferry_op_run *run, struct ferry_runtime *orig)
{
	struct ferry_envdb *db = NULL;
	struct ferry_error e;
	char prefix[64];

	ferry_error_clear(&e);
	snprintf(prefix, sizeof(prefix), "carry/%lld", (long long)run->op->id);
	if (ferry_runtime_db(orig, &db, &e) || ferry_envdb_carry_clear(db, prefix, &e))
		ferry_op_log(run, "could not remove the carry mark: %s", e.msg);
	ferry_envdb_free(db);
}

void up_baseline_drop(struct ferry_op_run *run, const struct ferry_upgrade *u)
{
	struct ferry_envdb *db = NULL;
	const char *bl;
	char name[64];

	if (u->baseline_hold[0] && ferry_envdb_hold_alive(u->baseline_hold)) {
		ferry_envdb_hold_end(u->baseline_hold);
		ferry_op_log(run, "ended the hold of the upgraded database");
	}

	if (!(bl = up_baseline_of(run->ctx, u, name))[0] || !u->rp_conn[0] ||
	    up_capture_db(run->ctx, u, &db, NULL))
		return;
	if (ferry_envdb_rp_exists(db, bl) && !ferry_envdb_rp_rm(db, bl, NULL))
		ferry_op_log(run, "removed the baseline %s", bl);
	ferry_envdb_free(db);
}
