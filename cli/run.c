/* SPDX-License-Identifier: MIT */
/* run.c: commands running through their backend (cli->be, backend.h): calls and their
 * answers, operations started (or scheduled with --at) and followed, and what the CLI
 * prints about an operation that ran, the same whichever backend ran it. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/ops/op.h"

#include <stdio.h>
#include <string.h>

const char *cli_call_name(enum cli_call call)
{
	static const char *const names[CLI_CALL_COUNT] = {
		[CLI_PROJECT_LIST] = "project.list", [CLI_PROJECT_SHOW] = "project.show",
		[CLI_PROJECT_CREATE] = "project.create", [CLI_PROJECT_SET] = "project.set",
		[CLI_PROJECT_RM] = "project.rm", [CLI_FEATURE_LIST] = "feature.list",
		[CLI_FEATURE_SET] = "feature.set", [CLI_ENV_LIST] = "env.list",
		[CLI_ENV_SHOW] = "env.show", [CLI_ENV_CREATE] = "env.create", [CLI_ENV_RM] = "env.rm",
		[CLI_ENV_STATUS] = "env.status", [CLI_ENV_START] = "env.start",
		[CLI_ENV_STOP] = "env.stop", [CLI_ENV_RESTART] = "env.restart",
		[CLI_ENV_LOGS] = "env.logs", [CLI_ENV_CONFIG] = "env.config",
		[CLI_ENV_CONFIG_EDIT] = "env.config-edit", [CLI_ENV_HISTORY] = "env.history",
		[CLI_ENV_CHECK] = "env.apply-check", [CLI_OP_LIST] = "op.list",
		[CLI_OP_SHOW] = "op.show", [CLI_OP_LOG] = "op.log", [CLI_OP_ABORT] = "op.abort",
		[CLI_TOKEN_LIST] = "token.list", [CLI_TOKEN_CREATE] = "token.create",
		[CLI_TOKEN_REVOKE] = "token.revoke", [CLI_AUDIT] = "audit",
		[CLI_KEY_LIST] = "key.list", [CLI_KEY_TRUST] = "key.trust",
		[CLI_KEY_REVOKE] = "key.revoke", [CLI_ASSET_LIST] = "asset.list",
		[CLI_ASSET_SHOW] = "asset.show", [CLI_ASSET_UPLOAD] = "asset.upload",
		[CLI_ASSET_DOWNLOAD] = "asset.download", [CLI_ASSET_RM] = "asset.rm",
		[CLI_SCHEDULE_LIST] = "schedule.list", [CLI_SCHEDULE_SHOW] = "schedule.show",
		[CLI_SCHEDULE_CANCEL] = "schedule.cancel", [CLI_UPGRADE_CHECK] = "upgrade.check",
		[CLI_UPGRADE_TARGETS] = "upgrade.targets", [CLI_UPGRADE_STATUS] = "upgrade.status",
		[CLI_UPGRADE_PREFLIGHT] = "upgrade.preflight", [CLI_CATALOG_LIST] = "catalog.list",
		[CLI_UPGRADE_PLAN] = "upgrade.rollback-plan", [CLI_UPGRADE_WRITES] = "upgrade.writes",
		[CLI_UPGRADE_SETTINGS] = "upgrade.settings",
		[CLI_UPGRADE_SETTINGS_SHOW] = "upgrade.settings-show",
		[CLI_HOST_LIST] = "host.list", [CLI_HOST_SHOW] = "host.show",
		[CLI_HOST_ADD] = "host.add", [CLI_HOST_CHECK] = "host.check",
		[CLI_HOST_INSTALL] = "host.install", [CLI_HOST_RM] = "host.rm",
	};

	return (unsigned)call < CLI_CALL_COUNT && names[call] ? names[call] : "?";
}

void cli_backend_free(struct cli_backend *be)
{
	if (be)
		be->ops->free(be);
}

/* Move the answer's "_x" members to cli->hints. */
static void take_hints(struct cli *cli, json_t *answer)
{
	const char *k;
	void *tmp;
	json_t *v;

	json_decref(cli->hints);
	cli->hints = json_object();
	if (!json_is_object(answer))
		return;
	json_object_foreach_safe(answer, tmp, k, v) {
		if (k[0] != '_')
			continue;
		json_object_set(cli->hints, k + 1, v);
		json_object_del(answer, k);
	}
}

json_t *cli_hint(struct cli *cli, const char *name)
{
	return json_object_get(cli->hints, name);
}

int cli_call(struct cli *cli, enum cli_call call, json_t *args, json_t **out,
	     struct ferry_error *err)
{
	int rc;

	*out = NULL;
	ferry_error_clear(err);
	if (!args)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = cli->be->ops->call(cli->be, call, args, out, err);
	json_decref(args);
	take_hints(cli, *out);
	return rc;
}

int cli_ask(struct cli *cli, enum cli_call call, json_t *args, json_t **out)
{
	struct ferry_error err;

	if (cli_call(cli, call, args, out, &err)) {
		json_decref(*out);
		*out = NULL;
		return cli_fail(cli, &err);
	}
	return EXIT_OK;
}

int cli_show_table(struct cli *cli, enum cli_call call, json_t *args, const struct cli_col *cols)
{
	json_t *o;
	int ec = cli_ask(cli, call, args, &o);

	return ec ? ec : cli_print_rows(cli, o, cols);
}

int cli_show_fields(struct cli *cli, enum cli_call call, json_t *args, const char *const keys[])
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, call, args, &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else
		cli_print_fields(o, keys);
	json_decref(o);
	return EXIT_OK;
}

void cli_print_warnings(struct cli *cli, const json_t *warnings)
{
	const json_t *w;
	size_t i;

	if (cli->quiet)
		return;
	json_array_foreach(warnings, i, w)
		fprintf(stderr, "ferry: warning: %s\n", json_string_value(w));
}

/* ---- operations ------------------------------------------------------------- */

static int print_schedule(struct cli *cli, json_t *s)
{
	if (cli->json)
		cli_print_json(s);
	else if (!cli->quiet)
		printf("Scheduled %s on '%s' at %s (schedule %lld): ferryd starts it then\n",
		       cli_str(s, "action"), cli_str(s, "env"), cli_str(s, "at"),
		       (long long)json_integer_value(json_object_get(s, "id")));
	json_decref(s);
	return EXIT_OK;
}

int cli_op_run(struct cli *cli, const char *action, json_t *args, json_t **op)
{
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	json_t *o = NULL;
	int rc;

	*op = NULL;
	ferry_error_clear(&err);
	if (!args)
		return cli_fail(cli, &(struct ferry_error){ FERRY_ENOMEM, "out of memory", "" });
	if (cli->at) {
		rc = cli->be->ops->schedule(cli->be, action, args, cli->at, &o, &err);
		json_decref(args);
		return rc ? cli_fail(cli, &err) : print_schedule(cli, o);
	}
	cli_op_hooks(cli, &hooks);
	rc = cli->be->ops->run(cli->be, action, args, &hooks, &o, &err);
	json_decref(args);
	take_hints(cli, o);
	cli_print_warnings(cli, cli_hint(cli, "warnings"));
	if (rc) {
		json_decref(o);
		return cli_fail(cli, &err);
	}
	*op = o;
	return EXIT_OK;
}

int cli_op_report(struct cli *cli, json_t *op)
{
	const char *st = cli_str(op, "state"), *id = cli_str(op, "activity_id");
	const char *kind = cli_str(op, "kind"), *env = json_string_value(json_object_get(op, "env"));

	if (cli->json)
		cli_print_json(op);
	else if (cli->quiet)
		;
	else if (!strcmp(st, ferry_op_state_name(FERRY_OP_AWAITING_CONFIRM)))
		printf("Operation %s (%s) waits at manual step '%s': confirm with "
		       "'ferry op complete-step %.8s %s'\n", id, kind, cli_str(op, "step"), id,
		       cli_str(op, "step"));
	else if (!strcmp(st, ferry_op_state_name(FERRY_OP_AWAITING_SIGNOFF)) && env && *env)
	{
		const char *slot = json_string_value(json_object_get(json_object_get(op, "params"), "slot"));
		int up = slot && !strcmp(slot, "upgrade");
		printf("Operation %s (%s) is awaiting sign-off: validate the environment, then "
		       "'ferry %s %s' (or 'ferry %s %s')\n", id, kind, up ? "upgrade signoff" : "env signoff",
		       env, up ? "upgrade rollback-package" : "env rollback", env);
	}
	else
		printf("Operation %s (%s) %s\n", id, kind, st);
	json_decref(op);
	return EXIT_OK;
}

int cli_op(struct cli *cli, const char *action, json_t *args)
{
	json_t *op;
	int ec;

	if ((ec = cli_op_run(cli, action, args, &op)) || !op)
		return ec;
	return cli_op_report(cli, op);
}

int cli_op_outcome(struct cli *cli, const char *activity_id, int rc, struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	struct ferry_error e2;
	json_t *o = NULL;

	if (rc)
		return cli_fail(cli, err);
	ferry_error_clear(&e2);
	if (ferry_op_find(cli->ctx, activity_id, &op, &e2) ||
	    ferry_op_to_json(cli->ctx, op, 1, 0, &o, &e2)) {
		ferry_op_free(op);
		return cli_fail(cli, &e2);
	}
	ferry_op_free(op);
	return cli_op_report(cli, o);
}
