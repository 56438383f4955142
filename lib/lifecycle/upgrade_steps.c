/* SPDX-License-Identifier: MIT */
/* upgrade_steps.c: a package's steps (data upgrade, scrub, post-install sync) run on
 * an environment database, journaled per step so a failed or interrupted run resumes
 * at the step that failed; DVT and health of a runtime; helpers the upgrade, refresh
 * and rehearsal operations share. */
#include "lifecycle/upgrade_int.h"

#include "ferry/package/asset.h"
#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXEC_TIMEOUT_S 900

/* ---- helpers ---- */

char *up_work_dir(struct ferry_ctx *ctx, const char *activity, const char *sub)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	ferry_buf_addf(&b, "%s/work/%s%s%s", ctx->home, activity, sub ? "/" : "", sub ? sub : "");
	return ferry_buf_detach(&b);
}

void up_rm_work(struct ferry_ctx *ctx, const struct ferry_upgrade *u)
{
	const char *ops[] = { u->prepare_op, u->data_op };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *dir = ops[i][0] ? up_work_dir(ctx, ops[i], NULL) : NULL;
		if (dir)
			ferry_rm_rf(dir, NULL);
		free(dir);
	}
}

int up_manifest(const char *dir, struct ferry_manifest **out, struct ferry_error *err)
{
	char *p = ferry_path_join(dir, "manifest.json");
	int rc = p ? ferry_manifest_load(p, out, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(p);
	return rc;
}

int up_fetch_asset(struct ferry_op_run *run, const char *sha256, const char *dir,
		   struct ferry_error *err)
{
	char *parent, *slash, *man = ferry_path_join(dir, "manifest.json");
	int rc = 0;

	if (!man)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	/* ferry_asset_extract renames a complete tree into place: present = complete. */
	if (ferry_path_exists(man)) {
		ferry_op_log(run, "package %.12s already extracted in %s", sha256, dir);
		free(man);
		return 0;
	}
	free(man);
	if (!(parent = strdup(dir)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((slash = strrchr(parent, '/')))
		*slash = '\0';
	if ((rc = ferry_mkdir_p(parent, 0700, err)) || (rc = ferry_rm_rf(dir, err)))
		goto out;
	if ((rc = ferry_asset_extract(run->ctx, run->op->project, sha256, dir, NULL, err)))
		goto out;
	ferry_op_log(run, "package %.12s verified and extracted into %s", sha256, dir);
out:
	free(parent);
	return rc;
}

int64_t up_db_bytes(struct ferry_runtime *rt)
{
	struct ferry_envdb *db = NULL;
	int64_t n = -1;

	if (!ferry_runtime_db(rt, &db, NULL))
		n = ferry_envdb_size(db);
	ferry_envdb_free(db);
	return n;
}

json_t *up_op_step_ms(struct ferry_ctx *ctx, int64_t op_id)
{
	struct ferry_stmt *st;
	json_t *o = json_object();

	if (ferry_store_query(ctx->store, &st, NULL,
			"SELECT name, elapsed_ms FROM operation_steps WHERE op_id = ? ORDER BY seq", "i", op_id))
		return o;
	while (ferry_stmt_step(st, NULL) == 1)
		json_object_set_new(o, ferry_stmt_text(st, 0), json_integer(ferry_stmt_int(st, 1)));
	ferry_stmt_free(st);
	return o;
}

/* The last non-empty line of an output, into out. */
static void last_line(const struct ferry_buf *b, char *out, size_t cap)
{
	const char *end, *start;

	out[0] = '\0';
	if (!b->data || !b->len)
		return;
	end = b->data + b->len;
	while (end > b->data && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > b->data && start[-1] != '\n'; start--)
		;
	snprintf(out, cap, "%.*s", (int)(end - start), start);
}

/* ---- SQL on an environment database (either engine, include/ferry/envdb.h) ---- */

/* Run sql in one transaction; with a mark (op_id > 0), record it in the same
 * transaction, and do nothing (*already = 1) when the mark is there. */
static int sql_run(struct ferry_runtime *rt, const char *sql, int64_t op_id, const char *list,
		   int idx, int *already, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	char mark[160];
	int rc;

	if (already)
		*already = 0;
	if ((rc = ferry_runtime_db(rt, &db, err)))
		return rc;
	if (op_id > 0) {
		snprintf(mark, sizeof(mark), "%lld/%s/%d", (long long)op_id, list, idx);
		rc = ferry_envdb_exec_once(db, sql, mark, already, err);
	} else {
		rc = ferry_envdb_exec(db, sql, err);
	}
	ferry_envdb_free(db);
	return rc;
}

int up_sql_file(struct ferry_runtime *rt, const char *path, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc;

	if (ferry_buf_read_file(&b, path))
		return ferry_error_set(err, FERRY_EIO, "cannot read SQL file %s", path);
	rc = sql_run(rt, b.data ? b.data : "", 0, NULL, 0, NULL, err);
	ferry_buf_release(&b);
	return rc;
}

/* Remove this list's marks; the table goes once empty. */
static int marks_clear(struct ferry_runtime *rt, int64_t op_id, const char *list,
		       struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	char prefix[128];
	int rc;

	snprintf(prefix, sizeof(prefix), "%lld/%s/", (long long)op_id, list);
	if (!(rc = ferry_runtime_db(rt, &db, err)))
		rc = ferry_envdb_marks_clear(db, prefix, err);
	ferry_envdb_free(db);
	return rc;
}

/* ---- the journal ---- */

struct jrow {
	char state[16];
	int attempts;
};

static int jr_get(struct ferry_ctx *ctx, int64_t op, const char *list, int idx, struct jrow *r,
		  struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT state, attempts FROM upgrade_step_journal WHERE op_id = ? AND list = ? "
			"AND idx = ?", "itd", op, list, idx)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		snprintf(r->state, sizeof(r->state), "%s", ferry_stmt_text(st, 0));
		r->attempts = (int)ferry_stmt_int(st, 1);
	}
	ferry_stmt_free(st);
	return rc;
}

static int jr_start(struct ferry_ctx *ctx, int64_t op, const char *list, int idx,
		    const struct ferry_step *s, struct ferry_error *err)
{
	int rc = ferry_store_run(ctx->store, err,
		"INSERT INTO upgrade_step_journal(op_id, list, idx, name, phase, kind, state) "
		"VALUES(?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING", "itdttt", op, list, idx,
		s->name, list && !strcmp(list, "data-upgrade") ? ferry_upgrade_phase_name(s->phase) : "",
		s->sql ? "sql" : "exec");

	if (rc)
		return rc;
	return ferry_store_run(ctx->store, err,
		"UPDATE upgrade_step_journal SET state = 'running', attempts = attempts + 1, "
		"started_ms = ?, error = '' WHERE op_id = ? AND list = ? AND idx = ?", "iitd",
		ferry_now_ms(), op, list, idx);
}

static int jr_end(struct ferry_ctx *ctx, int64_t op, const char *list, int idx, const char *state,
		  int64_t elapsed, const char *error, struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"UPDATE upgrade_step_journal SET state = ?, ended_ms = ?, elapsed_ms = elapsed_ms + ?, "
		"error = ? WHERE op_id = ? AND list = ? AND idx = ?", "tiititd", state, ferry_now_ms(), elapsed, error ? error : "", op, list, idx);
}

json_t *up_steps_journal(struct ferry_ctx *ctx, int64_t op_id, const char *list)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();

	if (ferry_store_query(ctx->store, &st, NULL,
			"SELECT list, name, phase, kind, state, attempts, elapsed_ms, error FROM "
			"upgrade_step_journal WHERE op_id = ? AND (? = '' OR list = ?) ORDER BY list, idx",
			"itt", op_id, list ? list : "", list ? list : ""))
		return arr;
	while (ferry_stmt_step(st, NULL) == 1)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
			"list", ferry_stmt_text(st, 0), "name", ferry_stmt_text(st, 1),
			"phase", ferry_stmt_text(st, 2), "kind", ferry_stmt_text(st, 3),
			"state", ferry_stmt_text(st, 4), "attempts", (json_int_t)ferry_stmt_int(st, 5),
			"elapsed_ms", (json_int_t)ferry_stmt_int(st, 6), "error", ferry_stmt_text(st, 7)));
	ferry_stmt_free(st);
	return arr;
}

/* ---- running the steps ---- */

static json_t *strv_json(const struct ferry_strv *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

/* An exec step. Without the operation's restore point (op_rp NULL) and unless the
 * step is read-only: a restore point before its first attempt, restored before a retry
 * (with op_rp, up_steps_run_rp() restores that one before a retry instead). */
static int run_exec(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		    const struct ferry_step *s, const char *list, int idx, const char *op_rp,
		    struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	struct ferry_buf out = FERRY_BUF_INIT;
	char rp[96], line[512];
	json_t *argv = strv_json(&s->exec);
	int rc;

	snprintf(rp, sizeof(rp), "step-%lld-%s-%d", (long long)run->op->id, list, idx);
	if ((rc = ferry_runtime_db(rt, &db, err)))
		goto out;
	if (op_rp || s->read_only) {
		/* no copy of the database for this step */
	} else if (ferry_envdb_rp_exists(db, rp)) {
		if ((rc = ferry_runtime_db_restore(rt, rp, err)))
			goto out;
		ferry_op_log(run, "step %s: database back to its state before the step (%s)", s->name, rp);
	} else if ((rc = ferry_envdb_rp_create(db, rp, err))) {
		goto out;
	}
	rc = ferry_runtime_exec_in(rt, argv, pkg_dir, EXEC_TIMEOUT_S, &out, err);
	last_line(&out, line, sizeof(line));
	if (out.len) {
		/* one log line per line of output (a log line ends at its first newline) */
		char *l, *save = NULL;
		ferry_op_log(run, "step %s output:", s->name);
		for (l = strtok_r(out.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			ferry_op_log(run, "  %s", l);
	}
	if (rc && line[0])
		ferry_error_prefix(err, "%s", line);
out:
	ferry_envdb_free(db);
	ferry_buf_release(&out);
	json_decref(argv);
	return rc;
}

static int run_sql(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		   const struct ferry_step *s, const char *list, int idx, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char *p = ferry_path_join(pkg_dir, s->sql);
	int rc, already = 0;

	if (!p || ferry_buf_read_file(&b, p)) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot read %s", p ? p : s->sql);
		goto out;
	}
	rc = sql_run(rt, b.data ? b.data : "", run->op->id, list, idx, &already, err);
	if (!rc && already)
		ferry_op_log(run, "step %s: already applied (its mark is in the database)", s->name);
	if (rc)
		ferry_error_prefix(err, "%s", s->sql);
out:
	ferry_buf_release(&b);
	free(p);
	return rc;
}

static void drop_step_rps(struct ferry_op_run *run, struct ferry_runtime *rt, const char *list,
			  size_t n)
{
	struct ferry_envdb *db = NULL;
	char rp[96];
	size_t i;

	if (ferry_runtime_db(rt, &db, NULL))
		return;
	for (i = 0; i < n; i++) {
		snprintf(rp, sizeof(rp), "step-%lld-%s-%zu", (long long)run->op->id, list, i);
		if (ferry_envdb_rp_exists(db, rp))
			ferry_envdb_rp_rm(db, rp, NULL);
	}
	ferry_envdb_free(db);
}

/* A writing exec step of this list was cut short or failed (its journal row says
 * running or failed): put the database back to the operation's restore point and
 * forget the list's journal, so that every step runs again on the data it expects. */
static int back_to_op_rp(struct ferry_op_run *run, struct ferry_runtime *rt,
			 const struct ferry_step_list *steps, const char *list, const char *op_rp,
			 struct ferry_error *err)
{
	struct jrow r;
	size_t i;
	int rc;

	for (i = 0; i < steps->n; i++) {
		const struct ferry_step *s = &steps->v[i];
		memset(&r, 0, sizeof(r));
		if ((rc = jr_get(run->ctx, run->op->id, list, (int)i, &r, err)) < 0)
			return rc;
		if (rc == 1 && !s->sql && !s->read_only && strcmp(r.state, "succeeded") &&
		    strcmp(r.state, "pending"))
			break;
	}
	if (i == steps->n)
		return 0;
	if ((rc = ferry_runtime_db_restore(rt, op_rp, err)))
		return rc;
	ferry_op_log(run, "step %s was cut short: the database is back to restore point %s, "
		     "the %s steps run again from the first", steps->v[i].name, op_rp, list);
	return ferry_store_run(run->ctx->store, err,
		"DELETE FROM upgrade_step_journal WHERE op_id = ? AND list = ?", "it",
		run->op->id, list);
}

int up_steps_run(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		 const struct ferry_step_list *steps, const char *list, struct ferry_error *err)
{
	return up_steps_run_rp(run, rt, pkg_dir, steps, list, NULL, err);
}

int up_steps_run_rp(struct ferry_op_run *run, struct ferry_runtime *rt, const char *pkg_dir,
		    const struct ferry_step_list *steps, const char *list, const char *op_rp,
		    struct ferry_error *err)
{
	struct ferry_ctx *ctx = run->ctx;
	int64_t op = run->op->id;
	size_t i;
	int rc = 0;

	if (op_rp && (rc = back_to_op_rp(run, rt, steps, list, op_rp, err)))
		return rc;
	for (i = 0; i < steps->n; i++) {
		const struct ferry_step *s = &steps->v[i];
		struct jrow r = { "", 0 };
		char label[160];
		int64_t t0;

		if ((rc = jr_get(ctx, op, list, (int)i, &r, err)) < 0)
			return rc;
		if (rc == 1 && !strcmp(r.state, "succeeded"))
			continue;
		snprintf(label, sizeof(label), "%s", s->name);
		ferry_op_crashpoint(run, label);
		if ((rc = jr_start(ctx, op, list, (int)i, s, err)))
			return rc;
		ferry_op_progress(run, (int64_t)i, (int64_t)steps->n);
		t0 = ferry_mono_ms();
		rc = s->sql ? run_sql(run, rt, pkg_dir, s, list, (int)i, err)
			    : run_exec(run, rt, pkg_dir, s, list, (int)i, op_rp, err);
		if (rc) {
			ferry_error_prefix(err, "step '%s'%s%s%s", s->name,
					   !strcmp(list, "data-upgrade") ? " (" : "",
					   !strcmp(list, "data-upgrade") ? ferry_upgrade_phase_name(s->phase) : "",
					   !strcmp(list, "data-upgrade") ? ")" : "");
			jr_end(ctx, op, list, (int)i, "failed", ferry_mono_ms() - t0, err->msg, NULL);
			ferry_op_log(run, "%s", err->msg);
			return rc;
		}
		snprintf(label, sizeof(label), "%s:after", s->name);
		ferry_op_crashpoint(run, label);
		if ((rc = jr_end(ctx, op, list, (int)i, "succeeded", ferry_mono_ms() - t0, NULL, err)))
			return rc;
		ferry_op_log(run, "step %s: ok in %lld ms", s->name, (long long)(ferry_mono_ms() - t0));
	}
	ferry_op_progress(run, (int64_t)steps->n, (int64_t)steps->n);
	if (steps->n && (rc = marks_clear(rt, op, list, err)))
		return rc;
	drop_step_rps(run, rt, list, steps->n);
	return 0;
}

/* ---- health and DVT ---- */

int up_health(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err)
{
	struct ferry_runtime_status st;
	char url[FERRY_RUNTIME_URL_MAX];

	ferry_runtime_status(rt, 1, &st);
	ferry_runtime_url(rt, url);
	if (!st.running)
		return ferry_error_set(err, FERRY_EFAILED, "environment '%s' (%s) is not running",
				       ferry_runtime_env(rt), ferry_runtime_slot(rt));
	if (st.healthy != 1)
		return ferry_error_set(err, FERRY_EFAILED, "health check of %s failed (see the log %s/logs/app.log)",
				       url, ferry_runtime_dir(rt));
	ferry_op_log(run, "%s is healthy (release %s, pid %ld)", url, st.release, st.pid);
	return 0;
}

int up_dvt(struct ferry_op_run *run, struct ferry_runtime *rt, struct ferry_error *err)
{
	json_t *man = NULL, *dvt, *d;
	size_t i;
	int rc;

	if ((rc = ferry_runtime_release_manifest(rt, NULL, &man, err)))
		return rc;
	dvt = json_object_get(man, "dvt");
	json_array_foreach(dvt, i, d) {
		const char *model = json_string_value(json_object_get(d, "service_model"));
		struct ferry_buf out = FERRY_BUF_INIT;
		char line[512];
		ferry_op_progress(run, (int64_t)i, (int64_t)json_array_size(dvt));
		rc = ferry_runtime_exec(rt, json_object_get(d, "exec"), ferry_manifest_dvt_timeout_s(d), &out, err);
		if (rc) {
			last_line(&out, line, sizeof(line));
			if (line[0] && strstr(line, "DVT script"))
				ferry_error_set(err, FERRY_EFAILED, "%s", line);
			else
				ferry_error_prefix(err, "DVT script for service model: %s failed: %s",
						   model ? model : "?", line);
			ferry_op_log(run, "%s", err->msg);
		} else {
			ferry_op_log(run, "DVT %s passed", model ? model : "?");
		}
		ferry_buf_release(&out);
		if (rc)
			break;
	}
	json_decref(man);
	return rc;
}
