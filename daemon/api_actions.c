/* SPDX-License-Identifier: MIT */
/* api_actions.c: the environment actions, by name ("env.apply", "upgrade.begin",
 * "db.refresh", ...): each the libferry call the CLI makes, with the body members it
 * takes. Both the API's routes (api_env_ops.c) and the schedules' timer (schedule.c)
 * start operations through this table; it calls only the library. */
#include "ferryd.h"

#include "ferry/lifecycle/refresh.h"
#include "ferry/lifecycle/servicing.h"
#include "ferry/lifecycle/upgrade.h"

#include <string.h>

static const char *arg(const json_t *a, const char *key)
{
	return json_string_value(json_object_get(a, key));
}

static int call_apply(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		      char act[37], struct ferry_error *err)
{
	struct ferry_apply_spec s = { arg(a, "env"), arg(a, "package"), arg(a, "slot") };

	return ferry_servicing_apply(ctx, &s, h, act, err);
}

static int call_signoff(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			char act[37], struct ferry_error *err)
{
	return ferry_servicing_signoff(ctx, arg(a, "env"), arg(a, "slot"), h, act, err);
}

static int call_rollback(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			 char act[37], struct ferry_error *err)
{
	return ferry_servicing_rollback(ctx, arg(a, "env"), arg(a, "slot"), h, act, err);
}

static int call_up_begin(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			 char act[37], struct ferry_error *err)
{
	return ferry_upgrade_begin_on(ctx, arg(a, "env"), arg(a, "to"), arg(a, "host"), h, act, NULL,
				      err);
}

static int call_up_apply(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			 char act[37], struct ferry_error *err)
{
	return ferry_upgrade_apply(ctx, arg(a, "env"), arg(a, "package"), h, act, err);
}

#define ENV_ONLY(name, fn) \
static int name(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h, \
		char act[37], struct ferry_error *err) \
{ \
	return fn(ctx, arg(a, "env"), h, act, err); \
}
ENV_ONLY(call_up_signoff, ferry_upgrade_signoff)
ENV_ONLY(call_up_rollback_pkg, ferry_upgrade_rollback_package)
ENV_ONLY(call_up_commit, ferry_upgrade_commit)
ENV_ONLY(call_up_resume, ferry_upgrade_resume)

static int call_up_data(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			char act[37], struct ferry_error *err)
{
	return ferry_upgrade_data(ctx, arg(a, "env"), h, act, NULL, err);
}

static int call_up_cancel(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			  char act[37], struct ferry_error *err)
{
	return ferry_upgrade_cancel(ctx, arg(a, "env"), arg(a, "view"), h, act, err);
}

/* {"writes": "discard"}: go on without the writes it cannot carry (exported first). */
static int call_up_rollback(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			    char act[37], struct ferry_error *err)
{
	struct ferry_rollback_opts o = { 0, NULL };
	const char *w = arg(a, "writes");

	if (w && strcmp(w, "discard") && strcmp(w, "carry"))
		return ferry_error_set(err, FERRY_EINVAL, "member 'writes' is \"carry\" (the default) "
				       "or \"discard\", not '%s'", w);
	o.discard_writes = w && !strcmp(w, "discard");
	return ferry_upgrade_rollback(ctx, arg(a, "env"), &o, h, act, err);
}

/* The watch's automatic rollback ({"reason"}): ferryd's watch (watch.c) runs it as a job. */
static int call_up_auto_rollback(struct ferry_ctx *ctx, const json_t *a,
				 const struct ferry_op_hooks *h, char act[37], struct ferry_error *err)
{
	return ferry_upgrade_auto_rollback(ctx, arg(a, "env"), arg(a, "reason"), h, act, err);
}

static int call_refresh(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			char act[37], struct ferry_error *err)
{
	return ferry_db_refresh(ctx, arg(a, "from"), arg(a, "env"), h, act, err);
}

/* Copy a database into a development environment, across releases (before a rehearsal). */
static int call_copy(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
		     char act[37], struct ferry_error *err)
{
	return ferry_db_copy(ctx, arg(a, "from"), arg(a, "env"), h, act, err);
}

/* The rehearsal: the data upgrade on a development environment's copy, timed. */
static int call_rehearse(struct ferry_ctx *ctx, const json_t *a, const struct ferry_op_hooks *h,
			 char act[37], struct ferry_error *err)
{
	return ferry_env_data_upgrade(ctx, arg(a, "env"), arg(a, "package"), h, act, err);
}

/* Every environment action: its name (the audit action and a schedule's kind), the
 * call, and the body members it takes (strings; * marks a required one). */
static const struct env_action actions[] = {
	{ "env.apply", call_apply, { "*package", "slot" } },
	{ "env.signoff", call_signoff, { "slot" } },
	{ "env.rollback", call_rollback, { "slot" } },
	{ "upgrade.begin", call_up_begin, { "*to" } },
	{ "upgrade.apply", call_up_apply, { "*package" } },
	{ "upgrade.signoff", call_up_signoff, { NULL } },
	{ "upgrade.rollback-package", call_up_rollback_pkg, { NULL } },
	{ "upgrade.data", call_up_data, { NULL } },
	{ "upgrade.commit", call_up_commit, { NULL } },
	{ "upgrade.rollback", call_up_rollback, { "writes" } },
	{ "upgrade.auto-rollback", call_up_auto_rollback, { "*reason" } },
	{ "upgrade.cancel", call_up_cancel, { "view" } },
	{ "upgrade.resume", call_up_resume, { NULL } },
	{ "db.refresh", call_refresh, { "*from" } },
	{ "db.copy", call_copy, { "*from" } },
	{ "env.data-upgrade", call_rehearse, { "package" } },
	{ NULL, NULL, { NULL } }
};

const struct env_action *env_action_find(const char *name)
{
	const struct env_action *a;

	for (a = actions; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}
