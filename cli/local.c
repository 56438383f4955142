/* SPDX-License-Identifier: MIT */
/* local.c: the local backend: each call of backend.h made with libferry on the home
 * (its operations: local_ops.c). The answers are the library's JSON views, the ones
 * ferryd serves, so a command prints the same from either backend. */
#include "local.h"
#include "cli.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/catalog/advisor.h"
#include "ferry/catalog/catalog.h"
#include "ferry/lifecycle/env_view.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/lifecycle/servicing.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/ops/op.h"
#include "ferry/ops/schedule.h"
#include "ferry/package/asset.h"
#include "ferry/package/keys.h"
#include "ferry/project/env.h"
#include "ferry/project/feature.h"
#include "ferry/project/project.h"
#include "ferry/project/token.h"
#include "ferry/runtime/host.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*call_fn)(struct ferry_ctx *ctx, const json_t *a, json_t **out,
		       struct ferry_error *err);

#define S(k) local_str(a, k)
#define I(k) ((int)json_integer_value(json_object_get(a, k)))
#define B(k) json_is_true(json_object_get(a, k))

/* ---- projects and features ------------------------------------------------------ */

static int project_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)a;
	return ferry_project_list(ctx, out, err);
}

static int project_view(struct ferry_ctx *ctx, const char *name, json_t **out,
			struct ferry_error *err)
{
	struct ferry_project p;
	int rc;

	if ((rc = ferry_project_get(ctx, name, &p, err)))
		return rc;
	*out = ferry_project_to_json(&p);
	return 0;
}

static int project_show(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return project_view(ctx, S("project"), out, err);
}

static int project_create(struct ferry_ctx *ctx, const json_t *a, json_t **out,
			  struct ferry_error *err)
{
	int rc = ferry_project_create(ctx, S("name"), S("product"), S("description"), err);

	return rc ? rc : project_view(ctx, S("name"), out, err);
}

static int project_set(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int rc = ferry_project_set_allow_unsigned(ctx, S("project"), B("allow_unsigned"), err);

	return rc ? rc : project_view(ctx, S("project"), out, err);
}

static int project_rm(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)out;
	return ferry_project_rm(ctx, S("project"), err);
}

static int feature_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_feature_list(ctx, S("project"), out, err);
}

static int feature_set(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int rc = ferry_feature_set(ctx, S("project"), S("feature"), B("enabled"), err);

	return rc ? rc : ferry_feature_list(ctx, S("project"), out, err);
}

/* ---- environments ------------------------------------------------------------- */

static int env_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_env_list(ctx, S("project"), B("all"), out, err);
}

static int env_show(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_env_view(ctx, S("env"), S("view"), out, err);
}

static int env_create(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_env_spec spec = { 0 };
	struct ferry_env e;
	int rc;

	spec.name = S("name");
	spec.project = S("project");
	spec.role = S("role");
	spec.product = S("product");
	spec.app_release = S("app_release");
	spec.platform = S("platform");
	if ((rc = ferry_host_env_create(ctx, &spec, S("host"), err)) ||
	    (rc = ferry_env_get(ctx, spec.name, &e, err)))
		return rc;
	*out = ferry_env_to_json(&e);
	return 0;
}

static int env_rm(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)out;
	return ferry_runtime_env_remove(ctx, S("env"), err);
}

static int env_history(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_servicing_history(ctx, S("env"), out, err);
}

static int env_check(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_apply_spec spec = { S("env"), S("package"), S("slot") };

	return ferry_servicing_check(ctx, &spec, out, err);
}

/* ---- runtimes -------------------------------------------------------------------- */

/* The slot of --view: original (or none) is the main slot; else the view names it. */
static const char *slot_of(const json_t *a)
{
	const char *v = S("view");

	return !v || !strcmp(v, FERRY_VIEW_ORIGINAL) ? FERRY_SLOT_MAIN : v;
}

/* The runtime of the environment's slot as JSON (with "environment"). */
static int runtime_view(struct ferry_ctx *ctx, const json_t *a, int probe, json_t **out,
			struct ferry_error *err)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt;
	int rc;

	if ((rc = ferry_runtime_open(ctx, S("env"), slot_of(a), 0, &rt, err)))
		return rc;
	ferry_runtime_status(rt, probe, &st);
	*out = ferry_runtime_to_json(rt, &st);
	json_object_set_new(*out, "environment", json_string(S("env")));
	ferry_runtime_free(rt);
	return 0;
}

static int env_status(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	json_t *b;
	int rc;

	if (S("view"))
		return runtime_view(ctx, a, 1, out, err);
	/* no view: the slot that serves (the upgraded one after `upgrade data`) */
	b = json_pack("{s:s, s:s}", "env", S("env"), "view", ferry_env_serving_slot(ctx, S("env")));
	rc = runtime_view(ctx, b, 1, out, err);
	json_decref(b);
	return rc;
}

static int env_start(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int rc, already = 0;

	if ((rc = ferry_runtime_env_start(ctx, S("env"), slot_of(a), I("timeout"), B("new_port"),
					  &already, err)) ||
	    (rc = runtime_view(ctx, a, 0, out, err)))
		return rc;
	if (already)
		json_object_set_new(*out, "_already", json_true());
	return 0;
}

static int env_stop(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int rc, killed = 0;

	if ((rc = ferry_runtime_env_stop(ctx, S("env"), slot_of(a), I("grace"), &killed, err)))
		return rc;
	*out = json_pack("{s:s, s:b, s:s}", "environment", S("env"), "killed", killed,
			 "state", "stopped");
	return 0;
}

static int env_restart(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int rc;

	if ((rc = ferry_runtime_env_stop(ctx, S("env"), slot_of(a), I("grace"), NULL, err)) ||
	    (rc = ferry_runtime_env_start(ctx, S("env"), slot_of(a), I("timeout"), 0, NULL, err)))
		return rc;
	return runtime_view(ctx, a, 0, out, err);
}

static int env_logs(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_runtime *rt;
	char *path;
	int rc;

	if ((rc = ferry_runtime_open(ctx, S("env"), slot_of(a), 0, &rt, err)))
		return rc;
	/* through the runtime's driver: the log may be on another host */
	rc = ferry_runtime_log_tail(rt, json_integer_value(json_object_get(a, "lines")) ?: 50, &b, err);
	path = ferry_runtime_path(rt, "logs/app.log");
	ferry_runtime_free(rt);
	if (!rc) {
		*out = json_pack("{s:s}", "log", b.data ? b.data : "");
		if (!b.len)
			json_object_set_new(*out, "_no_log", json_string(path ? path : ""));
	}
	ferry_buf_release(&b);
	free(path);
	return rc;
}

static int env_config(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_runtime *rt;
	int rc;

	if ((rc = ferry_runtime_open(ctx, S("env"), slot_of(a), 0, &rt, err)))
		return rc;
	rc = ferry_runtime_config_get(rt, out, err);
	ferry_runtime_free(rt);
	return rc;
}

/* {set: {KEY: VALUE}, unset: [KEY]}: one write, all or none. */
static int env_config_edit(struct ferry_ctx *ctx, const json_t *a, json_t **out,
			   struct ferry_error *err)
{
	const char *keys[64], *vals[64], *k;
	struct ferry_runtime *rt;
	json_t *v;
	size_t i;
	int n = 0, rc;

	if (json_object_size(json_object_get(a, "set")) + json_array_size(json_object_get(a, "unset")) > 64)
		return ferry_error_set(err, FERRY_EINVAL, "at most 64 changes at once");
	json_object_foreach(json_object_get(a, "set"), k, v) {
		keys[n] = k;
		vals[n++] = json_string_value(v);
	}
	json_array_foreach(json_object_get(a, "unset"), i, v) {
		keys[n] = json_string_value(v);
		vals[n++] = NULL;
	}
	if ((rc = ferry_runtime_open(ctx, S("env"), slot_of(a), 0, &rt, err)))
		return rc;
	if (!(rc = ferry_runtime_config_edit(rt, keys, vals, n, err)))
		rc = ferry_runtime_config_get(rt, out, err);
	ferry_runtime_free(rt);
	return rc;
}

/* ---- operations, tokens, audit -------------------------------------------------- */

static int op_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_op_list(ctx, S("env"), I("limit"), out, err);
}

static int op_view(struct ferry_ctx *ctx, const char *ref, json_t **out, struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	int rc;

	if (!(rc = ferry_op_find(ctx, ref, &op, err)) && !(rc = ferry_op_to_json(ctx, op, 1, 0, out, err)))
		json_object_set_new(*out, "actions", ferry_op_actions(ctx, op));
	ferry_op_free(op);
	return rc;
}

static int op_show(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return op_view(ctx, S("op"), out, err);
}

static int op_log(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_op *op;
	char *text = NULL;
	int rc;

	if ((rc = ferry_op_find(ctx, S("op"), &op, err)))
		return rc;
	rc = ferry_op_log_text(ctx, op, S("step"), &text, err);
	ferry_op_free(op);
	if (!rc)
		*out = json_pack("{s:s}", "log", text);
	free(text);
	return rc;
}

static int op_abort(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_op *op;
	char id[37];
	int rc;

	if ((rc = ferry_op_find(ctx, S("op"), &op, err)))
		return rc;
	snprintf(id, sizeof(id), "%s", op->activity_id);
	ferry_op_free(op);
	return (rc = ferry_op_abort(ctx, id, err)) ? rc : op_view(ctx, id, out, err);
}

static int token_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)a;
	return ferry_token_list(ctx, out, err);
}

static int token_create(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_token_spec spec = { 0 };
	char *secret = NULL;
	int rc;

	spec.name = S("name");
	spec.role = S("role");
	spec.project = S("project");
	if (S("expires") && (rc = ferry_token_expiry_parse(S("expires"), ferry_now_ms(),
							   &spec.expires_ms, err)))
		return rc;
	if ((rc = ferry_token_create(ctx, &spec, &secret, out, err)))
		return rc;
	json_object_set_new(*out, "token", json_string(secret));
	ferry_token_secret_free(secret);
	return 0;
}

static int token_revoke(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)out;
	return ferry_token_revoke(ctx, S("token"), err);
}

static int audit_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_audit_query q = { 0 };

	q.project = S("project");
	q.actor = S("actor");
	q.limit = I("limit");
	q.before_id = json_integer_value(json_object_get(a, "before"));
	return ferry_audit_list(ctx, &q, out, err);
}

/* ---- keys, assets, schedules ---------------------------------------------------- */

static int key_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return S("project") ? ferry_key_list_project(ctx, S("project"), out, err)
			    : ferry_key_list(ctx, out, err);
}

static int key_trust(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_key k;
	int rc;

	if ((rc = ferry_key_trust(ctx, S("project"), S("key"), &k, err)))
		return rc;
	*out = ferry_key_to_json(&k);
	return 0;
}

static int key_revoke(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_key k;
	int rc;

	if ((rc = ferry_key_revoke(ctx, S("project"), S("key"), &k, err)))
		return rc;
	*out = ferry_key_to_json(&k);
	return 0;
}

static int asset_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_asset_list(ctx, S("project"), out, err);
}

static int asset_show(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_asset_show(ctx, S("project"), S("asset"), out, err);
}

static int asset_upload(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_asset as;
	int rc, existed = 0;

	if ((rc = ferry_asset_upload(ctx, S("project"), S("file"), &as, &existed, err)))
		return rc;
	*out = ferry_asset_to_json(&as);
	json_object_set_new(*out, "existed", json_boolean(existed));
	return 0;
}

static int asset_download(struct ferry_ctx *ctx, const json_t *a, json_t **out,
			  struct ferry_error *err)
{
	(void)out;
	return ferry_asset_download(ctx, S("project"), S("asset"), S("output"), err);
}

static int asset_rm(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)out;
	return ferry_asset_rm(ctx, S("project"), S("asset"), err);
}

static int sched_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_sched_list(ctx, S("project"), out, err);
}

static int sched_id(const json_t *a, int64_t *id, struct ferry_error *err)
{
	long long v;

	if (!S("schedule") || ferry_parse_int(S("schedule"), 1, INT64_MAX, &v))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no scheduled operation '%s'",
				       S("schedule") ? S("schedule") : "");
	*id = v;
	return 0;
}

static int sched_show(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int64_t id;
	int rc;

	return (rc = sched_id(a, &id, err)) ? rc : ferry_sched_get(ctx, id, out, err);
}

static int sched_cancel(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	int64_t id;
	int rc;

	if ((rc = sched_id(a, &id, err)) || (rc = ferry_sched_cancel(ctx, id, err)))
		return rc;
	return ferry_sched_get(ctx, id, out, err);
}

/* ---- the upgrade ---------------------------------------------------------------- */

static int up_targets(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_upgrade_targets(ctx, S("env"), out, err);
}

static int up_status(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_upgrade_status(ctx, S("env"), out, err);
}

/* --to RELEASE[/PUn] before begin, --data before the data upgrade. */
static int up_preflight(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_upgrade u;
	char rel[32], pu[32];
	int rc;

	if (B("data")) {
		if ((rc = ferry_upgrade_active(ctx, S("env"), &u, err)) <= 0)
			return rc ? rc : ferry_error_set(err, FERRY_ESTATE, "environment '%s' has no "
							 "upgrade in progress: use --to RELEASE", S("env"));
		snprintf(rel, sizeof(rel), "%s", u.to_release);
		snprintf(pu, sizeof(pu), "%s", u.to_platform);
	} else if ((rc = ferry_upgrade_resolve_target(ctx, S("env"), S("to"), rel, pu, err))) {
		return rc;
	}
	return ferry_preflight_run(ctx, S("env"), rel, pu, B("data") ? FERRY_PREFLIGHT_DATA
				   : FERRY_PREFLIGHT_BEGIN, out, err);
}

static int up_plan(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_upgrade_rollback_plan(ctx, S("env"), out, err);
}

/* The writes since the swap into the file "output" (written whole, then renamed). */
static int up_writes(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int rc;

	(void)out;
	if (!(rc = ferry_upgrade_writes(ctx, S("env"), S("format"), &b, err)))
		rc = ferry_write_file_atomic(S("output"), b.data ? b.data : "", b.len, 0600, err);
	ferry_buf_release(&b);
	return rc;
}

/* Settings: the members given (but project) change, then all are answered. */
static int up_settings(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	json_t *set = json_deep_copy(a);
	int rc;

	json_object_del(set, "project");
	rc = ferry_upgrade_settings_patch(ctx, S("project"), set, out, err);
	json_decref(set);
	return rc;
}

/* ---- calls that need no home: the catalog and the advisor on release numbers ------ */

static int up_check(struct local *l, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_advice_request req = { 0 };
	struct ferry_catalog *cat = NULL;
	struct ferry_advice *adv = NULL;
	struct ferry_ctx *ctx;
	int rc;

	req.from = S("from");
	req.to = S("to");
	req.from_platform = S("from_platform");
	req.to_platform = S("to_platform");
	if (S("env")) {
		if (!(ctx = local_ctx(l, err)))
			return err->code;
		rc = ferry_advisor_check_env(ctx, S("env"), &req, &adv, err);
	} else {
		rc = ferry_catalog_open_settings(l->cli->settings, S("product"), &cat, err);
		if (rc)
			return rc;
		rc = ferry_advisor_check(cat, &req, &adv, err);
	}
	if (adv)
		*out = ferry_advice_to_json(adv);
	ferry_advice_free(adv);
	ferry_catalog_free(cat);
	return rc;
}

static int catalog_list(struct local *l, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)a;
	return ferry_catalog_list(l->cli->settings, out, err);
}

/* ---- hosts ------------------------------------------------------------------------ */

static int host_list(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)a;
	return ferry_host_list(ctx, out, err);
}

static int host_show(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_host_show(ctx, S("host"), out, err);
}

static int host_add(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	struct ferry_host_spec spec = { S("name"), S("ssh"), S("identity"), S("dir"),
					B("accept_host_key"), B("no_install") };

	return ferry_host_add(ctx, &spec, out, err);
}

static int host_check(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	return ferry_host_check(ctx, S("host"), out, err);
}

static int host_install(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)out;
	return ferry_host_install(ctx, S("host"), err);
}

static int host_rm(struct ferry_ctx *ctx, const json_t *a, json_t **out, struct ferry_error *err)
{
	(void)out;
	return ferry_host_rm(ctx, S("host"), err);
}

/* ---- the backend ------------------------------------------------------------------ */

static const call_fn calls[CLI_CALL_COUNT] = {
	[CLI_PROJECT_LIST] = project_list, [CLI_PROJECT_SHOW] = project_show,
	[CLI_PROJECT_CREATE] = project_create, [CLI_PROJECT_SET] = project_set,
	[CLI_PROJECT_RM] = project_rm, [CLI_FEATURE_LIST] = feature_list,
	[CLI_FEATURE_SET] = feature_set, [CLI_ENV_LIST] = env_list, [CLI_ENV_SHOW] = env_show,
	[CLI_ENV_CREATE] = env_create, [CLI_ENV_RM] = env_rm, [CLI_ENV_STATUS] = env_status,
	[CLI_ENV_START] = env_start, [CLI_ENV_STOP] = env_stop, [CLI_ENV_RESTART] = env_restart,
	[CLI_ENV_LOGS] = env_logs, [CLI_ENV_CONFIG] = env_config,
	[CLI_ENV_CONFIG_EDIT] = env_config_edit, [CLI_ENV_HISTORY] = env_history,
	[CLI_ENV_CHECK] = env_check, [CLI_OP_LIST] = op_list, [CLI_OP_SHOW] = op_show,
	[CLI_OP_LOG] = op_log, [CLI_OP_ABORT] = op_abort, [CLI_TOKEN_LIST] = token_list,
	[CLI_TOKEN_CREATE] = token_create, [CLI_TOKEN_REVOKE] = token_revoke,
	[CLI_AUDIT] = audit_list, [CLI_KEY_LIST] = key_list, [CLI_KEY_TRUST] = key_trust,
	[CLI_KEY_REVOKE] = key_revoke, [CLI_ASSET_LIST] = asset_list,
	[CLI_ASSET_SHOW] = asset_show, [CLI_ASSET_UPLOAD] = asset_upload,
	[CLI_ASSET_DOWNLOAD] = asset_download, [CLI_ASSET_RM] = asset_rm,
	[CLI_SCHEDULE_LIST] = sched_list, [CLI_SCHEDULE_SHOW] = sched_show,
	[CLI_SCHEDULE_CANCEL] = sched_cancel, [CLI_UPGRADE_TARGETS] = up_targets,
	[CLI_UPGRADE_STATUS] = up_status, [CLI_UPGRADE_PREFLIGHT] = up_preflight,
	[CLI_UPGRADE_PLAN] = up_plan, [CLI_UPGRADE_WRITES] = up_writes,
	[CLI_UPGRADE_SETTINGS] = up_settings, [CLI_UPGRADE_SETTINGS_SHOW] = up_settings,
	[CLI_HOST_LIST] = host_list, [CLI_HOST_SHOW] = host_show, [CLI_HOST_ADD] = host_add,
	[CLI_HOST_CHECK] = host_check, [CLI_HOST_INSTALL] = host_install, [CLI_HOST_RM] = host_rm,
};

static int local_call(struct cli_backend *be, enum cli_call call, const json_t *args, json_t **out,
		      struct ferry_error *err)
{
	struct local *l = (struct local *)be;
	struct ferry_ctx *ctx;

	*out = NULL;
	if (call == CLI_UPGRADE_CHECK)
		return up_check(l, args, out, err);
	if (call == CLI_CATALOG_LIST)
		return catalog_list(l, args, out, err);
	if ((unsigned)call >= CLI_CALL_COUNT || !calls[call])
		return ferry_error_set(err, FERRY_EINTERNAL, "no call '%s' on the home",
				       cli_call_name(call));
	if (!(ctx = local_ctx(l, err)))
		return err->code;
	return calls[call](ctx, args, out, err);
}

static void local_free(struct cli_backend *be)
{
	free(be);
}

static const struct cli_backend_ops local_ops = {
	"local", local_call, local_run, local_schedule, local_free
};

struct cli_backend *cli_local_new(struct cli *cli)
{
	struct local *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->be.ops = &local_ops;
	l->be.remote = 0;
	l->cli = cli;
	return &l->be;
}
