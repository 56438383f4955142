/* SPDX-License-Identifier: MIT */
/* local_ops.c: the local backend's operations: each action ("env.apply",
 * "upgrade.begin", "op.resume"...) is the libferry call that creates and runs it here,
 * with the CLI's progress hooks; and scheduled operations recorded on the home for a
 * ferryd on the same home to start (--at). */
#include "local.h"
#include "cli.h"

#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/ops/schedule.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/lifecycle/servicing.h"
#include "ferry/lifecycle/upgrade.h"

#include <stdio.h>
#include <string.h>

struct ferry_ctx *local_ctx(struct local *l, struct ferry_error *err)
{
	return cli_ctx_open(l->cli, err) ? NULL : l->cli->ctx;
}

const char *local_str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

#define S(k) local_str(a, k)

/* An action: the call that creates the operation and runs it; act gets its ID. */
typedef int (*action_fn)(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			 char act[37], json_t *hints, struct ferry_error *err);

static int do_apply(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		    char act[37], json_t *hints, struct ferry_error *err)
{
	struct ferry_apply_spec s = { S("env"), S("package"), S("slot") };

	(void)hints;
	return ferry_servicing_apply(ctx, &s, h, act, err);
}

static int do_signoff(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		      char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return ferry_servicing_signoff(ctx, S("env"), S("slot"), h, act, err);
}

static int do_rollback(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		       char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return ferry_servicing_rollback(ctx, S("env"), S("slot"), h, act, err);
}

static int do_up_begin(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		       char act[37], json_t *hints, struct ferry_error *err)
{
	json_t *warnings = NULL;
	int rc = ferry_upgrade_begin_on(ctx, S("env"), S("to"), S("host"), h, act, &warnings, err);

	if (json_array_size(warnings))
		json_object_set(hints, "_warnings", warnings);
	json_decref(warnings);
	return rc;
}

static int do_up_apply(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		       char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return ferry_upgrade_apply(ctx, S("env"), S("package"), h, act, err);
}

static int do_up_data(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		      char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return ferry_upgrade_data(ctx, S("env"), h, act, NULL, err);
}

static int do_up_cancel(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return ferry_upgrade_cancel(ctx, S("env"), S("view"), h, act, err);
}

#define ENV_ONLY(name, fn) \
static int name(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h, \
		char act[37], json_t *hints, struct ferry_error *err) \
{ \
	(void)hints; \
	return fn(ctx, S("env"), h, act, err); \
}
ENV_ONLY(do_up_signoff, ferry_upgrade_signoff)
ENV_ONLY(do_up_rollback_pkg, ferry_upgrade_rollback_package)
ENV_ONLY(do_up_commit, ferry_upgrade_commit)
ENV_ONLY(do_up_resume, ferry_upgrade_resume)

/* {"writes": "discard"}: go on without the writes it cannot carry (exported first). */
static int do_up_rollback(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			  char act[37], json_t *hints, struct ferry_error *err)
{
	struct ferry_rollback_opts o = { 0, NULL };

	(void)hints;
	o.discard_writes = S("writes") && !strcmp(S("writes"), "discard");
	return ferry_upgrade_rollback(ctx, S("env"), &o, h, act, err);
}

static int do_refresh(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		      char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return ferry_db_refresh(ctx, S("from"), S("env"), h, act, err);
}

/* op.resume, op.rerun-step, op.complete-step: the operation named by ID or prefix. */
static int op_drive(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		    char act[37], int what, struct ferry_error *err)
{
	struct ferry_op *op;
	int rc;

	if ((rc = ferry_op_find(ctx, S("op"), &op, err)))
		return rc;
	snprintf(act, 37, "%s", op->activity_id);
	ferry_op_free(op);
	if (what == 0)
		return ferry_op_resume(ctx, act, h, err);
	if (what == 1)
		return ferry_op_rerun_step(ctx, act, S("step"), h, err);
	return ferry_op_complete_step(ctx, act, S("step"), h, err);
}

static int do_op_resume(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return op_drive(ctx, a, h, act, 0, err);
}

static int do_op_rerun(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		       char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return op_drive(ctx, a, h, act, 1, err);
}

static int do_op_complete(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			  char act[37], json_t *hints, struct ferry_error *err)
{
	(void)hints;
	return op_drive(ctx, a, h, act, 2, err);
}

static const struct {
	const char *name;
	action_fn fn;
} actions[] = {
	{ "env.apply", do_apply }, { "env.signoff", do_signoff }, { "env.rollback", do_rollback },
	{ "upgrade.begin", do_up_begin }, { "upgrade.apply", do_up_apply },
	{ "upgrade.signoff", do_up_signoff }, { "upgrade.rollback-package", do_up_rollback_pkg },
	{ "upgrade.data", do_up_data }, { "upgrade.commit", do_up_commit },
	{ "upgrade.rollback", do_up_rollback }, { "upgrade.cancel", do_up_cancel },
	{ "upgrade.resume", do_up_resume }, { "db.refresh", do_refresh },
	{ "op.resume", do_op_resume }, { "op.rerun-step", do_op_rerun },
	{ "op.complete-step", do_op_complete },
};

int local_run(struct cli_backend *be, const char *action, const json_t *args,
	      const struct ferry_op_hooks *hooks, json_t **op, struct ferry_error *err)
{
	struct ferry_ctx *ctx = local_ctx((struct local *)be, err);
	struct ferry_op *o = NULL;
	json_t *hints = json_object();
	char act[37] = "";
	size_t i;
	int rc;

	*op = NULL;
	if (!ctx) {
		json_decref(hints);
		return err->code;
	}
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]) && strcmp(actions[i].name, action); i++)
		;
	if (i == sizeof(actions) / sizeof(actions[0]))
		rc = ferry_error_set(err, FERRY_EINTERNAL, "no action '%s' on the home", action);
	else
		rc = actions[i].fn(ctx, args, hooks, act, hints, err);
	if (!rc && (rc = ferry_op_find(ctx, act, &o, err)) == 0 &&
	    (rc = ferry_op_to_json(ctx, o, 1, 0, op, err)) == 0)
		json_object_update(*op, hints);
	ferry_op_free(o);
	if (rc && json_object_size(hints)) /* a refusal keeps its hints (the warnings) */
		*op = json_incref(hints);
	json_decref(hints);
	return rc;
}

int local_schedule(struct cli_backend *be, const char *action, const json_t *args,
		   const char *at, json_t **out, struct ferry_error *err)
{
	struct ferry_ctx *ctx = local_ctx((struct local *)be, err);
	struct ferry_sched_spec spec = { action, local_str(args, "env"), args, at };

	*out = NULL;
	if (!ctx)
		return err->code;
	return ferry_sched_add(ctx, &spec, out, err);
}
