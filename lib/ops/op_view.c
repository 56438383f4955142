/* SPDX-License-Identifier: MIT */
/* op_view.c: JSON views of operations, their steps and logs, and of runner events. */
#include "ops/op_int.h"

#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdlib.h>
#include <string.h>

static void set_time(json_t *o, const char *key, int64_t ms)
{
	char iso[32];

	if (ms <= 0) {
		json_object_set_new(o, key, json_null());
		return;
	}
	ferry_time_iso(ms, iso);
	json_object_set_new(o, key, json_string(iso));
}

/* What an operator can do next with an operation in this state. */
static const char *next_hint(const struct ferry_op *op)
{
	switch (op->state) {
	case FERRY_OP_PENDING:
	case FERRY_OP_FAILED:
	case FERRY_OP_INTERRUPTED: return "resume";
	case FERRY_OP_AWAITING_CONFIRM: return "complete-step";
	case FERRY_OP_AWAITING_SIGNOFF: return "signoff";
	case FERRY_OP_RUNNING: return "wait";
	default: return "none";
	}
}

static json_t *op_base_json(const struct ferry_op *op)
{
	int64_t end = op->ended_ms ? op->ended_ms : ferry_now_ms();
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s}",
		"activity_id", op->activity_id, "kind", op->kind, "env", op->env,
		"project", op->project, "state", ferry_op_state_name(op->state),
		"params", op->params, "error", op->error ? op->error : "", "actor", op->actor,
		"next", next_hint(op));

	if (!o)
		return NULL;
	json_object_set_new(o, "step", op->step[0] ? json_string(op->step) : json_null());
	set_time(o, "created", op->created_ms);
	set_time(o, "started", op->started_ms);
	set_time(o, "ended", op->ended_ms);
	json_object_set_new(o, "duration_ms",
		op->started_ms ? json_integer(end - op->started_ms) : json_null());
	if (op->state == FERRY_OP_RUNNING)
		json_object_set_new(o, "pid", json_integer(op->lease_pid));
	return o;
}

static json_t *step_row_json(struct ferry_stmt *st, int with_logs)
{
	const char *result = ferry_stmt_text(st, 7);
	int64_t started = ferry_stmt_int(st, 3), ended = ferry_stmt_int(st, 4);
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:s}",
		"name", ferry_stmt_text(st, 0), "state", ferry_stmt_text(st, 1),
		"manual", (int)ferry_stmt_int(st, 5), "attempts", (json_int_t)ferry_stmt_int(st, 2),
		"duration_ms", (json_int_t)ferry_stmt_int(st, 6),
		"error", ferry_stmt_text(st, 8) ? ferry_stmt_text(st, 8) : "");

	if (!o)
		return NULL;
	set_time(o, "started", started);
	set_time(o, "ended", ended);
	json_object_set_new(o, "result", result ? json_loads(result, 0, NULL) : json_null());
	if (!json_object_get(o, "result"))
		json_object_set_new(o, "result", json_null());
	if (ferry_stmt_int(st, 9)) {
		set_time(o, "confirmed", ferry_stmt_int(st, 9));
		json_object_set_new(o, "confirmed_by", json_string(ferry_stmt_text(st, 10) ?
			ferry_stmt_text(st, 10) : ""));
	}
	if (with_logs)
		json_object_set_new(o, "log", json_string(ferry_stmt_text(st, 11) ?
			ferry_stmt_text(st, 11) : ""));
	return o;
}

static int steps_json(struct ferry_ctx *ctx, int64_t op_id, int with_logs, json_t **out,
		      struct ferry_error *err)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name, state, attempts, COALESCE(started_ms, 0), COALESCE(ended_ms, 0), "
		"manual, elapsed_ms, result, error, COALESCE(confirmed_ms, 0), confirmed_by, log "
		"FROM operation_steps WHERE op_id = ? ORDER BY seq", "i", op_id);

	if (rc) {
		json_decref(arr);
		return rc;
	}
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, step_row_json(st, with_logs));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int ferry_op_to_json(struct ferry_ctx *ctx, const struct ferry_op *op, int with_steps,
		     int with_logs, json_t **out, struct ferry_error *err)
{
	json_t *o = op_base_json(op), *steps;
	int rc;

	if (!o)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (with_steps) {
		if ((rc = steps_json(ctx, op->id, with_logs, &steps, err))) {
			json_decref(o);
			return rc;
		}
		json_object_set_new(o, "steps", steps);
	}
	*out = o;
	return 0;
}

int ferry_op_list(struct ferry_ctx *ctx, const char *env, int limit, json_t **out,
		  struct ferry_error *err)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id FROM operations WHERE (? IS NULL OR env_name = ?) "
		"ORDER BY created_ms DESC, id DESC LIMIT ?", "ttd", env, env,
		limit > 0 ? limit : 100);
	int64_t ids[1000];
	int i, n = 0;

	if (rc) {
		json_decref(arr);
		return rc;
	}
	while ((rc = ferry_stmt_step(st, err)) == 1 && n < 1000)
		ids[n++] = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	for (i = 0; rc >= 0 && i < n; i++) {
		struct ferry_op *op;
		json_t *o = NULL;
		if ((rc = op_load(ctx, ids[i], &op, err)))
			break;
		rc = ferry_op_to_json(ctx, op, 0, 0, &o, err);
		ferry_op_free(op);
		if (rc)
			break;
		json_array_append_new(arr, o);
	}
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int ferry_op_log_text(struct ferry_ctx *ctx, const struct ferry_op *op, const char *step,
		      char **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_stmt *st;
	int rc, rows = 0;

	*out = NULL;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name, state, attempts, log FROM operation_steps WHERE op_id = ? "
		"AND (? IS NULL OR name = ?) ORDER BY seq", "itt", op->id, step, step);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		const char *log = ferry_stmt_text(st, 3);
		rows++;
		if (!step)
			ferry_buf_addf(&b, "== %s (%s, %lld attempt%s)\n", ferry_stmt_text(st, 0),
				       ferry_stmt_text(st, 1), (long long)ferry_stmt_int(st, 2),
				       ferry_stmt_int(st, 2) == 1 ? "" : "s");
		if (log && *log)
			ferry_buf_adds(&b, log);
	}
	ferry_stmt_free(st);
	if (rc < 0) {
		ferry_buf_release(&b);
		return rc;
	}
	if (step && rows == 0) {
		ferry_buf_release(&b);
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"operation %s has no step '%s': see 'ferry op show %.8s'",
			op->activity_id, step, op->activity_id);
	}
	*out = b.data ? ferry_buf_detach(&b) : strdup("");
	return *out ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
}

const char *ferry_op_event_name(enum ferry_op_event_type t)
{
	static const char *const names[] = {
		"op-started", "step-started", "step-log", "step-progress", "step-finished",
		"op-finished"
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

json_t *ferry_op_event_to_json(const struct ferry_op_event *ev)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "event", ferry_op_event_name(ev->type),
		"activity_id", ev->activity_id, "kind", ev->kind, "env", ev->env ? ev->env : "");

	if (!o)
		return NULL;
	if (ev->step) {
		json_object_set_new(o, "step", json_string(ev->step));
		json_object_set_new(o, "step_index", json_integer(ev->step_index));
		json_object_set_new(o, "step_count", json_integer(ev->step_count));
		json_object_set_new(o, "attempt", json_integer(ev->attempt));
	}
	if (ev->state)
		json_object_set_new(o, "state", json_string(ev->state));
	if (ev->message)
		json_object_set_new(o, "message", json_string(ev->message));
	if (ev->type == FERRY_OP_EV_STEP_PROGRESS) {
		json_object_set_new(o, "done", json_integer(ev->done));
		json_object_set_new(o, "total", json_integer(ev->total));
	}
	if (ev->type == FERRY_OP_EV_STEP_FINISHED)
		json_object_set_new(o, "elapsed_ms", json_integer(ev->elapsed_ms));
	return o;
}

int ferry_op_counts(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT kind, state, COUNT(*) FROM operations GROUP BY kind, state "
		"ORDER BY kind, state", "");

	if (rc || !arr) {
		json_decref(arr);
		return rc ? rc : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "kind", ferry_stmt_text(st, 0),
			"state", ferry_stmt_text(st, 1), "count", (json_int_t)ferry_stmt_int(st, 2)));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
